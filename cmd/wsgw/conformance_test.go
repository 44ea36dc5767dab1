package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/conformance"
)

// knownFailures are cases of the shipped suites that fail against the demo
// because of a gateway bug not fixed yet: case id -> the bug. A case listed
// here that passes fails the test, so that the entry is removed.
var knownFailures = map[string]string{}

// demoSkips are the parameters without a default that the demo leaves
// unset, so that the cases using them are skipped: wsgw cannot play those
// parts (see the soap12 suite). Any other case that does not run must be
// skipped by its own skip field.
var demoSkips = map[string]bool{"role_b_intermediary": true, "active_intermediary": true}

// TestConformance_DemoPassesEverySuite runs every shipped suite, as `wsgw
// conformance --target <demo>` does with no --suite: every case must pass
// (an extension case that differs fails this test: wsgw must do what its
// own extension cases describe), or be skipped by its skip field or for a
// parameter in demoSkips.
func TestConformance_DemoPassesEverySuite(t *testing.T) {
	d := startTestDemo(t)
	suites, err := conformance.Load(conformance.Cases())
	if err != nil {
		t.Fatal(err)
	}
	r := &conformance.Runner{Target: d.URL}
	res := r.Run(context.Background(), suites)
	for _, s := range res.Suites {
		for name, why := range s.Unavailable {
			if !demoSkips[name] {
				t.Errorf("suite %s: {%s} has no value against the demo: %s", s.Suite.Name, name, why)
			}
		}
		for _, c := range s.Cases {
			bug, known := knownFailures[c.Case.ID]
			switch {
			case c.NotMet() && known:
				t.Logf("%s: known failure (%s): %s", c.Case, bug, c.Message)
			case c.NotMet():
				t.Errorf("%s: got %s: %s", c.Case, c.Outcome, c.Message)
			case known:
				t.Errorf("%s: got %s, want the known failure %q: remove it from knownFailures", c.Case, c.Outcome, bug)
			case c.Outcome == conformance.Skip && c.Case.Skip == "" && !strings.Contains(c.Message, "_intermediary="):
				t.Errorf("%s: skipped (%s), want it run", c.Case, c.Message)
			}
		}
		tl := s.Tally()
		t.Logf("%s: %d pass, %d fail, %d skip, %d differ", s.Suite.Name, tl.Pass, tl.Fail, tl.Skip, tl.Differs)
	}
	if got := len(res.Suites); got < 8 {
		t.Errorf("got %d suites, want the 8 shipped ones or more", got)
	}
}

func TestConformance_CommandWritesJUnitAndReport(t *testing.T) {
	d := startTestDemo(t)
	dir := t.TempDir()
	// The report's directory does not exist yet: it is created.
	junit, report := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "reports", "today", "report.html")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"conformance", "--target", d.URL, "--suite", "gateway",
		"--junit", junit, "--report", report}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("got exit %d, want 0; stdout:\n%s\nstderr:\n%s", code, &stdout, &stderr)
	}
	if !strings.Contains(stdout.String(), "PASS gateway/gateway-healthz") || !strings.Contains(stdout.String(), "gateway ") {
		t.Errorf("stdout:\n%s\nwant plain PASS lines and a summary", &stdout)
	}
	b, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var js struct {
		Suites []struct {
			Name  string `xml:"name,attr"`
			Tests int    `xml:"tests,attr"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b, &js); err != nil || len(js.Suites) != 1 || js.Suites[0].Name != "gateway" || js.Suites[0].Tests == 0 {
		t.Errorf("junit: got %+v (%v), want one gateway suite with tests", js, err)
	}
	h, err := os.ReadFile(report)
	if err != nil || !strings.HasPrefix(string(h), "<!DOCTYPE html>") {
		t.Errorf("report: got %.60q (%v), want HTML", h, err)
	}
}

func TestConformance_CommandFailsOnFailure(t *testing.T) {
	d := startTestDemo(t)
	var stdout, stderr bytes.Buffer
	// A wrong service URL makes the soap11 cases fail.
	code := run(context.Background(), []string{"conformance", "--target", d.URL, "--suite", "soap11",
		"--set", "service=" + d.URL + "/services/NoSuchService"}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stdout.String(), "FAIL soap11/") {
		t.Errorf("got exit %d, stdout:\n%s\nwant 1 and FAIL lines", code, &stdout)
	}
}

func TestConformance_CommandUsage(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want int
	}{
		{"no target", []string{"conformance"}, 2},
		{"bad target", []string{"conformance", "--target", "ftp://x"}, 2},
		{"unknown suite", []string{"conformance", "--target", "http://127.0.0.1:1", "--suite", "nope"}, 2},
		{"bad set", []string{"conformance", "--target", "http://127.0.0.1:1", "--set", "novalue"}, 2},
		{"list", []string{"conformance", "--list"}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if got := run(context.Background(), c.args, &stdout, &stderr); got != c.want {
				t.Errorf("got exit %d, want %d; stderr:\n%s", got, c.want, &stderr)
			}
		})
	}
}

func TestConformance_CommandRefusesUnwritableReportBeforeRunning(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	// A directory below a regular file cannot be created.
	code := run(context.Background(), []string{"conformance", "--target", "http://127.0.0.1:1", "--suite", "gateway",
		"--report", filepath.Join(file, "sub", "report.md")}, &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "report.md") || stdout.Len() != 0 {
		t.Errorf("got exit %d, stdout %q, stderr %q; want 2 before any case ran, naming the report", code, &stdout, &stderr)
	}
}

// conformanceTree writes a case tree with one suite: a standard case that
// passes against target, and an extension case that target does
// otherwise.
func conformanceTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"x/suite.yaml": "suite: x\ntitle: X\nparams:\n  - {name: svc, endpoint: true, default: \"{target}/svc\"}\n",
		"x/cases.yaml": `id: x-standard
title: answers 200
kind: standard
spec: [{doc: HTTP, clause: "1"}]
exchanges: [{path: "{svc}", expect: {status: 200}}]
---
id: x-extension
title: answers 418
kind: extension
reason: wsgw would
exchanges: [{path: "{svc}", expect: {status: 418}}]
`,
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestConformance_CommandExtensionThatDiffersIsNoFailure(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/svc" {
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"conformance", "--target", srv.URL, "--cases", conformanceTree(t)}, &stdout, &stderr)
	if code != 0 || !strings.Contains(stdout.String(), "DIFFERS x/x-extension") ||
		!strings.Contains(stdout.String(), "conformance: 1 passed, 0 failed, 0 skipped, 1 differ") {
		t.Errorf("got exit %d, stdout:\n%s\nwant 0, a DIFFERS line and 1 passed, 1 differ", code, &stdout)
	}
}

func TestConformance_CommandNothingRunIsNoPass(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"conformance", "--target", srv.URL, "--cases", conformanceTree(t)}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stdout.String(), "x: {svc}: no endpoint at "+srv.URL+"/svc") ||
		!strings.Contains(stdout.String(), "needs --set svc=") || !strings.Contains(stderr.String(), "no case ran") {
		t.Errorf("got exit %d, stdout:\n%s\nstderr:\n%s\nwant 1, the suite skipped with the --set that runs it, and \"no case ran\"", code, &stdout, &stderr)
	}
}
