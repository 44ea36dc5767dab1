package conformance_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/conformance"
	"github.com/wsgw/wsgw/examples/demo"
	"github.com/wsgw/wsgw/gateway"
)

// reliableKnownFailures are wsrm, wsrm200502 and wsrel cases the demo fails today, with
// the reason (reported to the reliable messaging owner). A case listed here
// that passes fails the test, so the list cannot go stale.
var reliableKnownFailures = map[string]string{}

// requiresRM marks the wsrm cases skipped for want of a service that
// requires WS-RM; this test runs them against one.
const requiresRM = "needs a service that requires WS-RM"

// openStore opens a badger store in a new directory under t.TempDir(),
// closed when the test ends (after the servers using it: cleanups run last
// registered first).
func openStore(t *testing.T) *badger.DB {
	t.Helper()
	db, err := badger.Open(badger.DefaultOptions(filepath.Join(t.TempDir(), "db")).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// startReliableDemo runs the demo (examples/demo) on a loopback port with
// its store in t.TempDir() until the test ends, and waits until its
// backends are healthy. It returns the demo.
func startReliableDemo(t *testing.T) *demo.Demo {
	t.Helper()
	db := openStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	d, err := demo.Start(ctx, demo.Options{Listen: "127.0.0.1:0", Logger: quietLogger(), DB: db})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := d.Close(); err != nil {
			t.Errorf("closing demo: %v", err)
		}
	})
	waitReady(t, d.URL)
	return d
}

// startRequiringOrders serves, on another loopback port, a gateway with
// the demo's Orders service (same backend) configured with
// reliable.require, and returns the service's URL.
func startRequiringOrders(t *testing.T, d *demo.Demo) string {
	t.Helper()
	var orders *gateway.ServiceConfig
	for i := range d.Config.Services {
		if s := d.Config.Services[i]; s.Name == "Orders" && s.Reliable != nil {
			orders = &s
		}
	}
	if orders == nil {
		t.Fatal("the demo has no reliable Orders service")
	}
	rc := *orders.Reliable
	rc.Require = true
	orders.Reliable = &rc
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	cfg := gateway.Config{Listen: addr, PublicURL: "http://" + addr, Services: []gateway.ServiceConfig{*orders}}
	db := openStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	g, err := gateway.New(ctx, cfg, gateway.Options{DB: db, Logger: quietLogger()})
	if err != nil {
		cancel()
		ln.Close()
		t.Fatalf("starting the requiring gateway: %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- g.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, context.Canceled) {
			t.Errorf("serving the requiring gateway: %v", err)
		}
		g.Close()
	})
	waitReady(t, "http://"+addr)
	return "http://" + addr + "/services/Orders"
}

// waitReady polls base/readyz until it answers 200.
func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			err = fmt.Errorf("GET /readyz: got %d, want 200", resp.StatusCode)
		}
		if time.Now().After(deadline) {
			t.Fatalf("gateway %s not ready: %v", base, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// loadSuites loads the named suites from testdata, failing on load errors
// in their files only.
func loadSuites(t *testing.T, names ...string) []*conformance.Suite {
	t.Helper()
	suites, err := conformance.LoadSuites(os.DirFS("testdata"), names...)
	if err != nil {
		t.Fatalf("loading cases: %v", err)
	}
	return suites
}

// unskip returns a copy of s whose cases skipped for the reason why are
// run.
func unskip(s *conformance.Suite, why string) (*conformance.Suite, int) {
	c := *s
	c.Cases = nil
	n := 0
	for _, k := range s.Cases {
		if strings.Contains(k.Skip, why) {
			u := *k
			u.Skip = ""
			k = &u
			n++
		}
		c.Cases = append(c.Cases, k)
	}
	return &c, n
}

// TestReliableSuites_PassAgainstDemo runs the wsrm, wsrm200502 and wsrel
// suites, as `wsgw conformance --suite wsrm,wsrm200502,wsrel` would, against an in-process demo,
// twice: the cases take their identifiers from the target, so a second run
// against the same store has the same outcomes. The WSRMRequired case runs
// against a second gateway whose Orders requires WS-RM.
func TestReliableSuites_PassAgainstDemo(t *testing.T) {
	d := startReliableDemo(t)
	required := startRequiringOrders(t, d)
	suites := loadSuites(t, "wsrm", "wsrel", "wsrm200502")
	wsrm, n := unskip(suites[0], requiresRM)
	if n != 1 {
		t.Fatalf("wsrm cases skipped with %q: got %d, want 1", requiresRM, n)
	}
	suites[0] = wsrm
	for run := 1; run <= 2; run++ {
		r := &conformance.Runner{Target: d.URL, Files: os.DirFS("testdata"),
			Set: map[string]string{"required_service": required}}
		res := r.Run(context.Background(), suites)
		for _, sr := range res.Suites {
			tl := sr.Tally()
			t.Logf("run %d, suite %s: %d passed, %d failed, %d skipped, %d differ", run, sr.Suite.Name, tl.Pass, tl.Fail, tl.Skip, tl.Differs)
			checkReliableOutcomes(t, sr)
		}
	}
}

// checkReliableOutcomes fails the test for every failed case not known to
// fail, and for every known failure that no longer fails.
func checkReliableOutcomes(t *testing.T, sr *conformance.SuiteResult) {
	t.Helper()
	for _, c := range sr.Cases {
		known, isKnown := reliableKnownFailures[c.Case.ID]
		switch {
		case c.NotMet() && isKnown:
			t.Logf("%s: known failure (%s): %s", c.Case.ID, known, c.Message)
		case c.NotMet():
			t.Errorf("%s: %s", c.Case.ID, c.Message)
		case isKnown:
			t.Errorf("%s: listed as a known failure (%s) but got %v; remove it from reliableKnownFailures", c.Case.ID, known, c.Outcome)
		}
	}
}
