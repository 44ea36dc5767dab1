package queueing

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
)

func newTestStage(t *testing.T, cfg StageConfig) *Stage {
	t.Helper()
	s, err := NewStage(cfg)
	if err != nil {
		t.Fatalf("NewStage: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// occupy starts n tasks that hold their worker until release is closed.
func occupy(t *testing.T, s *Stage, n int, release <-chan struct{}) *sync.WaitGroup {
	t.Helper()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if err := s.Do(context.Background(), func(context.Context) { <-release }); err != nil {
				t.Errorf("occupying Do: %v", err)
			}
		})
	}
	checkfor.True(t, 5*time.Second, "workers busy", func() bool { return s.Stats().Running == n })
	return &wg
}

// enqueue starts a Do that will wait in the queue, and waits until it does.
func enqueue(t *testing.T, s *Stage, ctx context.Context, fn func(context.Context)) <-chan error {
	t.Helper()
	before := s.Stats().Queued
	errc := make(chan error, 1)
	go func() { errc <- s.Do(ctx, fn) }()
	checkfor.True(t, 5*time.Second, "caller queued", func() bool { return s.Stats().Queued == before+1 })
	return errc
}

func TestStage_RunsFn(t *testing.T) {
	s := newTestStage(t, StageConfig{Name: "t"})
	ran := false
	if err := s.Do(context.Background(), func(context.Context) { ran = true }); err != nil {
		t.Fatalf("Do: got %v, want nil", err)
	}
	if !ran {
		t.Fatalf("fn ran: got false, want true")
	}
	st := s.Stats()
	if st.Admitted != 1 || st.Running != 0 || st.Queued != 0 {
		t.Fatalf("stats: got %+v, want Admitted 1, Running 0, Queued 0", st)
	}
}

func TestStage_RefusesWhenQueueFull(t *testing.T) {
	s := newTestStage(t, StageConfig{Name: "full", Workers: 2, QueueLen: 3, TargetDelay: -1})
	release := make(chan struct{})
	wg := occupy(t, s, 2, release)
	var queued []<-chan error
	for range 3 {
		queued = append(queued, enqueue(t, s, context.Background(), func(context.Context) {}))
	}
	err := s.Do(context.Background(), func(context.Context) { t.Error("refused fn ran") })
	var busy *BusyError
	if !errors.As(err, &busy) {
		t.Fatalf("Do on a full stage: got %v, want *BusyError", err)
	}
	if want := "stage full busy: queue full (retry after 1s)"; busy.Error() != want {
		t.Fatalf("Error(): got %q, want %q", busy.Error(), want)
	}
	if busy.Reason != ReasonQueueFull || busy.Stage != "full" || busy.RetryAfter <= 0 {
		t.Fatalf("BusyError: got %+v, want reason %q, stage full, RetryAfter > 0", busy, ReasonQueueFull)
	}
	close(release)
	wg.Wait()
	for i, errc := range queued {
		if err := <-errc; err != nil {
			t.Errorf("queued Do %d: got %v, want nil", i, err)
		}
	}
	if st := s.Stats(); st.Admitted != 5 || st.Rejected != 1 {
		t.Fatalf("stats: got %+v, want Admitted 5, Rejected 1", st)
	}
}

func TestStage_NoQueue(t *testing.T) {
	s := newTestStage(t, StageConfig{Workers: 1, QueueLen: -1})
	release := make(chan struct{})
	wg := occupy(t, s, 1, release)
	defer wg.Wait()
	defer close(release)
	var busy *BusyError
	if err := s.Do(context.Background(), func(context.Context) {}); !errors.As(err, &busy) {
		t.Fatalf("Do with no queue and no worker: got %v, want *BusyError", err)
	}
}

func TestStage_FIFO(t *testing.T) {
	s := newTestStage(t, StageConfig{Workers: 1, QueueLen: 50, TargetDelay: -1})
	release := make(chan struct{})
	wg := occupy(t, s, 1, release)
	var mu sync.Mutex
	var order []int
	var queued []<-chan error
	for i := range 20 {
		queued = append(queued, enqueue(t, s, context.Background(), func(context.Context) {
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
		}))
	}
	close(release)
	wg.Wait()
	for _, errc := range queued {
		if err := <-errc; err != nil {
			t.Fatalf("queued Do: %v", err)
		}
	}
	for i, got := range order {
		if got != i {
			t.Fatalf("run order: got %v, want 0..19 in order", order)
		}
	}
}

func TestStage_RefusesWhenDelayOverTarget(t *testing.T) {
	s := newTestStage(t, StageConfig{Name: "slow", Workers: 1, QueueLen: 10, TargetDelay: 50 * time.Millisecond})
	var clock atomic.Int64 // nanoseconds since start
	start := time.Now()
	s.now = func() time.Time { return start.Add(time.Duration(clock.Load())) }

	release := make(chan struct{})
	wg := occupy(t, s, 1, release)
	first := enqueue(t, s, context.Background(), func(context.Context) {})
	clock.Store(int64(40 * time.Millisecond))
	second := enqueue(t, s, context.Background(), func(context.Context) {}) // head waited 40ms: admitted

	clock.Store(int64(51 * time.Millisecond))
	err := s.Do(context.Background(), func(context.Context) { t.Error("refused fn ran") })
	var busy *BusyError
	if !errors.As(err, &busy) || busy.Reason != ReasonDelay {
		t.Fatalf("Do with head waiting 51ms over 50ms target: got %v, want BusyError %q", err, ReasonDelay)
	}
	if want := 4 * 50 * time.Millisecond; busy.RetryAfter != want {
		t.Fatalf("RetryAfter: got %s, want %s", busy.RetryAfter, want)
	}
	close(release)
	wg.Wait()
	for _, errc := range []<-chan error{first, second} {
		if err := <-errc; err != nil {
			t.Fatalf("queued Do: %v", err)
		}
	}
	// Queue drained: the stage admits again, whatever the clock says.
	clock.Store(int64(time.Hour))
	if err := s.Do(context.Background(), func(context.Context) {}); err != nil {
		t.Fatalf("Do after drain: got %v, want nil", err)
	}
}

func TestStage_CanceledWhileQueued(t *testing.T) {
	s := newTestStage(t, StageConfig{Workers: 1, QueueLen: 10})
	release := make(chan struct{})
	wg := occupy(t, s, 1, release)
	ctx, cancel := context.WithCancel(context.Background())
	var ran atomic.Bool
	errc := enqueue(t, s, ctx, func(context.Context) { ran.Store(true) })
	after := enqueue(t, s, context.Background(), func(context.Context) {})
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled Do: got %v, want context.Canceled", err)
	}
	if q := s.Stats().Queued; q != 1 {
		t.Fatalf("queued after cancel: got %d, want 1", q)
	}
	close(release)
	wg.Wait()
	if err := <-after; err != nil {
		t.Fatalf("Do queued behind the canceled one: got %v, want nil", err)
	}
	if ran.Load() {
		t.Fatalf("canceled fn ran: got true, want false")
	}
	if st := s.Stats(); st.Canceled != 1 || st.Running != 0 || st.Queued != 0 {
		t.Fatalf("stats: got %+v, want Canceled 1, Running 0, Queued 0", st)
	}
}

func TestStage_CloseDrains(t *testing.T) {
	s, err := NewStage(StageConfig{Name: "c", Workers: 1, QueueLen: 10, TargetDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	wg := occupy(t, s, 1, release)
	var ran atomic.Int32
	queued := enqueue(t, s, context.Background(), func(context.Context) { ran.Add(1) })

	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	canceled, cancel := context.WithCancel(context.Background())
	cancel() // until Close takes effect, the probe queues and leaves at once
	checkfor.True(t, 5*time.Second, "new work refused", func() bool {
		var busy *BusyError
		err := s.Do(canceled, func(context.Context) { t.Error("fn ran after Close") })
		return errors.As(err, &busy) && busy.Reason == ReasonClosed
	})
	select {
	case <-closed:
		t.Fatalf("Close returned with work running")
	default:
	}
	close(release)
	wg.Wait()
	<-closed
	if err := <-queued; err != nil || ran.Load() != 1 {
		t.Fatalf("queued work at Close: got err %v, ran %d; want nil, 1", err, ran.Load())
	}
	s.Close() // again: returns at once
}

func TestStage_PanicReleasesSlot(t *testing.T) {
	s := newTestStage(t, StageConfig{Workers: 1})
	func() {
		defer func() {
			if recover() == nil {
				t.Fatalf("panic in fn: got none, want it propagated")
			}
		}()
		_ = s.Do(context.Background(), func(context.Context) { panic("boom") })
	}()
	if err := s.Do(context.Background(), func(context.Context) {}); err != nil {
		t.Fatalf("Do after a panicking fn: got %v, want nil", err)
	}
}

// TestStage_Concurrent hammers a stage from many goroutines, with
// cancellations, and checks the bounds and the accounting.
func TestStage_Concurrent(t *testing.T) {
	before := runtime.NumGoroutine()
	const workers = 4
	s, err := NewStage(StageConfig{Workers: workers, QueueLen: 8, TargetDelay: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var running, maxRunning, ok, busy, canceled atomic.Int64
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			for j := range 50 {
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration((i+j)%3)*time.Millisecond)
				err := s.Do(ctx, func(context.Context) {
					n := running.Add(1)
					for m := maxRunning.Load(); n > m && !maxRunning.CompareAndSwap(m, n); m = maxRunning.Load() {
					}
					runtime.Gosched()
					running.Add(-1)
				})
				cancel()
				var be *BusyError
				switch {
				case err == nil:
					ok.Add(1)
				case errors.As(err, &be):
					busy.Add(1)
				case errors.Is(err, context.DeadlineExceeded):
					canceled.Add(1)
				default:
					t.Errorf("Do: unexpected error %v", err)
				}
			}
		})
	}
	wg.Wait()
	s.Close()
	if m := maxRunning.Load(); m > workers {
		t.Fatalf("max concurrent fns: got %d, want <= %d", m, workers)
	}
	st := s.Stats()
	if st.Running != 0 || st.Queued != 0 {
		t.Fatalf("after Close: got %+v, want nothing running or queued", st)
	}
	if got, want := st.Admitted, uint64(ok.Load()+canceled.Load()); got != want {
		t.Fatalf("Admitted: got %d, want %d (ok %d + canceled %d)", got, want, ok.Load(), canceled.Load())
	}
	if got, want := st.Rejected, uint64(busy.Load()); got != want {
		t.Fatalf("Rejected: got %d, want %d", got, want)
	}
	checkfor.True(t, 5*time.Second, "goroutines to exit", func() bool { return runtime.NumGoroutine() <= before })
}

func TestStageConfig_Validate(t *testing.T) {
	if err := (StageConfig{Workers: -1}).Validate(); err == nil {
		t.Fatalf("Validate negative workers: got nil, want error")
	}
	if _, err := NewStage(StageConfig{Workers: -1}); err == nil {
		t.Fatalf("NewStage negative workers: got nil error, want error")
	}
}

func BenchmarkStage_Do(b *testing.B) {
	fn := func(context.Context) {}
	b.Run("uncontended", func(b *testing.B) {
		s, _ := NewStage(StageConfig{})
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			_ = s.Do(ctx, fn)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		// Many goroutines, enough workers: mutex contention only.
		s, _ := NewStage(StageConfig{})
		ctx := context.Background()
		b.ReportAllocs()
		b.SetParallelism(8)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_ = s.Do(ctx, fn)
			}
		})
	})
	b.Run("queued", func(b *testing.B) {
		// One worker, 16 goroutines, a task that yields: most callers
		// queue and receive their slot by hand-off.
		s, _ := NewStage(StageConfig{Workers: 1, QueueLen: 1 << 16, TargetDelay: -1})
		ctx := context.Background()
		yield := func(context.Context) { runtime.Gosched() }
		b.ReportAllocs()
		b.SetParallelism(8)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_ = s.Do(ctx, yield)
			}
		})
		b.ReportMetric(float64(s.Stats().Admitted), "admitted")
	})
}
