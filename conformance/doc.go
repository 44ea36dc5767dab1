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
// # Kinds
//
// Each case says what it checks: "standard" (a clause of a specification),
// "extension" (wsgw goes where a standard says nothing, with the reason:
// the report lists these under "Where the standards stop") or
// "wsgw-specific" (behaviour of wsgw itself a user relies on).
package conformance
