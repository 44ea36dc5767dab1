package badgerq

import (
	"context"
	"testing"
	"time"

	"github.com/wsgw/wsgw/queueing"
)

// TestQueue_SweepGoesPastLeasedExpiredMessages: more expired messages
// than one sweep looks at are leased (left to their consumers); the
// expired messages behind them are still swept, within the passes it
// takes to look at every key once.
func TestQueue_SweepGoesPastLeasedExpiredMessages(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	ctx := context.Background()
	exp := e.clock.Now().Add(time.Second)
	const leased, waiting = sweepBudget + 44, 10
	for range leased {
		if _, err := e.q.Enqueue(ctx, queueing.Message{Body: []byte("l"), ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
	}
	for n := 0; n < leased; {
		n += len(e.lease(leased-n, time.Hour))
	}
	for range waiting {
		if _, err := e.q.Enqueue(ctx, queueing.Message{Body: []byte("w"), ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Advance(time.Second)
	passes := (leased+waiting)/sweepBudget + 1
	for range passes {
		e.sweep()
	}
	dl, err := e.q.DeadLetters(ctx, 0, 2*waiting)
	if err != nil {
		t.Fatal(err)
	}
	if len(dl) != waiting {
		t.Fatalf("after %d sweeps: got %d dead letters, want %d (the unleased expired messages)", passes, len(dl), waiting)
	}
	for _, d := range dl {
		if string(d.Body) != "w" || d.Reason != queueing.ReasonExpired {
			t.Fatalf("got dead letter %q (%s), want w (%s)", d.Body, d.Reason, queueing.ReasonExpired)
		}
	}
}
