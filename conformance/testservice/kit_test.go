package testservice_test

import (
	"context"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/conformance"
	"github.com/wsgw/wsgw/conformance/testservice"
)

// loadSuites loads the named suites from ../testdata, failing on load
// errors in their files only (other suites may be work in progress).
func loadSuites(t *testing.T, names ...string) []*conformance.Suite {
	t.Helper()
	all, err := conformance.Load(os.DirFS("../testdata"))
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			for _, n := range names {
				if strings.HasPrefix(line, n+"/") {
					t.Errorf("loading cases: %s", line)
				}
			}
		}
	}
	var out []*conformance.Suite
	for _, s := range all {
		for _, n := range names {
			if s.Name == n {
				out = append(out, s)
			}
		}
	}
	if len(out) != len(names) {
		t.Fatalf("got suites %v, want %v", out, names)
	}
	return out
}

// withoutFile returns a copy of s without the cases of file.
func withoutFile(s *conformance.Suite, file string) *conformance.Suite {
	c := *s
	c.Cases = nil
	for _, k := range s.Cases {
		if !strings.HasSuffix(k.File, file) {
			c.Cases = append(c.Cases, k)
		}
	}
	return &c
}

// TestService_PassesKitSuites runs the soap12 single-node cases and the
// wsa cases with the kit's runner against the test service itself; every
// case must pass or be skipped. (The intermediary cases need a node B in
// front: cmd/wsgw's TestTestService_BehindGateway runs them.)
func TestService_PassesKitSuites(t *testing.T) {
	srv := httptest.NewServer(testservice.New(testservice.Config{}))
	defer srv.Close()
	suites := loadSuites(t, "soap12", "wsa")
	suites[0] = withoutFile(suites[0], "intermediary.yaml")
	r := &conformance.Runner{Target: srv.URL, Files: os.DirFS("../testdata")}
	res := r.Run(context.Background(), suites)
	for _, sr := range res.Suites {
		pass, fail, skip := sr.Counts()
		t.Logf("suite %s: %d passed, %d failed, %d skipped", sr.Suite.Name, pass, fail, skip)
		for _, c := range sr.Cases {
			if c.Outcome == conformance.Fail {
				t.Errorf("%s: %s", c.Case, c.Message)
			}
		}
	}
}
