// Package conformance is wsgw's conformance kit: test cases kept as data
// (YAML files under testdata/, each citing the specification clause it
// checks), a runner that plays them over HTTP against any target URL, and
// reports (a terminal or plain progress log, a per-suite summary, JUnit XML,
// and a Markdown or HTML report with the messages of each failure).
//
// The kit tests an implementation from the outside: it imports package
// soap (and soap/xmldoc) to read replies, never package gateway.
//
// # Case format
//
// testdata/README.md documents the format; case.go holds its Go types and
// loader. In short: testdata/<suite>/suite.yaml declares a suite and the
// target parameters it needs; every other *.yaml file in the directory
// holds one or more cases. A case is a sequence of HTTP exchanges, each
// with expectations on the reply (status, content type, SOAP fault code and
// subcodes, XPath 1.0 assertions, headers) and values captured for later
// exchanges.
//
// # Kinds and outcomes
//
// Each case says what it checks: "standard" (a clause of a specification),
// "extension" (wsgw goes where a standard says nothing, with the reason:
// the report lists these under "Where the standards stop") or
// "wsgw-specific" (behaviour of wsgw itself a user relies on; such cases
// live in the gateway suite only, so that the other suites can judge any
// implementation).
//
// A case passes, fails, or is skipped. An extension case whose
// expectations do not hold "differs" instead of failing (choice): where no
// standard speaks, another implementation is not wrong to do otherwise.
// It is reported apart and never counts as a failure (Results.Failed).
//
// # Never a false pass
//
// A case must not pass for a reason other than the one it checks. So the
// cases take their requests from the target's parameters (a bad envelope
// carries the endpoint's own request, {payload}, so that its defect is the
// only thing that can cause the expected fault); a suite's endpoints that
// the target does not have (a default URL answered 404) skip the cases
// using them, with the --set that would run them, while a target that does
// not answer fails them (params.go); and a diagnostic says what the reply
// was (describe.go), never the kit's own reading error in the guise of a
// fault from the target.
package conformance
