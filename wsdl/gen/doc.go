// Package gen generates Go SOAP clients from WSDL 1.1 descriptions with
// gowsdl (github.com/hooklift/gowsdl v0.5.0) used as a library; it is
// `wsgw gen`. It supplies what gowsdl lacks:
//
//   - Imports. gowsdl reads one file and does not follow wsdl:import.
//     Generate loads the description with wsdl.Load (wsdl:import,
//     xsd:import, xsd:include, resolved relative to each document, cycles
//     and bounds handled) and Flatten builds one self-contained WSDL from
//     it: every WSDL document's messages, port types, bindings and
//     services under the main target namespace (QName references into an
//     imported WSDL namespace rewritten), and in wsdl:types every schema,
//     an xsd:include'd document's components merged into the including
//     schema (XML Schema 1.0 Part 1, 4.2.1: they join its target
//     namespace, chameleon includes too), xsd:import schemaLocations
//     dropped since the imported schemas are all inlined. Every moved
//     element carries the namespace declarations it relied on. gowsdl reads
//     the flattened file from a temporary directory. Not supported:
//     xsd:redefine; two components of one kind with one local name in two
//     namespaces (gowsdl drops namespaces): both are errors.
//   - Errors. gowsdl logs its template errors and returns none. Its log is
//     captured: every line but progress and "[WARN]" is an error, warnings
//     are returned in Result.Warnings. The generated Go must parse (gofmt),
//     must declare each name once and must declare every type it uses (the
//     usual failure: an XSD type gowsdl cannot map, such as soapenc:Array);
//     otherwise Generate fails with an error naming the WSDL and the
//     problem, and writes nothing.
//   - XSD built-in types. gowsdl v0.5.0 maps 23 of XML Schema's built-in
//     datatypes to Go types and writes the others (positiveInteger,
//     nonNegativeInteger, normalizedString, NMTOKEN, QName, duration, ...:
//     unmappedBuiltins in xsdtypes.go) as undeclared names. gen declares
//     those the generated types use, in wsgw_xsd.go. A built-in in an
//     operation's signature (an rpc part, or a document/literal bare part
//     whose element has a built-in type) stays an error: gowsdl would send
//     the value under the type's name, not the part's element.
//   - Crashes. gowsdl v0.5.0 writes one map from two goroutines in
//     (*GoWSDL).Start, a data race: the race detector reports it, and at
//     worst the runtime aborts with "concurrent map writes". The Command
//     runner therefore runs gowsdl in a child process (ServeGowsdl is the
//     child's side; `wsgw gen` re-executes itself) with GOMAXPROCS=1, so
//     that the two goroutines never write in parallel (on two cores, with
//     the default GOMAXPROCS, the abort showed up in the sample tests),
//     runs it again should it
//     abort anyway, and reports any other crash or panic, on any gowsdl
//     goroutine, as an error. InProcess runs it in process, recovering
//     panics on the calling goroutine only.
//   - Ports and SOAP 1.2. gowsdl generates one interface per port type and
//     a runtime (github.com/hooklift/gowsdl/soap) that speaks SOAP 1.1
//     only, with the SOAPAction of the first binding of the port type. gen
//     adds, per SOAP port of every service, a constant <Port>Address (the
//     WSDL's address) and a constructor New<Port>(url, hc, opts...)
//     returning gowsdl's interface; url "" means the WSDL's address. The
//     constructor installs, as the transport of the HTTP client gowsdl
//     uses, a SOAPTransport (written into the package as wsgw_*.go; its
//     source is internal/soaprt) that knows the port's binding: the action
//     of each operation keyed by the body's first element, and the SOAP
//     version. For a SOAP 1.1 port it sets the port's SOAPAction, quoted
//     (WS-I BP 1.1 R2744; gowsdl sends it unquoted). For a SOAP 1.2 port it
//     rewrites gowsdl's SOAP 1.1 request to SOAP 1.2 (envelope namespace;
//     Content-Type application/soap+xml with the action parameter, SOAP 1.2
//     Part 2, 7.1.4, instead of SOAPAction) and the SOAP 1.2 reply back to
//     SOAP 1.1, faults included (Code/Value Sender -> Client, Receiver ->
//     Server, other codes kept; Reason/Text, English preferred ->
//     faultstring; Role -> faultactor; Detail -> detail; subcodes are
//     dropped). The HTTP status is kept, so a fault from either port
//     reaches the caller the same way: gowsdl's *soap.HTTPError with a
//     SOAP 1.1 fault in ResponseBody (gowsdl reads a fault only from a
//     200 reply); the generated SOAPFaultOf(err) extracts it as a
//     *soap.SOAPFault. Multipart (MTOM) requests are not rewritten.
//
// The generated package needs only the standard library and
// github.com/hooklift/gowsdl/soap, at the version gen is built with
// (Result.Requires, which `wsgw gen` prints as a go get line). Files:
// service.go (gowsdl's output), ports.go (constructors; absent when the
// WSDL has no SOAP port whose port type gowsdl generated),
// wsgw_transport.go, wsgw_fault.go, wsgw_client.go, and wsgw_xsd.go when
// built-in types need declaring.
package gen
