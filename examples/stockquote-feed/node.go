package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/storage/badgerstore"
	"github.com/wsgw/wsgw/wsnotify"
)

// node is one broker of the chain: its own badger store and loopback port.
type node struct {
	name string
	url  string // base URL, http://127.0.0.1:port
	db   *badger.DB
	b    *wsnotify.Broker
	reg  *prometheus.Registry // the broker's metrics
	srv  *http.Server
	stop context.CancelFunc
	done chan struct{} // closed when Run and Serve have returned
}

// startNode opens a broker over a badger store in dir/name and serves it
// on a loopback port until close.
func startNode(name, dir string, log *slog.Logger) (*node, error) {
	db, err := badger.Open(badger.DefaultOptions(filepath.Join(dir, name)).WithLogger(nil))
	if err != nil {
		return nil, fmt.Errorf("opening %s store: %w", name, err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("listening for %s: %w", name, err)
	}
	n := &node{name: name, url: "http://" + l.Addr().String(), db: db, reg: prometheus.NewRegistry(), done: make(chan struct{})}
	cfg := wsnotify.Config{
		PublicURL:     n.url,
		Egress:        egress.Loopback(), // consumers (traders, downstream brokers) are on loopback
		SweepInterval: time.Second,
	}
	n.b, err = wsnotify.Open(badgerstore.NewBroker(db, "wsn/"), cfg, wsnotify.Options{Logger: log.With("broker", name), Registerer: n.reg})
	if err != nil {
		l.Close()
		db.Close()
		return nil, fmt.Errorf("opening %s broker: %w", name, err)
	}
	n.srv = &http.Server{Handler: n.b.Handler(), ReadHeaderTimeout: 5 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	n.stop = cancel
	served := make(chan struct{})
	go func() {
		defer close(served)
		if err := n.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("serving broker", "broker", name, "err", err)
		}
	}()
	go func() {
		n.b.Run(ctx) //nolint:errcheck // returns nil when ctx is done
		<-served
		close(n.done)
	}()
	return n, nil
}

// endpoint is the broker's NotificationBroker endpoint: Subscribe, and
// Notify from publishers and upstream brokers.
func (n *node) endpoint() string { return n.url + "/wsn/NotificationBroker" }

// close stops serving and delivering, then closes the broker and its store.
func (n *node) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := n.srv.Shutdown(ctx)
	n.stop()
	<-n.done
	return errors.Join(err, n.b.Close(), n.db.Close())
}
