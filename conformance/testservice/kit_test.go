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
	suites, err := conformance.LoadSuites(os.DirFS("../testdata"), names...)
	if err != nil {
		t.Fatalf("loading cases: %v", err)
	}
	return suites
}

// TestService_PassesKitSuites runs the soap12 and wsa suites with the
// kit's runner against the test service itself; every case must pass,
// except the intermediary cases, which need a node B in front of node C
// (cmd/wsgw's TestTestService_BehindGateway runs them) and must be skipped
// saying so, not pass against node C alone.
func TestService_PassesKitSuites(t *testing.T) {
	srv := httptest.NewServer(testservice.New(testservice.Config{}))
	defer srv.Close()
	suites := loadSuites(t, "soap12", "wsa")
	r := &conformance.Runner{Target: srv.URL, Files: os.DirFS("../testdata")}
	res := r.Run(context.Background(), suites)
	for _, sr := range res.Suites {
		tl := sr.Tally()
		t.Logf("suite %s: %d passed, %d failed, %d skipped, %d differ", sr.Suite.Name, tl.Pass, tl.Fail, tl.Skip, tl.Differs)
		for _, c := range sr.Cases {
			intermediary := strings.HasSuffix(c.Case.File, "intermediary.yaml")
			switch {
			case c.NotMet():
				t.Errorf("%s: %s", c.Case, c.Message)
			case intermediary && (c.Outcome != conformance.Skip || !strings.Contains(c.Message, "intermediary=")):
				t.Errorf("%s: got %s (%s), want skip: node C alone is no intermediary", c.Case, c.Outcome, c.Message)
			}
		}
	}
}
