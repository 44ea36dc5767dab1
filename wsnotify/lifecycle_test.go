package wsnotify

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/internal/goroutines"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/storage/badgerstore"
)

// brokerGoroutines returns the stacks of the goroutines running the
// broker's or its dispatcher's own loops.
func brokerGoroutines() []string {
	return goroutines.Matching("wsnotify.(*Broker).Run", "wsnotify/delivery.(*Dispatcher).")
}

// TestBroker_OpenStartsNothingRunStopsAll: Open builds the broker and
// starts no goroutine (a broker that is never run queues but delivers
// nothing); Run starts delivery, the sweep and the reconciler; cancelling
// its context stops every one of them; Close releases.
func TestBroker_OpenStartsNothingRunStopsAll(t *testing.T) {
	if gs := brokerGoroutines(); len(gs) != 0 {
		t.Fatalf("got %d broker goroutines before Open (another test's broker still runs):\n%s", len(gs), strings.Join(gs, "\n\n"))
	}
	db, err := badger.Open(badger.DefaultOptions(filepath.Join(t.TempDir(), "db")).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := newConsumer(t)
	cfg := testConfig()
	srv := httptest.NewUnstartedServer(nil)
	cfg.PublicURL = "http://" + srv.Listener.Addr().String()
	b, err := Open(badgerstore.NewBroker(db, "wsn/"), cfg, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = b.Handler()
	srv.Start()
	defer srv.Close()
	r := postRaw(t, cfg.PublicURL+pathBroker, soap.V11, envelope(soap.V11, subscribeXML(c.URL, "", "")))
	id := strings.TrimPrefix(r.address("SubscriptionReference"), cfg.PublicURL+pathSubscriptions)
	if r := postRaw(t, cfg.PublicURL+pathBroker, soap.V11, envelope(soap.V11, notifyXML("tns:t", "<m:x/>"))); r.status != 202 {
		t.Fatalf("Notify before Run: HTTP %d, want 202\n%s", r.status, r.body)
	}
	if gs := brokerGoroutines(); len(gs) != 0 {
		t.Fatalf("got %d broker goroutines after Open, want none:\n%s", len(gs), strings.Join(gs, "\n\n"))
	}
	if n := b.disp.Len(id); n != 1 || c.count() != 0 {
		t.Fatalf("before Run: got %d queued, %d delivered; want 1 queued, none delivered", n, c.count())
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	checkfor.True(t, waitTimeout, "the delivery Run makes", func() bool { return c.count() == 1 })
	if gs := brokerGoroutines(); len(gs) < 1+cfg.Delivery.WithDefaults().Workers {
		t.Fatalf("got %d broker goroutines while running, want Run and the %d delivery workers", len(gs), cfg.Delivery.WithDefaults().Workers)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v after cancel, want nil", err)
	}
	// Run has waited for its goroutines; each may still be leaving its
	// last frame.
	checkfor.True(t, waitTimeout, "no broker goroutine after Run returned", func() bool { return len(brokerGoroutines()) == 0 })
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
}
