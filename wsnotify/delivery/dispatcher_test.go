package delivery

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
)

type recorder struct {
	mu      sync.Mutex
	batches map[string][]int // queue -> batch sizes
	fail    map[string]bool
	block   map[string]chan struct{}
}

func newRecorder() *recorder {
	return &recorder{batches: map[string][]int{}, fail: map[string]bool{}, block: map[string]chan struct{}{}}
}

func (r *recorder) Send(ctx context.Context, id string, _ Target, batch []*Msg) error {
	r.mu.Lock()
	blk, fail := r.block[id], r.fail[id]
	r.mu.Unlock()
	if blk != nil {
		select {
		case <-blk:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if fail {
		return errors.New("consumer down")
	}
	r.mu.Lock()
	r.batches[id] = append(r.batches[id], len(batch))
	r.mu.Unlock()
	return nil
}

func (r *recorder) total(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, b := range r.batches[id] {
		n += b
	}
	return n
}

// waitTimeout bounds the tests' waits for a condition (checkfor.True).
const waitTimeout = 5 * time.Second

// start returns a running Dispatcher (run).
func start(t *testing.T, cfg Config, s Sender, h Hooks) *Dispatcher {
	return run(t, New(cfg, s, h))
}

// run runs d until the test ends, and waits for it to stop.
func run(t *testing.T, d *Dispatcher) *Dispatcher {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return d
}

func TestDispatcher_DeliversAndBatchesBacklog(t *testing.T) {
	r := newRecorder()
	d := New(Config{MaxBatch: 10}, r, Hooks{})
	d.Add("a", Target{}, false)
	for range 25 {
		d.Enqueue("a", &Msg{})
	}
	run(t, d)
	checkfor.True(t, waitTimeout, "25 delivered", func() bool { return r.total("a") == 25 })
	r.mu.Lock()
	defer r.mu.Unlock()
	if got := r.batches["a"]; len(got) != 3 || got[0] != 10 {
		t.Fatalf("got batches %v, want [10 10 5]", got)
	}
}

func TestDispatcher_RetriesThenDeadLetters(t *testing.T) {
	r := newRecorder()
	r.fail["a"] = true
	var mu sync.Mutex
	var dead, failed int
	d := start(t, Config{MaxAttempts: 3, BaseBackoff: time.Millisecond}, r, Hooks{
		Failed: func(string, error) { mu.Lock(); failed++; mu.Unlock() },
		Dead: func(_ string, _ Target, b []*Msg, _ error) {
			mu.Lock()
			defer mu.Unlock()
			for _, m := range b {
				if m == nil {
					t.Error("dead-lettered batch holds a nil message")
				}
			}
			dead += len(b)
		},
	})
	d.Add("a", Target{}, false)
	d.Enqueue("a", &Msg{})
	checkfor.True(t, waitTimeout, "dead letter", func() bool { mu.Lock(); defer mu.Unlock(); return dead == 1 })
	mu.Lock()
	defer mu.Unlock()
	if failed != 3 {
		t.Fatalf("got %d failed attempts, want 3", failed)
	}
}

func TestDispatcher_SlowConsumerDoesNotDelayOthers(t *testing.T) {
	r := newRecorder()
	r.block["slow"] = make(chan struct{})
	defer close(r.block["slow"])
	d := start(t, Config{Workers: 2, Timeout: time.Minute}, r, Hooks{})
	d.Add("slow", Target{}, false)
	d.Add("fast", Target{}, false)
	for range 5 {
		d.Enqueue("slow", &Msg{})
	}
	for range 50 {
		d.Enqueue("fast", &Msg{})
	}
	checkfor.True(t, waitTimeout, "fast consumer served", func() bool { return r.total("fast") == 50 })
}

func TestDispatcher_PauseKeepsBoundedResumeDelivers(t *testing.T) {
	r := newRecorder()
	dropped := 0
	var mu sync.Mutex
	d := start(t, Config{PausedLen: 3}, r, Hooks{Dropped: func(_ string, n int) { mu.Lock(); dropped += n; mu.Unlock() }})
	d.Add("a", Target{}, true)
	for range 5 {
		d.Enqueue("a", &Msg{})
	}
	if got := d.Len("a"); got != 3 {
		t.Fatalf("got %d kept while paused, want 3", got)
	}
	d.Resume("a")
	checkfor.True(t, waitTimeout, "backlog delivered", func() bool { return r.total("a") == 3 })
	mu.Lock()
	defer mu.Unlock()
	if dropped != 2 {
		t.Fatalf("got %d dropped, want 2", dropped)
	}
}

func TestDispatcher_RawSendsOneAtATime(t *testing.T) {
	r := newRecorder()
	d := New(Config{}, r, Hooks{})
	d.Add("a", Target{Raw: true}, false)
	for range 3 {
		d.Enqueue("a", &Msg{})
	}
	run(t, d)
	checkfor.True(t, waitTimeout, "3 delivered", func() bool { return r.total("a") == 3 })
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.batches["a"]) != 3 {
		t.Fatalf("got batches %v, want three of 1", r.batches["a"])
	}
}

func TestDispatcher_BackoffDoublesToCap(t *testing.T) {
	d := New(Config{BaseBackoff: time.Second, MaxBackoff: 5 * time.Second}, nil, Hooks{})
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second} {
		if got := d.backoff(i + 1); got != want {
			t.Errorf("backoff(%d) = %v, want %v", i+1, got, want)
		}
	}
}
