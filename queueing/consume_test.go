package queueing

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
)

// sliceLeaser hands out the messages it is given, at most n per Lease.
type sliceLeaser struct {
	mu    sync.Mutex // guards msgs, sig
	msgs  []Lease
	sig   chan struct{}
	lease atomic.Int32 // calls of Lease
}

func (s *sliceLeaser) Lease(_ context.Context, n int, _ time.Duration) ([]Lease, error) {
	s.lease.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	n = min(n, len(s.msgs))
	out := s.msgs[:n:n]
	s.msgs = s.msgs[n:]
	return out, nil
}

func (s *sliceLeaser) Ready() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sig
}

func (s *sliceLeaser) add(id uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, Lease{Message: Message{ID: id}})
	close(s.sig)
	s.sig = make(chan struct{})
}

// TestConsume_SlowMessageHoldsOneSlot: with two slots, a handler that
// blocks does not keep the others from being handled, and a message added
// later is picked up through Ready.
func TestConsume_SlowMessageHoldsOneSlot(t *testing.T) {
	q := &sliceLeaser{sig: make(chan struct{})}
	block := make(chan struct{})
	var handled sync.Map
	q.add(1)
	for id := uint64(2); id <= 5; id++ {
		q.add(id)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		Consume(ctx, q, 2, time.Hour, func(ctx context.Context, l Lease) {
			if l.ID == 1 {
				select {
				case <-block:
				case <-ctx.Done():
				}
			}
			handled.Store(l.ID, true)
		}, func(err error) { t.Error(err) })
		close(done)
	}()
	count := func() int { n := 0; handled.Range(func(any, any) bool { n++; return true }); return n }
	checkfor.True(t, 5*time.Second, "4 handled beside the blocked one", func() bool { return count() == 4 })
	q.add(6)
	checkfor.True(t, 5*time.Second, "a later message handled", func() bool { return count() == 5 })
	close(block)
	checkfor.True(t, 5*time.Second, "the slow one handled", func() bool { return count() == 6 })
	cancel()
	<-done
}
