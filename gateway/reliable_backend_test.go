package gateway

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/gateway/cluster"
	"github.com/wsgw/wsgw/internal/checkfor"
)

// serveAt serves a gateway with opts (a discarding logger unless it has
// one) on addr ("127.0.0.1:0" for any port); it returns the address, to
// serve again there after stop.
func serveAt(t testing.TB, cfg Config, opts Options, addr string) (string, func()) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
		if testing.Verbose() {
			opts.Logger = slog.New(slog.NewTextHandler(&testWriter{t: t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}
	}
	g, err := New(context.Background(), cfg, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Serve(ctx, ln) }()
	var once sync.Once
	return ln.Addr().String(), func() { once.Do(func() { cancel(); <-done; g.Close() }) }
}

// TestReliableBackendRM_ExactlyOnceInOrderAcrossRestart chains gateway A,
// whose Quotes service sends its stored messages over WS-RM 1.2
// (BackendRM), to gateway B, whose Quotes service is a reliable WS-RM
// destination in front of the backend; B restarts in the middle. Every
// message reaches the backend once per delivery ID, in order.
func TestReliableBackendRM_ExactlyOnceInOrderAcrossRestart(t *testing.T) {
	b := newLogBackend(t)
	t.Cleanup(func() {
		if t.Failed() {
			b.mu.Lock()
			t.Logf("delivery IDs at the backend: %v", b.ids)
			b.mu.Unlock()
		}
	})
	dirB := t.TempDir()
	dbB := openTestDB(t, dirB)
	cfgB := Config{Services: []ServiceConfig{reliableQuote(b)}}
	addrB, stopB := serveAt(t, cfgB, Options{DB: dbB}, "127.0.0.1:0")

	sa := quoteService("Quotes", cluster.PartitionConfig{Replicas: []string{"http://" + addrB + "/services/Quotes"}})
	sa.Cluster.Health = cluster.HealthConfig{}
	sa.Timeout = time.Second
	sa.Reliable = &ReliableConfig{InOrder: true, BackendRM: true, Egress: egress.Loopback(),
		Retry: ReliableRetry{Backoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, MaxAttempts: -1}}
	dbA := openTestDB(t, t.TempDir())
	defer dbA.Close()
	addrA, stopA := serveAt(t, Config{Services: []ServiceConfig{sa}}, Options{DB: dbA}, "127.0.0.1:0")
	defer stopA()

	c := newRMClient(t, "http://"+addrA+"/services/Quotes")
	var want []string
	for n := 1; n <= 10; n++ {
		sym := fmt.Sprintf("S%d", n)
		want = append(want, sym)
		c.send(n, sym)
	}
	checkfor.Until(t, 15*time.Second, func() error {
		if got := len(b.received()); got < 3 {
			return fmt.Errorf("backend received %d messages, want at least 3", got)
		}
		return nil
	})
	stopB()
	dbB.Close()
	dbB = openTestDB(t, dirB)
	defer dbB.Close()
	_, stopB = serveAt(t, cfgB, Options{DB: dbB}, addrB)
	defer stopB()
	checkfor.Until(t, 20*time.Second, func() error { return b.onceByID(want) })
	// Once neither gateway has anything left to deliver, no late repeat
	// can come (a retransmission A still makes is one B drops).
	checkfor.Until(t, 10*time.Second, func() error {
		for _, addr := range []string{addrA, addrB} {
			if n := reliableMetric(t, "http://"+addr, "queue_depth", "Quotes"); n != 0 {
				return fmt.Errorf("%s: queue depth %v, want 0", addr, n)
			}
		}
		return nil
	})
	if err := b.onceByID(want); err != nil {
		t.Fatal(err)
	}
}

// onceByID checks the backend's log, with repeats of a delivery ID
// dropped as examples/orders drops them (B's store-and-forward may repeat
// the delivery the backend answered just before B stopped; a message A
// sent twice would come with two delivery IDs), against want.
func (b *logBackend) onceByID(want []string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	var got []string
	seen := map[string]bool{}
	for i, id := range b.ids {
		if !seen[id] {
			seen[id] = true
			got = append(got, b.log[i])
		}
	}
	if !slices.Equal(got, want) {
		return fmt.Errorf("backend log, once per delivery ID: got %v, want %v", got, want)
	}
	return nil
}
