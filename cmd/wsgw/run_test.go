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
