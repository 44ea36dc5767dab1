package conformance

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

const fault11 = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>` +
	`<faultcode>s:Client.Bad</faultcode><faultstring>bad</faultstring></s:Fault></s:Body></s:Envelope>`

const fault12 = `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" xmlns:x="urn:x"><e:Body><e:Fault>` +
	`<e:Code><e:Value>e:Sender</e:Value><e:Subcode><e:Value>x:Oops</e:Value></e:Subcode></e:Code>` +
	`<e:Reason><e:Text xml:lang="en">oops</e:Text></e:Reason></e:Fault></e:Body></e:Envelope>`

// fakeTarget answers /fault11, /fault12, /doc (a document naming
// relative locations), /sub/* (200) and echoes anything else.
func fakeTarget(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/fault11":
			w.Header().Set("Content-Type", "text/xml; charset=utf-8")
			w.WriteHeader(500)
			io.WriteString(w, fault11)
		case r.URL.Path == "/fault12":
			w.Header().Set("Content-Type", "application/soap+xml")
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(400)
			io.WriteString(w, fault12)
		case r.URL.Path == "/dir/doc":
			io.WriteString(w, `<d><loc href="../sub/a"/><loc href="../sub/b"/></d>`)
		case strings.HasPrefix(r.URL.Path, "/sub/"):
			io.WriteString(w, `<ok/>`)
		case strings.HasPrefix(r.URL.Path, "/missing"):
			http.NotFound(w, r)
		default:
			w.Header().Set("Content-Type", "text/xml")
			w.Header().Set("X-Got-Action", r.Header.Get("SOAPAction"))
			b, _ := io.ReadAll(r.Body)
			w.Write(b)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

const runnerSuite = `suite: t
title: T
params:
  - {name: svc, default: "{target}/echo"}
`

const otherSuite = `suite: u
title: U
params:
  - {name: other, description: required}
`

const runnerCases = `id: t-pass
title: passes
kind: standard
spec: [{doc: SOAP 1.1, clause: "4.4"}]
exchanges:
  - path: /fault11
    expect:
      status: [400, 500]
      content_type: text/xml
      envelope: "1.1"
      fault: {code: s11:Client}
      xpath:
        - {expr: "//faultstring", equals: "bad"}
        - {expr: "//s11:Fault/*", count: 2}
        - {expr: "//nothing", exists: false}
  - path: /fault12
    expect:
      fault: {code: s12:Sender, subcodes: ["{urn:x}Oops"]}
      headers: [{name: Retry-After, matches: '^\d+$'}, {name: X-None, absent: true}]
  - path: /dir/doc
    capture:
      locs: {xpath: "//loc/@href", all: true}
  - for_each: locs
    base: "{target}/dir/doc"
    path: "{item}"
    expect: {status: 200, xpath: [{expr: "/ok", count: 1}]}
---
id: t-fail
title: fails on the second exchange
kind: standard
spec: [{doc: SOAP 1.1, clause: "4.4"}]
exchanges:
  - path: "{svc}"
    soap: "1.1"
    action: urn:a
    body: '<hello>{svc}</hello>'
    capture:
      action: {header: X-Got-Action}
  - path: "{svc}"
    soap: "1.1"
    action: "{action}"
    fill: {pad: {text: "x", count: 20000}}
    body: '<big>{pad}</big>'
    expect:
      fault: {code: s11:Server}
---
id: t-ext
title: an extension the target does otherwise
kind: extension
reason: because
exchanges:
  - path: /fault11
    expect: {status: 200}
`

const otherCases = `id: u-skip
title: needs a parameter
kind: standard
spec: [{doc: SOAP 1.1, clause: "6"}]
exchanges:
  - path: "{other}"
`

func runFake(t *testing.T) (*Results, *httptest.Server) {
	t.Helper()
	srv := fakeTarget(t)
	fsys := fstest.MapFS{
		"t/suite.yaml": {Data: []byte(runnerSuite)}, "t/cases.yaml": {Data: []byte(runnerCases)},
		"u/suite.yaml": {Data: []byte(otherSuite)}, "u/cases.yaml": {Data: []byte(otherCases)},
	}
	suites, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Target: srv.URL, Files: fsys}
	return r.Run(context.Background(), suites), srv
}

func TestRunner_Outcomes(t *testing.T) {
	res, _ := runFake(t)
	got := map[string]*CaseResult{}
	for _, s := range res.Suites {
		for _, c := range s.Cases {
			got[c.Case.ID] = c
		}
	}
	if c := got["t-pass"]; c.Outcome != Pass || len(c.Records) != 5 {
		t.Errorf("t-pass: got %s (%s) with %d records, want pass with 5", c.Outcome, c.Message, len(c.Records))
	}
	if c := got["t-fail"]; c.Outcome != Fail || c.Failed != 1 || !strings.Contains(c.Message, "exchange 2: reply is not a SOAP envelope") {
		t.Errorf("t-fail: got %s at %d (%s), want a failure at exchange 2: the echo is no envelope", c.Outcome, c.Failed, c.Message)
	}
	if c := got["t-ext"]; c.Outcome != Differs || !strings.Contains(c.Message, "HTTP status: got 500 with a SOAP 1.1 fault s11:Client.Bad") {
		t.Errorf("t-ext: got %s (%s), want differs, saying what the reply was", c.Outcome, c.Message)
	}
	if c := got["u-skip"]; c.Outcome != Skip || !strings.Contains(c.Message, "--set other=") {
		t.Errorf("u-skip: got %s (%s), want skip naming --set other=", c.Outcome, c.Message)
	}
	if got, want := res.Tally(), (Tally{Pass: 1, Fail: 1, Skip: 1, Differs: 1}); got != want {
		t.Errorf("Tally: got %+v, want %+v", got, want)
	}
	if !res.Failed() {
		t.Error("Failed: got false, want true")
	}
}

func TestRunner_ReportShowsExchangedMessages(t *testing.T) {
	res, srv := runFake(t)
	var md bytes.Buffer
	if err := WriteReport(&md, "r.md", res); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"### t/t-fail: fails on the second exchange",
		"POST " + srv.URL + "/echo",
		"<hello>" + srv.URL + "/echo</hello>", // the first exchange, with placeholders expanded
		`SOAPAction: "urn:a"`,                 // the capture reused in the second
		"Exchange 2 (failed): request",
		"bytes omitted",        // the 20000-byte body, truncated
		"(20011 bytes in all)", // and its size
		"## Where the standards stop",
		"| t/t-ext: an extension the target does otherwise | differs: exchange 1: HTTP status: got 500",
		"|  | because |",
		"- u/u-skip: needs --set other=...",
		"- u: {other}: needs --set other=...",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("report:\n%s\nwant it to contain %q", md.String(), want)
		}
	}
	for _, id := range []string{"t-pass", "t-ext"} {
		if strings.Contains(md.String(), "### t/"+id) {
			t.Errorf("report: got a failure section for %s, want none", id)
		}
	}
	var h bytes.Buffer
	if err := WriteReport(&h, "r.html", res); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.String(), "&lt;hello&gt;") {
		t.Errorf("html report: want the request body escaped, got\n%s", h.String())
	}
}

func TestRunner_JUnitParsesBack(t *testing.T) {
	res, _ := runFake(t)
	var b bytes.Buffer
	if err := WriteJUnit(&b, res); err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("parsing junit: %v\n%s", err, b.String())
	}
	if got.Tests != 4 || got.Failures != 1 || got.Skipped != 1 || len(got.Suites) != 2 {
		t.Fatalf("got tests %d failures %d skipped %d suites %d, want 4 1 1 2", got.Tests, got.Failures, got.Skipped, len(got.Suites))
	}
	var failure *junitMessage
	var differs string
	for _, c := range got.Suites[0].Cases {
		if c.Failure != nil {
			failure = c.Failure
		}
		if strings.HasPrefix(c.Name, "t-ext:") {
			differs = c.SystemOut
		}
	}
	if failure == nil || !strings.Contains(failure.Text, "<big>xxx") || !strings.Contains(failure.Text, "--- reply") {
		t.Errorf("failure: got %+v, want the exchanges in its text", failure)
	}
	if !strings.Contains(differs, "the target differs (not a failure)") || !strings.Contains(differs, "--- reply") {
		t.Errorf("t-ext system-out: got %q, want it to say the extension differs, with the exchanges", differs)
	}
}

func TestProgress_PlainAndTerminal(t *testing.T) {
	res, _ := runFake(t)
	for _, term := range []bool{false, true} {
		var b bytes.Buffer
		p := NewProgress(&b, term)
		p.Start(4)
		for i, c := range append(res.Suites[0].Cases, res.Suites[1].Cases...) {
			p.CaseStarted(i, c.Case)
			p.CaseDone(i, c)
		}
		out := b.String()
		if !strings.Contains(out, "FAIL t/t-fail") || !strings.Contains(out, "DIFFERS t/t-ext") {
			t.Errorf("terminal=%v: got %q, want a FAIL and a DIFFERS line", term, out)
		}
		if term != strings.Contains(out, "\r\033[K") {
			t.Errorf("terminal=%v: got %q, want line updates only on a terminal", term, out)
		}
	}
}
