package orders_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/examples/orders"
	"github.com/wsgw/wsgw/gateway"
	"github.com/wsgw/wsgw/gateway/cluster"
	"github.com/wsgw/wsgw/internal/checkfor"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func post(t *testing.T, url, action, env string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(env))
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `"`+orders.Namespace+"/"+action+`"`)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestBackend_OrderLog(t *testing.T) {
	b := orders.NewBackend("r0", quiet)
	srv := httptest.NewServer(b)
	defer srv.Close()
	for _, id := range []string{"o1", "o2"} {
		if st, body := post(t, srv.URL, "SubmitOrder", orders.SubmitOrder11("", 0, "alice", id)); st != http.StatusAccepted {
			t.Fatalf("SubmitOrder: got %d %s, want 202", st, body)
		}
	}
	st, body := post(t, srv.URL, "GetOrderLog", orders.GetOrderLog11("alice"))
	if st != http.StatusOK || !strings.Contains(body, "<OrderId>o1</OrderId><OrderId>o2</OrderId>") {
		t.Fatalf("GetOrderLog: got %d %s", st, body)
	}
}

var seqRE = regexp.MustCompile(`<wsrm:Identifier>([^<]*)</wsrm:Identifier>`)

// TestOrders_ThroughGateway sends a WS-RM sequence with a lost message, a
// duplicate and a reordering through the gateway, the backend down at
// first; the order log shows each order once, in order.
func TestOrders_ThroughGateway(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	backendAddr := ln.Addr().String()
	ln.Close() // down at first
	db, err := badger.Open(badger.DefaultOptions(t.TempDir()).WithSyncWrites(true).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	// A cleanup, not a defer: it must run after startGateway's cleanup has
	// closed the gateway (and its queues), or their committers find the DB
	// closed under them (badger panics).
	t.Cleanup(func() { db.Close() })
	gw := startGateway(t, db, "http://"+backendAddr)
	url := gw + "/services/Orders"

	st, body := post(t, url, "", orders.CreateSequence11())
	m := seqRE.FindStringSubmatch(body)
	if st != http.StatusOK || m == nil {
		t.Fatalf("CreateSequence: got %d %s", st, body)
	}
	seq := m[1]
	for _, n := range []int{1, 3, 3, 2, 4} { // 2 late, 3 twice
		if st, body := post(t, url, "SubmitOrder", orders.SubmitOrder11(seq, n, "bob", fmt.Sprintf("o%d", n))); st != http.StatusOK {
			t.Fatalf("message %d: got %d %s", n, st, body)
		}
	}
	b := orders.NewBackend("r0", quiet)
	bln, err := net.Listen("tcp", backendAddr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: b}
	go srv.Serve(bln) //nolint:errcheck // closed below
	defer srv.Close()
	want := []string{"o1", "o2", "o3", "o4"}
	checkfor.Until(t, 15*time.Second, func() error {
		if got := b.OrderLog("bob"); !slices.Equal(got, want) {
			return fmt.Errorf("order log: got %v, want %v", got, want)
		}
		return nil
	})
}

func startGateway(t *testing.T, db *badger.DB, backend string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := gateway.Config{PublicURL: "http://" + ln.Addr().String(), Services: []gateway.ServiceConfig{{
		Name:    "Orders",
		WSDL:    "orders.wsdl",
		Cluster: cluster.Config{Partitions: []cluster.PartitionConfig{{Replicas: []string{backend}}}},
		Reliable: &gateway.ReliableConfig{Assurance: "ExactlyOnce", InOrder: true, Egress: egress.Loopback(),
			Retry: gateway.ReliableRetry{Backoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, MaxAttempts: -1}},
	}}}
	g, err := gateway.New(context.Background(), cfg, gateway.Options{DB: db, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done; g.Close() })
	return "http://" + ln.Addr().String()
}
