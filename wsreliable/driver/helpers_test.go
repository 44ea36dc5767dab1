package driver

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/internal/fakeclock"
	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/storage/badgerstore"
	"github.com/wsgw/wsgw/wsreliable"
)

func queueingBackoff() queueing.Backoff {
	return queueing.Backoff{Base: 20 * time.Millisecond, Max: 100 * time.Millisecond, Jitter: -1}
}

var testBackoff = queueingBackoff()

func openDB(t *testing.T, dir string) *badger.DB {
	t.Helper()
	db, err := badger.Open(badger.DefaultOptions(dir).WithSyncWrites(true).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// newTestClock is a settable clock for Options.Now and the store's queue.
func newTestClock() *fakeclock.Clock {
	return fakeclock.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
}

// openStore opens the badger store of cfg's service in db, with the
// clock now (nil: time.Now). The caller closes it before db.
func openStore(t *testing.T, db *badger.DB, cfg Config, now func() time.Time) *badgerstore.Reliable {
	t.Helper()
	s, err := badgerstore.OpenReliable(context.Background(), db, cfg.Name,
		badgerstore.ReliableOptions{Queue: cfg.QueueOptions(now), ReplyTTL: cfg.ReplyTTL})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// newDriver builds a driver of cfg on db with opts: a store of db (with
// opts.Now) unless opts has one, a discarding logger unless it has one.
// close closes the store it opened.
func newDriver(t *testing.T, db *badger.DB, cfg Config, opts Options) (d *Driver, close func()) {
	t.Helper()
	close = func() {}
	if opts.Store == nil {
		s := openStore(t, db, cfg, opts.Now)
		opts.Store, close = s, func() { s.Close() }
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	d, err := New(cfg, opts)
	if err != nil {
		close()
		t.Fatal(err)
	}
	return d, close
}

// running is a driver with its Run goroutine.
type running struct {
	*Driver
	stop func()
}

func start(t *testing.T, db *badger.DB, b Backend) *running {
	t.Helper()
	return startWith(t, db, Config{Name: "Orders", Engine: wsreliable.Config{InOrder: true},
		Backoff: testBackoff, TickInterval: 20 * time.Millisecond}, Options{Backend: b})
}

// startWith runs a driver of cfg on db with opts (see newDriver); stop
// ends it and closes its store. Stop it before closing db.
func startWith(t *testing.T, db *badger.DB, cfg Config, opts Options) *running {
	t.Helper()
	d, closeStore := newDriver(t, db, cfg, opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	var once sync.Once
	return &running{Driver: d, stop: func() { once.Do(func() { cancel(); <-done; closeStore() }) }}
}

// startRMDriver runs a BackendRM driver of cfg on a fresh DB, sending
// through client; stop ends it.
func startRMDriver(t *testing.T, cfg Config, b Backend, client *http.Client) (*Driver, func()) {
	t.Helper()
	db := openDB(t, t.TempDir())
	r := startWith(t, db, cfg, Options{Backend: b, Client: client})
	return r.Driver, func() { r.stop(); db.Close() }
}
