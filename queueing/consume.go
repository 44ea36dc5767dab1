package queueing

import (
	"context"
	"time"
)

// Leaser is what Consume needs of a durable queue.
type Leaser interface {
	// Lease hands out up to n visible messages until now+visibility (0:
	// the queue's default).
	Lease(ctx context.Context, n int, visibility time.Duration) ([]Lease, error)
	// Ready returns a channel closed once messages may have become
	// visible (not those whose redelivery delay runs out).
	Ready() <-chan struct{}
}

// Consume leases messages from q and runs handle for each on a goroutine
// of its own, at most slots at a time, until ctx ends; then it waits for
// the handlers it started. A finished handler frees its slot at once, so
// one slow message holds one slot only. With nothing visible it waits for
// q's Ready channel, a freed slot, or idle (messages whose redelivery
// delay ran out close no channel). A Lease error goes to onErr (unless ctx
// ended) and is retried after idle. handle settles its message (ack, nack)
// itself.
func Consume(ctx context.Context, q Leaser, slots int, idle time.Duration, handle func(context.Context, Lease), onErr func(error)) {
	freed := make(chan struct{}, slots)
	busy := 0
	defer func() {
		for ; busy > 0; busy-- {
			<-freed
		}
	}()
	for ctx.Err() == nil {
		for drained := false; !drained; {
			select {
			case <-freed:
				busy--
			default:
				drained = true
			}
		}
		if busy == slots {
			select {
			case <-freed:
				busy--
			case <-ctx.Done():
			}
			continue
		}
		ready := q.Ready()
		leases, err := q.Lease(ctx, slots-busy, 0)
		if err != nil && ctx.Err() == nil {
			onErr(err)
		}
		for _, l := range leases {
			busy++
			go func() {
				handle(ctx, l)
				freed <- struct{}{}
			}()
		}
		if len(leases) > 0 {
			continue
		}
		t := time.NewTimer(idle)
		select {
		case <-ctx.Done():
		case <-ready:
		case <-freed:
			busy--
		case <-t.C:
		}
		t.Stop()
	}
}
