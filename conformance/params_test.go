package conformance

import (
	"context"
	"net"
	"strings"
	"testing"
	"testing/fstest"
)

const endpointSuite = `suite: e
title: E
params:
  - name: svc
    endpoint: true
    description: URL of the echo service
    default: ["{target}/missing/a", "{target}/echo"]
  - name: gone
    endpoint: true
    description: URL of a service the target does not have
    default: ["{target}/missing/b", "{target}/missing/c"]
  - {name: after, endpoint: true, default: "{gone}/x"}
`

const endpointCases = `id: e-svc
title: uses the endpoint found
kind: standard
spec: [{doc: SOAP 1.1, clause: "6"}]
exchanges:
  - path: "{svc}"
    body: '<x/>'
    expect: {status: 200}
---
id: e-gone
title: uses the endpoint the target lacks
kind: standard
spec: [{doc: SOAP 1.1, clause: "6"}]
exchanges:
  - path: "{target}/echo"
    body: '<x>{gone}</x>'
---
id: e-after
title: uses a parameter built on the missing one
kind: standard
spec: [{doc: SOAP 1.1, clause: "6"}]
exchanges:
  - path: "{after}"
`

func runEndpoints(t *testing.T, target string, set map[string]string) (*Results, map[string]*CaseResult) {
	t.Helper()
	fsys := fstest.MapFS{"e/suite.yaml": {Data: []byte(endpointSuite)}, "e/cases.yaml": {Data: []byte(endpointCases)}}
	suites, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	res := (&Runner{Target: target, Files: fsys, Set: set}).Run(context.Background(), suites)
	got := map[string]*CaseResult{}
	for _, c := range res.Suites[0].Cases {
		got[c.Case.ID] = c
	}
	return res, got
}

func TestRunner_EndpointDefaultsProbed(t *testing.T) {
	srv := fakeTarget(t)
	res, got := runEndpoints(t, srv.URL, nil)
	if p := res.Suites[0].Params["svc"]; p != srv.URL+"/echo" {
		t.Errorf("svc: got %q, want the first default the target has, %s/echo", p, srv.URL)
	}
	if c := got["e-svc"]; c.Outcome != Pass {
		t.Errorf("e-svc: got %s (%s), want pass", c.Outcome, c.Message)
	}
	c := got["e-gone"]
	for _, want := range []string{
		"no endpoint at " + srv.URL + "/missing/b (GET: 404 Not Found)",
		"no endpoint at " + srv.URL + "/missing/c (GET: 404 Not Found)",
		"needs --set gone=... (URL of a service the target does not have)",
	} {
		if c.Outcome != Skip || !strings.Contains(c.Message, want) {
			t.Errorf("e-gone: got %s (%s), want skip saying %q", c.Outcome, c.Message, want)
		}
	}
	if c := got["e-after"]; c.Outcome != Skip || !strings.Contains(c.Message, "needs --set after=") {
		t.Errorf("e-after: got %s (%s), want skip naming --set after=", c.Outcome, c.Message)
	}
	var sum strings.Builder
	WriteSummary(&sum, res)
	if !strings.Contains(sum.String(), "e: {gone}: no endpoint at") {
		t.Errorf("summary:\n%s\nwant the reason {gone} has no value", sum.String())
	}
}

func TestRunner_EndpointSetIsNotProbed(t *testing.T) {
	srv := fakeTarget(t)
	// e.svc, for suite e only, wins over svc.
	_, got := runEndpoints(t, srv.URL, map[string]string{"e.svc": srv.URL + "/missing/set", "svc": srv.URL + "/echo", "gone": srv.URL + "/echo"})
	if c := got["e-svc"]; c.Outcome != Fail || !strings.Contains(c.Message, "HTTP status: got 404") {
		t.Errorf("e-svc: got %s (%s), want a failure: a value given with --set is used as given", c.Outcome, c.Message)
	}
	if c := got["e-gone"]; c.Outcome != Pass {
		t.Errorf("e-gone: got %s (%s), want pass", c.Outcome, c.Message)
	}
}

// A target that does not answer at all fails its cases: the probe does
// not turn a dead target into skipped cases and a clean exit.
func TestRunner_UnreachableTargetFails(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	target := "http://" + l.Addr().String()
	l.Close()
	res, got := runEndpoints(t, target, nil)
	if c := got["e-svc"]; c.Outcome != Fail {
		t.Errorf("e-svc: got %s (%s), want fail", c.Outcome, c.Message)
	}
	if !res.Failed() {
		t.Error("Failed: got false, want true")
	}
}

func TestResults_DiffersIsNoFailure(t *testing.T) {
	ext := &Case{ID: "x", Kind: KindExtension}
	res := &Results{Suites: []*SuiteResult{{Cases: []*CaseResult{
		{Case: ext, Outcome: Differs}, {Case: &Case{ID: "y", Kind: KindStandard}, Outcome: Pass},
	}}}}
	if res.Failed() {
		t.Error("Failed: got true for an extension case that differs, want false")
	}
	if got := res.Tally(); got != (Tally{Pass: 1, Differs: 1}) || got.Ran() != 2 {
		t.Errorf("Tally: got %+v (ran %d), want 1 pass, 1 differs, 2 ran", got, got.Ran())
	}
}

// TestRunner_SuiteRequiresSkipsEveryCase runs a suite that requires an
// endpoint the target lacks: its case that does not use it is skipped too.
func TestRunner_SuiteRequiresSkipsEveryCase(t *testing.T) {
	srv := fakeTarget(t)
	fsys := fstest.MapFS{
		"r/suite.yaml": {Data: []byte("suite: r\ntitle: R\nparams:\n  - {name: svc, endpoint: true, default: \"{target}/missing/r\"}\nrequires: [svc]\n")},
		"r/cases.yaml": {Data: []byte("id: r-fixed\ntitle: fixed path\nkind: standard\nspec: [{doc: HTTP, clause: \"1\"}]\nexchanges: [{path: /sub/x, expect: {status: 200}}]\n")},
	}
	suites, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	res := (&Runner{Target: srv.URL, Files: fsys}).Run(context.Background(), suites)
	if c := res.Suites[0].Cases[0]; c.Outcome != Skip || !strings.Contains(c.Message, "needs --set svc=") {
		t.Errorf("r-fixed: got %s (%s), want skip: its suite requires svc", c.Outcome, c.Message)
	}
}
