package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func TestLoad_Validate(t *testing.T) {
	err := Load{Messages: 0, Size: 4, Concurrency: -1}.Validate()
	for _, want := range []string{"messages: 0", "size: 4", "concurrency: -1"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want an error naming %q", err, want)
		}
	}
	if err := (Load{Messages: 1, Size: 8, Concurrency: 1}).Validate(); err != nil {
		t.Errorf("got %v, want nil", err)
	}
}

func TestDrive_SendsEveryMessageOnce(t *testing.T) {
	l := Load{Messages: 500, Size: 16, Concurrency: 7}
	var mu sync.Mutex // guards seen, producers
	seen := map[uint64]int{}
	producers := map[int]bool{}
	res, err := drive(context.Background(), l, func(_ context.Context, p int, body []byte) error {
		if len(body) != l.Size {
			t.Errorf("got a body of %d bytes, want %d", len(body), l.Size)
		}
		mu.Lock()
		defer mu.Unlock()
		seen[binary.BigEndian.Uint64(body)]++
		producers[p] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != l.Messages {
		t.Errorf("got %d distinct messages, want %d", len(seen), l.Messages)
	}
	for i, n := range seen {
		if n != 1 || i >= uint64(l.Messages) {
			t.Errorf("message %d sent %d times, want once (and an index below %d)", i, n, l.Messages)
		}
	}
	for p := range producers {
		if p < 0 || p >= l.Concurrency {
			t.Errorf("got producer %d, want one in [0, %d)", p, l.Concurrency)
		}
	}
	if res.Load != l || res.Throughput <= 0 || res.P50 > res.P99 || res.P99 > res.Max {
		t.Errorf("got %+v, want the load, a throughput and p50 <= p99 <= max", res)
	}
}

// Messages after the failing one wait for the run's context to end: were
// the error not to stop the producers, the test would never end; the count
// does not depend on how the producers are scheduled.
func TestDrive_StopsAtFirstError(t *testing.T) {
	boom := errors.New("boom")
	var sent atomic.Int64
	l := Load{Messages: 10000, Size: 8, Concurrency: 4}
	_, err := drive(context.Background(), l, func(ctx context.Context, _ int, body []byte) error {
		sent.Add(1)
		switch i := binary.BigEndian.Uint64(body); {
		case i == 10:
			return boom
		case i > 10:
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "sending message 10") {
		t.Errorf("got %v, want boom for message 10", err)
	}
	// 0 to 10, and at most one more for each producer.
	if got, most := sent.Load(), int64(11+l.Concurrency); got > most {
		t.Errorf("got %d sends, want at most %d: the run stopped at the error", got, most)
	}
}
