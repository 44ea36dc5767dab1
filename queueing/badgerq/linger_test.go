package badgerq

import (
	"context"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/queueing"
)

// setLinger sets how long e's acks linger: set before the queue's first
// call, which orders it before the committer reads it.
func (e *env) setLinger(d time.Duration) { e.q.lingerDelay = d }

// ackAsync acks id in a goroutine; the channel receives its outcome.
func (e *env) ackAsync(id uint64) <-chan error {
	done := make(chan error, 1)
	go func() { done <- e.q.Ack(context.Background(), id) }()
	return done
}

// waitLingering waits until n batches have lingered.
func (e *env) waitLingering(n uint64) {
	e.t.Helper()
	checkfor.True(e.t, 10*time.Second, "a lingering ack batch", func() bool { return e.q.lingers.Load() >= n })
}

// outcome waits for the result of a call made in a goroutine (a guard
// against a hang, not a timing assertion).
func outcome(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute):
		t.Fatal("the call did not return")
		return nil
	}
}

func TestQueue_AckLingersForTheNextEnqueueAndSharesItsSync(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	e.setLinger(time.Hour) // only an enqueue (or Close) can end it
	a := e.enqueue("a", "")
	e.lease(1, time.Minute)
	syncs := e.q.Stats().Syncs
	done := e.ackAsync(a)
	e.waitLingering(1)
	select {
	case err := <-done:
		t.Fatalf("got Ack returned (%v) while it lingers, want it to wait for the enqueue's sync", err)
	default:
	}
	if !e.onDisk(a) {
		t.Fatalf("message a: got its ack committed while lingering, want nothing written yet")
	}
	enqueued := make(chan error, 1)
	go func() {
		_, err := e.q.Enqueue(context.Background(), queueing.Message{Body: []byte("b")})
		enqueued <- err
	}()
	if err := outcome(t, enqueued); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	if err := outcome(t, done); err != nil {
		t.Fatalf("Ack: %v", err)
	}
	if got := e.q.Stats(); got.Syncs != syncs+1 || got.Length != 1 {
		t.Errorf("got %d syncs, length %d; want %d syncs (the ack rode the enqueue's), length 1", got.Syncs, got.Length, syncs+1)
	}
	if e.onDisk(a) {
		t.Errorf("message a: got it on disk after Ack returned, want it deleted")
	}
}

func TestQueue_AckLingersOnlyWhileProducersAreActive(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	e.setLinger(time.Millisecond) // nothing else comes: each linger runs out
	a, b := e.enqueue("a", ""), e.enqueue("b", "")
	e.lease(2, time.Minute)
	e.ack(a) // the last durable commit was an enqueue: lingers
	if got := e.q.lingers.Load(); got != 1 {
		t.Fatalf("after the first ack: got %d lingering batches, want 1", got)
	}
	e.ack(b) // the last durable commit was an ack: producers are quiet
	if got := e.q.lingers.Load(); got != 1 {
		t.Errorf("after the second ack: got %d lingering batches, want still 1", got)
	}
	if got := e.q.Stats().Length; got != 0 {
		t.Errorf("got length %d, want 0", got)
	}
}

func TestQueue_AckOnAFreshQueueDoesNotLinger(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	a := e.enqueue("a", "")
	e.reopen()
	e.setLinger(time.Hour)
	e.lease(1, time.Minute)
	if err := outcome(t, e.ackAsync(a)); err != nil {
		t.Fatalf("Ack: %v", err)
	}
	if got := e.q.lingers.Load(); got != 0 {
		t.Errorf("got %d lingering batches, want 0: no producer enqueued since Open", got)
	}
}

func TestQueue_CloseCommitsALingeringAck(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	e.setLinger(time.Hour)
	a := e.enqueue("a", "")
	e.lease(1, time.Minute)
	done := e.ackAsync(a)
	e.waitLingering(1)
	if err := e.q.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := outcome(t, done); err != nil {
		t.Fatalf("Ack: got %v, want it committed by Close", err)
	}
	e.q = nil
	e.reopen()
	if got := e.q.Stats().Length; got != 0 {
		t.Errorf("after reopening: got length %d, want 0 (the lingering ack is on disk)", got)
	}
}
