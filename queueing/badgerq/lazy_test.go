package badgerq

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/queueing"
)

// holdLazy makes e's queue hold lazy writes until a durable call (or
// Close): set before the queue's first call, which orders it before the
// committer reads it.
func (e *env) holdLazy() { e.q.flushDelay = time.Hour }

// onDisk tells whether message id's meta record is committed.
func (e *env) onDisk(id uint64) bool {
	_, ok := e.value(string(e.q.k.meta(id)))
	return ok
}

func TestQueue_LazyWritesRideTheNextDurableCommit(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	e.holdLazy()
	ctx := context.Background()
	a, b := e.enqueue("a", "g"), e.enqueue("b", "g")
	commits := e.q.Stats().Commits
	ls := e.lease(10, time.Minute)
	if got := bodies(ls); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("got %q, want a (b waits for its group)", got)
	}
	if err := e.q.AckLazy(ctx, a); err != nil {
		t.Fatal(err)
	}
	// The group moves on at once: b is leased from the held writes.
	if got := bodies(e.lease(10, time.Minute)); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("after AckLazy(a): got %q, want b", got)
	}
	if got := e.q.Stats(); got.Commits != commits || got.Length != 1 {
		t.Errorf("got %d commits, length %d; want %d commits (leases and a lazy ack commit nothing), length 1",
			got.Commits, got.Length, commits)
	}
	if !e.onDisk(a) {
		t.Errorf("message a: got its ack committed, want it held until a durable call")
	}
	e.enqueue("c", "")
	if got := e.q.Stats().Commits; got != commits+1 {
		t.Errorf("got %d commits, want %d: the enqueue carries the lazy writes", got, commits+1)
	}
	if e.onDisk(a) {
		t.Errorf("message a: got it on disk after a durable enqueue, want its lazy ack committed with it")
	}
	if !e.onDisk(b) {
		t.Errorf("message b: got it gone, want it leased and kept")
	}
}

func TestQueue_LazyWritesCommittedAloneSoon(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	a := e.enqueue("a", "")
	ls := e.lease(1, time.Minute)
	if len(ls) != 1 {
		t.Fatalf("got %d leases, want 1", len(ls))
	}
	if err := e.q.AckLazy(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	checkfor.True(t, 5*time.Second, "the lazy ack committed by itself", func() bool { return !e.onDisk(a) })
}

func TestQueue_CloseCommitsLazyWrites(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	e.holdLazy()
	a := e.enqueue("a", "")
	e.enqueue("b", "")
	e.lease(1, time.Minute)
	if err := e.q.AckLazy(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	e.reopen()
	if got := bodies(e.lease(10, time.Minute)); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("after reopening: got %q, want b (a's lazy ack committed by Close)", got)
	}
}

func TestQueue_LeaseThatDeadLettersCommitsAtOnce(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	e.holdLazy()
	ctx := context.Background()
	if _, err := e.q.Enqueue(ctx, queueing.Message{Body: []byte("old"), ExpiresAt: e.clock.Now().Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Second)
	if ls := e.lease(1, time.Minute); len(ls) != 0 {
		t.Fatalf("got %d leases, want none (expired)", len(ls))
	}
	dl, err := e.q.DeadLetters(ctx, 0, 10)
	if err != nil || len(dl) != 1 || dl[0].Reason != queueing.ReasonExpired {
		t.Fatalf("got dead letters %+v, %v; want the expired message, seen by a snapshot at once", dl, err)
	}
}

func TestQueue_FailedBatchKeepsTheLazyWritesBeforeIt(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	e.holdLazy()
	ctx := context.Background()
	a := e.enqueue("a", "")
	e.lease(1, time.Minute)
	if err := e.q.AckLazy(ctx, a); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	failing := newOp(ctx, 0, true, func(b *batch) error {
		if err := b.txn.Set([]byte("x/half"), []byte("written")); err != nil {
			return err
		}
		return boom
	})
	if err := e.q.submit(ctx, failing); !errors.Is(err, boom) {
		t.Fatalf("got %v, want the batch's error", err)
	}
	if e.onDisk(a) {
		t.Errorf("message a: got it on disk, want its lazy ack committed apart from the failed batch")
	}
	if _, ok := e.value("x/half"); ok {
		t.Errorf("got the failed batch's write committed, want it discarded")
	}
	if got := e.q.Stats().Length; got != 0 {
		t.Errorf("got length %d, want 0", got)
	}
	e.reopen()
	if got := e.q.Stats().Length; got != 0 {
		t.Errorf("after reopening: got length %d, want 0", got)
	}
}

func TestQueue_HeldWritesBounded(t *testing.T) {
	e := newEnv(t, queueing.Options{MaxBatch: 1000})
	e.holdLazy()
	n := maxHeldWrites/3 + 1 // a lease writes three keys per message
	msgs := make([]queueing.Message, n)
	for i := range msgs {
		msgs[i] = queueing.Message{Body: []byte("m")}
	}
	if _, err := e.q.EnqueueBatch(context.Background(), msgs); err != nil {
		t.Fatal(err)
	}
	commits := e.q.Stats().Commits
	if ls := e.lease(n, time.Minute); len(ls) != n {
		t.Fatalf("got %d leases, want %d", len(ls), n)
	}
	if got := e.q.Stats().Commits; got != commits+1 {
		t.Errorf("got %d commits, want %d: a lazy batch past maxHeldWrites is committed", got, commits+1)
	}
}
