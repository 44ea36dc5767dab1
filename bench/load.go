package bench

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"
)

// Load is what one side of a benchmark sends. The zero value is not
// usable: every field must be positive (Validate).
type Load struct {
	Messages    int // messages in the run
	Size        int // bytes per message body
	Concurrency int // producers, each waiting for its acknowledgement before sending again
}

// Validate reports every field out of range.
func (l Load) Validate() error {
	var errs []error
	if l.Messages < 1 {
		errs = append(errs, fmt.Errorf("messages: %d, want at least 1", l.Messages))
	}
	if l.Size < 8 {
		errs = append(errs, fmt.Errorf("size: %d, want at least 8 (a message carries its index)", l.Size))
	}
	if l.Concurrency < 1 {
		errs = append(errs, fmt.Errorf("concurrency: %d, want at least 1", l.Concurrency))
	}
	return errors.Join(errs...)
}

// sendFunc sends one message for the given producer and returns once it is
// acknowledged. A producer's calls are sequential; different producers
// call it concurrently.
type sendFunc func(ctx context.Context, producer int, body []byte) error

// drive runs l.Concurrency producers that together send l.Messages
// messages through send, and measures the run. Each body is random (so
// that no side gains from compression) and starts with the message's
// index. The first error stops every producer and is returned.
func drive(ctx context.Context, l Load, send sendFunc) (Result, error) {
	if err := l.Validate(); err != nil {
		return Result{}, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	lat := make([]time.Duration, l.Messages)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	// The producers inherit the label (profiles: -tagfocus side=client).
	pprof.Do(ctx, pprof.Labels("side", "client"), func(context.Context) {
		for p := range l.Concurrency {
			body := make([]byte, l.Size)
			rand.Read(body)
			wg.Go(func() {
				for {
					i := next.Add(1) - 1
					if i >= int64(l.Messages) || ctx.Err() != nil {
						return
					}
					binary.BigEndian.PutUint64(body, uint64(i))
					t0 := time.Now()
					if err := send(ctx, p, body); err != nil {
						cancel(fmt.Errorf("sending message %d: %w", i, err))
						return
					}
					lat[i] = time.Since(t0)
				}
			})
		}
	})
	wg.Wait()
	elapsed := time.Since(start)
	if err := context.Cause(ctx); err != nil {
		return Result{}, err
	}
	return newResult(l, elapsed, lat), nil
}
