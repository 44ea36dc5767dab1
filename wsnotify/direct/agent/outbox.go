package agent

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// outbox is a bounded queue that never blocks its producer: what does not
// fit (or comes after close) is counted, not queued. The poster and the
// forwarder each empty one on a goroutine of their own.
type outbox[T any] struct {
	q         chan T
	mu        sync.Mutex // guards closed (put and close)
	closed    bool
	overflown atomic.Int64
}

func newOutbox[T any](n int) outbox[T] { return outbox[T]{q: make(chan T, max(1, n))} }

// put queues v, or counts it and returns false.
func (o *outbox[T]) put(v T) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.closed {
		select {
		case o.q <- v:
			return true
		default:
		}
	}
	o.overflown.Add(1)
	return false
}

// close ends the input: a reader gets what is queued, then !ok.
func (o *outbox[T]) close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.closed {
		o.closed = true
		close(o.q)
	}
}

// retry calls f up to attempts times (at least once), waiting backoff,
// then twice as long, between them; it returns f's last error, or ctx's
// when ctx ends a wait.
func retry(ctx context.Context, attempts int, backoff time.Duration, f func() error) error {
	var err error
	for i := range max(1, attempts) {
		if i > 0 {
			t := time.NewTimer(backoff << (i - 1))
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
		if err = f(); err == nil {
			return nil
		}
	}
	return err
}
