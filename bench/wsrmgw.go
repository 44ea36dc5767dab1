package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/examples/stockquote"
	"github.com/wsgw/wsgw/gateway"
	"github.com/wsgw/wsgw/gateway/cluster"
	"github.com/wsgw/wsgw/storage/badgerstore"
)

// WSRMResult is a WS-RM run through the gateway: the acknowledgement
// figures, and when the backend had every message.
type WSRMResult struct {
	Result
	// Delivered is the time from the first send until the backend had
	// taken every message (store-and-forward finishes after the last
	// acknowledgement); 0 when it did not within the run's wait.
	Delivered time.Duration
}

// WSRM measures the reliable path of the gateway, all in this process on
// loopback: a gateway serving the stock-quote example as a reliable
// (WS-RM 1.2, exactly once, in order) service, its store a fresh badger
// with SyncWrites in a new directory under dataDir ("": the temporary
// directory, removed afterwards), in front of the example's backend. Each
// of l.Concurrency producers creates a sequence and sends its share of
// l.Messages SetQuote messages, each acknowledged when the gateway's reply
// carries a SequenceAcknowledgement covering it: the gateway has stored it
// on disk.
func WSRM(ctx context.Context, l Load, dataDir string) (WSRMResult, error) {
	if err := l.Validate(); err != nil {
		return WSRMResult{}, err
	}
	dir, err := os.MkdirTemp(dataDir, "wsgw-bench-")
	if err != nil {
		return WSRMResult{}, fmt.Errorf("creating the store directory: %w", err)
	}
	defer os.RemoveAll(dir)
	db, err := badger.Open(badgerstore.Options(dir, badgerstore.Uses{Reliable: 1}).WithLogger(nil))
	if err != nil {
		return WSRMResult{}, fmt.Errorf("opening badger in %s: %w", dir, err)
	}
	defer db.Close()
	backend, err := startCounting(stockquote.NewBackend("p0/r0", nil, discardLogger()))
	if err != nil {
		return WSRMResult{}, err
	}
	defer backend.srv.Close()
	gw, err := startGateway(ctx, db, backend.url)
	if err != nil {
		return WSRMResult{}, err
	}
	defer gw.stop()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: l.Concurrency}, Timeout: time.Minute}
	defer client.CloseIdleConnections()
	start := time.Now()
	res, err := wsrmSend(ctx, l, gw.url+"/services/StockQuote", client)
	if err != nil {
		return WSRMResult{}, err
	}
	res.System = "wsgw gateway, WS-RM 1.2 (badger v4, SyncWrites)"
	out := WSRMResult{Result: res}
	if backend.waitFor(ctx, int64(l.Messages), time.Minute) {
		out.Delivered = time.Since(start)
	}
	return out, nil
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// countingServer serves a backend on loopback and counts the requests it
// answered with a 2xx status.
type countingServer struct {
	srv *http.Server
	url string
	ok  atomic.Int64
}

func startCounting(h http.Handler) (*countingServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening for the backend: %w", err)
	}
	c := &countingServer{url: "http://" + ln.Addr().String()}
	c.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		if r.Method == http.MethodPost && sw.status < 300 {
			c.ok.Add(1)
		}
	})}
	go c.srv.Serve(ln) //nolint:errcheck // ends with Close
	return c, nil
}

// waitFor polls until n requests were answered, ctx ends or wait passes.
func (c *countingServer) waitFor(ctx context.Context, n int64, wait time.Duration) bool {
	deadline := time.Now().Add(wait)
	for c.ok.Load() < n {
		if ctx.Err() != nil || time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// runningGateway is a gateway serving on a loopback port.
type runningGateway struct {
	url  string
	stop func()
}

// startGateway serves a gateway with the stock-quote service, reliable,
// in front of backendURL.
func startGateway(ctx context.Context, db *badger.DB, backendURL string) (*runningGateway, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening for the gateway: %w", err)
	}
	addr := ln.Addr().String()
	cfg := gateway.Config{Listen: addr, PublicURL: "http://" + addr, Services: []gateway.ServiceConfig{{
		Name:       "StockQuote",
		WSDL:       backendURL + "/?wsdl",
		Cluster:    cluster.Config{Partitions: []cluster.PartitionConfig{{Replicas: []string{backendURL}}}},
		Key:        gateway.KeyConfig{XPath: "//q:Symbol", Namespaces: map[string]string{"q": stockquote.Namespace}},
		Operations: map[string]gateway.OperationConfig{"SetQuote": {Idempotent: false}},
		Reliable:   &gateway.ReliableConfig{InOrder: true},
	}}}
	g, err := gateway.New(ctx, cfg, gateway.Options{DB: db, Logger: discardLogger()})
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("starting the gateway: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Serve(runCtx, ln) }()
	return &runningGateway{url: "http://" + addr, stop: func() {
		cancel()
		<-done // the run's figures are taken: how serving ended does not change them
		g.Close()
	}}, nil
}
