package badgerq

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wsgw/wsgw/queueing"
)

// A deferred lease is no attempt: Defer returns the message after its
// delay with the attempt count it had before the lease, so deferring it
// any number of times never sends it to the dead letters; a Nack after
// counts as before.
func TestQueue_DeferGivesTheAttemptBack(t *testing.T) {
	e := newEnv(t, queueing.Options{MaxAttempts: 2})
	ctx := context.Background()
	id := e.enqueue("a", "g")
	for i := range 5 {
		got := e.lease(1, time.Minute)
		if len(got) != 1 || got[0].Attempts != 1 {
			t.Fatalf("lease after %d defers: got %+v, want the message on attempt 1", i, got)
		}
		if err := e.q.Defer(ctx, id, time.Second); err != nil {
			t.Fatalf("Defer: %v", err)
		}
		if got := e.lease(1, time.Minute); len(got) != 0 {
			t.Fatalf("got %+v before the defer's delay, want nothing", got)
		}
		e.clock.Advance(time.Second)
	}
	e.lease(1, time.Minute)
	if err := e.q.Nack(ctx, id, 0); err != nil {
		t.Fatalf("Nack: %v", err)
	}
	if got := e.lease(1, time.Minute); len(got) != 1 || got[0].Attempts != 2 {
		t.Fatalf("lease after a nack: got %+v, want attempt 2", got)
	}
	if err := e.q.Nack(ctx, id, 0); err != nil {
		t.Fatalf("Nack: %v", err)
	}
	if got := e.lease(1, time.Minute); len(got) != 0 {
		t.Fatalf("got %+v after MaxAttempts attempts, want the message given up", got)
	}
	if err := e.q.Defer(ctx, 999, 0); !errors.Is(err, queueing.ErrNotFound) {
		t.Errorf("Defer(unknown): got %v, want ErrNotFound", err)
	}
}
