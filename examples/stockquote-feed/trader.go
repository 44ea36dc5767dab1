package main

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// trader is a branch-office NotificationConsumer (WS-BaseNotification 1.3,
// 3): an HTTP server on loopback that records the quotes it is sent.
type trader struct {
	spec TraderSpec
	url  string
	srv  *http.Server
	log  *slog.Logger

	mu     sync.Mutex // guards quotes
	quotes []Quote
}

func startTrader(spec TraderSpec, log *slog.Logger) (*trader, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	t := &trader{spec: spec, url: "http://" + l.Addr().String() + "/traders/" + spec.Name, log: log}
	t.srv = &http.Server{Handler: http.HandlerFunc(t.serveHTTP), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := t.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("serving trader", "trader", spec.Name, "err", err)
		}
	}()
	return t, nil
}

// serveHTTP takes a wsnt:Notify: one-way, answered 202 with no body.
func (t *trader) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	qs, err := readNotify(body)
	if err != nil {
		t.log.Warn("trader got a bad Notify", "trader", t.spec.Name, "err", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	t.mu.Lock()
	t.quotes = append(t.quotes, qs...)
	t.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

// received returns a copy of the quotes received so far, in order.
func (t *trader) received() []Quote {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Quote(nil), t.quotes...)
}

func (t *trader) close() error { return t.srv.Close() }
