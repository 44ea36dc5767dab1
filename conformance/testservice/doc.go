// Package testservice is the test service of the wsgw conformance kit: an
// http.Handler that plays the receiving end of two W3C test suites, so that
// the kit can test any SOAP node against it, and the gateway can be put in
// front of it and tested as an intermediary.
//
// # Endpoints
//
//	POST /soap12          SOAP 1.2 test collection, node C (ultimate receiver)
//	GET  /soap12?wsdl     its WSDL (soap12-test.wsdl, address rewritten)
//	POST /wsa             WS-Addressing test suite echo and notify, by Action
//	                      (/wsa/echo and /wsa/notify are the same endpoint)
//	GET  /wsa?wsdl        the WSDL of echo and notify
//	GET  /health          200 (also /soap12/health and /wsa/health, for the
//	                      health checks of a gateway whose replica is /soap12
//	                      or /wsa)
//
// # SOAP Version 1.2 Specification Assertions and Test Collection
//
// W3C Recommendation 27 April 2007 (https://www.w3.org/TR/soap12-testcollection/),
// section 3 (test set-up): node C plays the roles next, ultimateReceiver
// and http://example.org/ts-tests/C. The header blocks it understands are
// those of section 3.3 (echoOk, requiredHeader, validateCountryCode,
// echoResolvedRef, DataHolder); the RPC procedures are those of 3.4 (echoOk,
// echoString, echoStringArray, echoInteger(Array), echoFloat(Array),
// echoStruct(Array), echoNestedStruct, echoNestedArray,
// echoStructAsSimpleTypes, echoSimpleTypesAsStruct, echoBase64, echoBoolean,
// echoDate, echoDecimal, echoHexBinary, echoVoid, returnVoid, countItems,
// isNil, echoHeader, echoSenderFault, echoReceiverFault). Headers are
// processed by SOAP 1.2 Part 1, 2.2-2.6 (roles, targeting, mustUnderstand,
// processing order); faults by Part 1, 5.4 and Part 2, 3.2 (decoding
// faults: enc:MissingID, enc:DuplicateID) and 4.4 (rpc:ProcedureNotPresent,
// rpc:BadArguments). Relaying (Part 1, 2.7) is an intermediary's business:
// node C is the ultimate receiver and forwards nothing, so env:relay is only
// checked for its lexical form; the intermediary tests (T6-T9, T17, T18,
// T20, T21, T62) put a node B, such as the gateway, in front of it.
// Envelopes are read, and faults written, by package soap; replies are
// written directly.
//
// Choices where the collection leaves room, or where its PHP copy (the
// source of the request files) differs from the W3C text:
//
//   - /soap12 is a SOAP 1.2 node: a SOAP 1.1 envelope gets a SOAP 1.1
//     VersionMismatch fault with the Upgrade header (T30; Part 1, Appendix A).
//   - A DTD or a processing instruction is a Sender fault (T25, T26, T64,
//     T65; Part 1, 5), where PHP answers Receiver (or ignores the PI).
//   - Encoding errors are Sender faults: enc:MissingID (T56), rpc:BadArguments
//     (T27, T58: an array item that is not a simple value), and plain Sender
//     for an element with both enc:id and enc:ref (T59) or an invalid
//     enc:arraySize (T61). An unknown procedure is Sender with
//     rpc:ProcedureNotPresent (T33). PHP answers Receiver, or (T33) puts the
//     subcode in the Code.
//   - enc:ref is an IDREF ("data", Part 2, 3.1.5.2); the SOAP 1.1 style
//     "#data" (T56, T57) is accepted too.
//   - The procedures are looked up in http://example.org/ts-tests and, for
//     T46, in http://exaple.org/ts-tests (a typo the collection's message
//     carries).
//   - Header values are echoed as sent, whitespace included.
//
// # Web Services Addressing 1.0 test suite
//
// The echo and notify services of the W3C WS-Addressing 1.0 test suite
// (http://www.w3.org/2002/ws/addr/testsuite/, testcases test1100-test1270),
// in SOAP 1.1 and 1.2, with the reply rules of WS-Addressing 1.0 Core 3.3-3.4
// and SOAP Binding 2-3 and 6:
//
//   - notify (Action http://example.org/action/notify, body notify:notify):
//     one-way, HTTP 202 without a body.
//   - echo (Action http://example.org/action/echoIn, body echo:echoIn):
//     replies echo:echoOut with Action http://example.org/action/echoOut and
//     a RelatesTo the request's MessageID; an empty string is the fault
//     Sender/echo:EmptyEchoString.
//   - Every reply and fault carries the reference parameters of the
//     endpoint it goes to, each marked wsa:IsReferenceParameter="true".
//   - A reply goes to [reply endpoint] (ReplyTo, default anonymous), a fault
//     to [fault endpoint] (FaultTo, else ReplyTo). Anonymous: the HTTP
//     response. None: discarded, HTTP 202. Any other address is an outbound
//     request made on the client's behalf, so only http URLs whose host is a
//     loopback address (127.0.0.0/8, ::1, localhost) are used (a Config hook
//     can widen this): the service answers HTTP 202 and POSTs the message
//     there. Any other address gets the fault
//     Sender/wsa:DestinationUnreachable with the ProblemIRI detail, sent to
//     the fault endpoint, or in the HTTP response if that is not usable
//     either (test1260).
//   - A WS-Addressing header fault (duplicate header, missing Action) goes
//     to the fault endpoint read from the well-formed FaultTo/ReplyTo of the
//     message, so a ReplyTo of none discards it (test1149, test1249).
//   - A MustUnderstand fault (test1238) is always the HTTP response: it is
//     raised before addressing is processed.
package testservice
