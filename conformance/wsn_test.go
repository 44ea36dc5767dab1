package conformance_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/conformance"
	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/gateway"
	"github.com/wsgw/wsgw/wsnotify"
)

// wsnKnownFailures are wsn cases the broker fails today, with the reason
// (reported to the broker's owner). A case listed here that passes fails
// the test, so the list cannot go stale.
var wsnKnownFailures = map[string]string{}

// startBroker serves a gateway hosting a broker (with what makes its
// subscriptions durable and its endpoint a WS-RM destination) over a
// badger store in t.TempDir() on a loopback port, its egress allowing
// loopback only, until the test ends. It returns the base URL.
func startBroker(t *testing.T, topics wsnotify.TopicsConfig) string {
	t.Helper()
	db, err := badger.Open(badger.DefaultOptions(filepath.Join(t.TempDir(), "db")).WithLogger(nil).WithSyncWrites(false))
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + l.Addr().String()
	bc := wsnotify.Config{Egress: egress.Loopback(), SweepInterval: time.Second, Topics: topics}
	g, err := gateway.New(context.Background(), gateway.Config{PublicURL: base, Broker: &bc},
		gateway.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), DB: db})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { g.Serve(ctx, l); close(done) }() //nolint:errcheck // nil when ctx ends
	t.Cleanup(func() { cancel(); <-done; g.Close(); db.Close() })
	return base
}

// TestWSNSuite_PassesAgainstBroker runs the wsn suite, as `wsgw
// conformance --suite wsn` would, against an in-process broker, twice:
// the cases clean up after themselves, so a second run against the same
// broker has the same outcomes.
func TestWSNSuite_PassesAgainstBroker(t *testing.T) {
	base := startBroker(t, wsnotify.TopicsConfig{})
	suite := loadWSN(t)
	for run := 1; run <= 2; run++ {
		r := &conformance.Runner{Target: base, Files: os.DirFS("testdata")}
		res := r.Run(context.Background(), []*conformance.Suite{suite})
		for _, sr := range res.Suites {
			tl := sr.Tally()
			t.Logf("run %d, suite %s: %d passed, %d failed, %d skipped, %d differ", run, sr.Suite.Name, tl.Pass, tl.Fail, tl.Skip, tl.Differs)
			checkOutcomes(t, sr)
		}
	}
}

// TestWSNSuite_FixedTopicSet runs the cases skipped for want of a fixed
// topic set against a broker that has one.
func TestWSNSuite_FixedTopicSet(t *testing.T) {
	base := startBroker(t, wsnotify.TopicsConfig{Fixed: true, Topics: []string{"{urn:wsgw:conformance:wsn:topics}t"}})
	suite := *loadWSN(t)
	suite.Cases = nil
	for _, c := range loadWSN(t).Cases {
		if strings.Contains(c.Skip, "fixed topic set") {
			k := *c
			k.Skip = ""
			suite.Cases = append(suite.Cases, &k)
		}
	}
	if len(suite.Cases) == 0 {
		t.Fatal("no wsn case is skipped for want of a fixed topic set")
	}
	r := &conformance.Runner{Target: base, Files: os.DirFS("testdata")}
	res := r.Run(context.Background(), []*conformance.Suite{&suite})
	for _, sr := range res.Suites {
		tl := sr.Tally()
		t.Logf("suite %s, fixed topic set: %d passed, %d failed, %d skipped, %d differ", sr.Suite.Name, tl.Pass, tl.Fail, tl.Skip, tl.Differs)
		checkOutcomes(t, sr)
	}
}

// loadWSN loads the wsn suite, failing on load errors in its files only.
func loadWSN(t *testing.T) *conformance.Suite {
	t.Helper()
	return loadSuites(t, "wsn")[0]
}

// checkOutcomes fails the test for every failed case not known to fail,
// and for every known failure that no longer fails.
func checkOutcomes(t *testing.T, sr *conformance.SuiteResult) {
	t.Helper()
	for _, c := range sr.Cases {
		known, isKnown := wsnKnownFailures[c.Case.ID]
		switch {
		case c.NotMet() && isKnown:
			t.Logf("%s: known failure (%s): %s", c.Case.ID, known, c.Message)
		case c.NotMet():
			t.Errorf("%s: %s", c.Case.ID, c.Message)
		case isKnown:
			t.Errorf("%s: listed as a known failure (%s) but got %v; remove it from wsnKnownFailures", c.Case.ID, known, c.Outcome)
		}
	}
}
