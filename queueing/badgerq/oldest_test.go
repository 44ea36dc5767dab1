package badgerq

import (
	"context"
	"testing"
	"time"

	"github.com/wsgw/wsgw/queueing"
)

// oldest returns Oldest's answer, failing the test on an error.
func (e *env) oldest() (time.Time, bool) {
	e.t.Helper()
	at, ok, err := e.q.Oldest(context.Background())
	if err != nil {
		e.t.Fatalf("Oldest: %v", err)
	}
	return at, ok
}

// Oldest is the enqueue time of the oldest message not acked nor dead,
// leased or not; a redriven message is old again; an empty queue has
// none. One Oldest after many acks visits a few keys, not their
// tombstones.
func TestQueue_Oldest(t *testing.T) {
	e := newEnv(t, queueing.Options{MaxAttempts: 1})
	ctx := context.Background()
	if _, ok := e.oldest(); ok {
		t.Fatalf("empty queue: got an oldest message, want none")
	}
	t0 := e.clock.Now()
	a := e.enqueue("a", "")
	e.clock.Advance(time.Second)
	b := e.enqueue("b", "")
	e.clock.Advance(time.Second)
	if at, ok := e.oldest(); !ok || !at.Equal(t0) {
		t.Fatalf("oldest: got %v %v, want %v", at, ok, t0)
	}
	ls := e.lease(1, time.Minute) // a, still in the queue while leased
	if at, _ := e.oldest(); !at.Equal(t0) {
		t.Fatalf("oldest with a leased: got %v, want %v", at, t0)
	}
	if err := e.q.Nack(ctx, ls[0].ID, 0); err != nil { // its last attempt: dead
		t.Fatal(err)
	}
	if at, _ := e.oldest(); !at.Equal(t0.Add(time.Second)) {
		t.Fatalf("oldest with a dead: got %v, want b's %v", at, t0.Add(time.Second))
	}
	if n, err := e.q.Redrive(ctx, a); err != nil || n != 1 {
		t.Fatalf("Redrive: got %d, %v", n, err)
	}
	if at, _ := e.oldest(); !at.Equal(t0) {
		t.Fatalf("oldest with a redriven: got %v, want a's %v", at, t0)
	}
	for _, l := range e.lease(2, time.Minute) {
		e.ack(l.ID)
	}
	if _, ok := e.oldest(); ok {
		t.Fatalf("all acked (%d, %d): got an oldest message, want none", a, b)
	}

	for range 300 {
		e.enqueue("x", "")
		e.ack(ids(e.lease(1, time.Minute))...)
	}
	e.enqueue("last", "")
	e.oldest() // raises the floor over the tombstones
	before := e.q.scanned.Load()
	if _, ok := e.oldest(); !ok {
		t.Fatalf("got no oldest message, want last")
	}
	if got := e.q.scanned.Load() - before; got > 2 {
		t.Errorf("got %d keys visited by one Oldest after 300 acks, want at most 2", got)
	}
}
