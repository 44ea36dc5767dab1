package badgerq

import (
	"context"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/internal/fakeclock"
	"github.com/wsgw/wsgw/queueing"
)

// openDB opens a DB as doc.go asks: with SyncWrites.
func openDB(t testing.TB, dir string) *badger.DB {
	t.Helper()
	return openDBSync(t, dir, true)
}

func openDBSync(t testing.TB, dir string, syncWrites bool) *badger.DB {
	t.Helper()
	db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil).WithSyncWrites(syncWrites))
	if err != nil {
		t.Fatalf("opening badger: %v", err)
	}
	return db
}

// newFakeClock is a settable clock for Options.Now.
func newFakeClock() *fakeclock.Clock { return fakeclock.New(time.Unix(1_700_000_000, 0)) }

// env is a queue on a fresh DB with a fake clock, closed by t.Cleanup.
type env struct {
	t     *testing.T
	dir   string
	db    *badger.DB
	q     *Queue
	clock *fakeclock.Clock
	opts  queueing.Options
}

func newEnv(t *testing.T, opts queueing.Options) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), clock: newFakeClock()}
	if opts.Now == nil {
		opts.Now = e.clock.Now
	}
	if opts.SweepInterval == 0 {
		opts.SweepInterval = -1
	}
	e.opts = opts
	e.db = openDB(t, e.dir)
	e.q = e.open()
	t.Cleanup(func() { e.close() })
	return e
}

func (e *env) open() *Queue {
	e.t.Helper()
	q, err := Open(e.db, "q/test/", e.opts)
	if err != nil {
		e.t.Fatalf("Open: %v", err)
	}
	return q
}

func (e *env) close() {
	if e.q != nil {
		e.q.Close()
		e.q = nil
	}
	if e.db != nil {
		e.db.Close()
		e.db = nil
	}
}

// reopen closes queue and DB and opens both again.
func (e *env) reopen() {
	e.t.Helper()
	e.close()
	e.db = openDB(e.t, e.dir)
	e.q = e.open()
}

func (e *env) enqueue(body string, group string) uint64 {
	e.t.Helper()
	id, err := e.q.Enqueue(context.Background(), queueing.Message{Body: []byte(body), Group: group})
	if err != nil {
		e.t.Fatalf("Enqueue(%q): %v", body, err)
	}
	return id
}

func (e *env) lease(n int, vis time.Duration) []queueing.Lease {
	e.t.Helper()
	ls, err := e.q.Lease(context.Background(), n, vis)
	if err != nil {
		e.t.Fatalf("Lease: %v", err)
	}
	return ls
}

func (e *env) ack(ids ...uint64) {
	e.t.Helper()
	if err := e.q.Ack(context.Background(), ids...); err != nil {
		e.t.Fatalf("Ack(%v): %v", ids, err)
	}
}

func (e *env) sweep() {
	e.t.Helper()
	if err := e.q.submit(context.Background(), e.q.sweepOp()); err != nil {
		e.t.Fatalf("sweep: %v", err)
	}
}

func bodies(ls []queueing.Lease) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = string(l.Body)
	}
	return out
}

func ids(ls []queueing.Lease) []uint64 {
	out := make([]uint64, len(ls))
	for i, l := range ls {
		out[i] = l.ID
	}
	return out
}
