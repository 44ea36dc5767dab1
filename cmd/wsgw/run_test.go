package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRun_Usage(t *testing.T) {
	cases := []struct {
		args     []string
		code     int
		inStdout string
		inStderr string
	}{
		{nil, 2, "", "Usage:"},
		{[]string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{[]string{"help"}, 0, "wsgw serve", ""},
		{[]string{"version"}, 0, "wsgw ", ""},
		{[]string{"serve", "--bogus"}, 2, "", "flag provided but not defined"},
		{[]string{"serve", "--config", "testdata/nonexistent.yaml"}, 2, "", "reading config"},
		{[]string{"demo", "extra"}, 2, "", "Usage: wsgw demo"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), c.args, &stdout, &stderr)
		if code != c.code || !strings.Contains(stdout.String(), c.inStdout) || !strings.Contains(stderr.String(), c.inStderr) {
			t.Errorf("run %q: got %d, stdout %q, stderr %q; want %d, stdout with %q, stderr with %q",
				c.args, code, stdout.String(), stderr.String(), c.code, c.inStdout, c.inStderr)
		}
	}
}

// TestRun_HelpExitsZeroForEveryCommand asks every command for help, as
// -h, -help and --help: the usage goes to stdout, the exit status is 0,
// and no internal flag shows.
func TestRun_HelpExitsZeroForEveryCommand(t *testing.T) {
	commands := [][]string{
		{"serve"}, {"demo"}, {"gen"}, {"conformance"}, {"conformance", "testservice"},
		{"bench"}, {"bench", "durable"}, {"bench", "wsrm"}, {"bench", "proxy"},
	}
	for _, cmd := range commands {
		for _, h := range []string{"-h", "-help", "--help"} {
			args := append(append([]string(nil), cmd...), h)
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), args, &stdout, &stderr)
			if code != 0 || !strings.Contains(stdout.String(), "Usage: wsgw "+cmd[0]) || stderr.Len() != 0 {
				t.Errorf("run %q: got %d, stdout %q, stderr %q; want 0 and the usage on stdout only", args, code, stdout.String(), stderr.String())
			}
			if strings.Contains(stdout.String(), "worker") {
				t.Errorf("run %q: the usage shows an internal flag:\n%s", args, stdout.String())
			}
		}
	}
}

// TestRun_UsageNamesEveryCommand checks that wsgw --help names every
// command and benchmark the program runs.
func TestRun_UsageNamesEveryCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, &stdout, &stderr); code != 0 {
		t.Fatalf("got exit %d, want 0", code)
	}
	for _, want := range []string{"wsgw serve", "--listen ADDR", "wsgw demo", "wsgw gen", "wsgw conformance --target",
		"wsgw conformance testservice", "wsgw bench durable|wsrm|proxy", "wsgw version"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("usage:\n%s\nwant it to name %q", stdout.String(), want)
		}
	}
	for _, b := range []string{"durable", "wsrm", "proxy"} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"bench", b, "--bogus"}, &out, &errb); code != 2 || strings.Contains(errb.String(), "unknown benchmark") {
			t.Errorf("bench %s: got %d (%s), want 2 for the bad flag of a known benchmark", b, code, errb.String())
		}
	}
}
