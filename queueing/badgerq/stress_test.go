package badgerq

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/queueing"
)

// TestQueue_ConcurrentEnqueueLeaseAck runs producers and consumers at once
// on a real clock: every message is leased and acked exactly once, and each
// group's messages are leased in enqueue order.
func TestQueue_ConcurrentEnqueueLeaseAck(t *testing.T) {
	const producers, perProducer, consumers = 16, 50, 4
	const total = producers * perProducer
	e := newEnv(t, queueing.Options{Now: time.Now, SweepInterval: 10 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var wg sync.WaitGroup
	errs := make(chan error, producers+consumers)
	for p := range producers {
		wg.Go(func() {
			for i := range perProducer {
				m := queueing.Message{Body: fmt.Appendf(nil, "%d/%d", p, i), Group: fmt.Sprint("g", p%3)}
				if i%2 == 0 {
					m.Group = "" // half ungrouped
				}
				if _, err := e.q.Enqueue(ctx, m); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	var mu sync.Mutex // guards acked and lastInGroup
	acked := map[uint64]string{}
	lastInGroup := map[string]uint64{}
	consume := func() error {
		for {
			mu.Lock()
			done := len(acked) == total
			mu.Unlock()
			if done {
				return nil
			}
			ready := e.q.Ready()
			ls, err := e.q.Lease(ctx, 16, time.Minute)
			if err != nil {
				return err
			}
			if len(ls) == 0 {
				select {
				case <-ready:
				case <-time.After(5 * time.Millisecond):
				}
				continue
			}
			mu.Lock()
			for _, l := range ls {
				if prev, dup := acked[l.ID]; dup {
					mu.Unlock()
					return fmt.Errorf("message %d (%s) leased twice, first as %s", l.ID, l.Body, prev)
				}
				acked[l.ID] = string(l.Body)
				if l.Group != "" {
					if l.ID <= lastInGroup[l.Group] {
						mu.Unlock()
						return fmt.Errorf("group %s: got %d after %d, want enqueue order", l.Group, l.ID, lastInGroup[l.Group])
					}
					lastInGroup[l.Group] = l.ID
				}
			}
			mu.Unlock()
			if err := e.q.Ack(ctx, ids(ls)...); err != nil {
				return err
			}
		}
	}
	for range consumers {
		wg.Go(func() {
			if err := consume(); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(acked) != total {
		t.Fatalf("got %d messages acked, want %d", len(acked), total)
	}
	if s := e.q.Stats(); s.Length != 0 || s.DeadLetters != 0 {
		t.Fatalf("got %+v at the end, want an empty queue", s)
	}
}
