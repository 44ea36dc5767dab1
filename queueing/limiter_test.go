package queueing

import (
	"container/heap"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
)

// simBackend is a backend of slots servers taking service each, FIFO,
// driven by a limiter under unbounded demand: whenever a request finishes,
// new ones are admitted up to the limit at once. Time is simulated.
type simBackend struct {
	slots   int
	service time.Duration
	free    []time.Time // when each server is next free
	now     time.Time
	done    doneHeap
	lim     *Limiter
	rtts    []time.Duration // of every finished request, in order
}

type finish struct {
	at, admitted time.Time
}

type doneHeap []finish

func (h doneHeap) Len() int           { return len(h) }
func (h doneHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h doneHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *doneHeap) Push(x any)        { *h = append(*h, x.(finish)) }
func (h *doneHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func newSim(lim *Limiter, slots int, service time.Duration) *simBackend {
	b := &simBackend{slots: slots, service: service, lim: lim, now: time.Unix(1000, 0)}
	b.free = make([]time.Time, slots)
	for i := range b.free {
		b.free[i] = b.now
	}
	return b
}

// admit starts requests up to the limit.
func (b *simBackend) admit() {
	for len(b.done) < b.lim.Limit() {
		k := 0
		for i := range b.free {
			if b.free[i].Before(b.free[k]) {
				k = i
			}
		}
		start := b.free[k]
		if start.Before(b.now) {
			start = b.now
		}
		b.free[k] = start.Add(b.service)
		heap.Push(&b.done, finish{at: b.free[k], admitted: b.now})
	}
}

// run finishes n requests.
func (b *simBackend) run(n int) {
	b.admit()
	for range n {
		f := heap.Pop(&b.done).(finish)
		b.now = f.at
		rtt := f.at.Sub(f.admitted)
		b.lim.Observe(b.now, rtt, len(b.done)+1, false)
		b.rtts = append(b.rtts, rtt)
		b.admit()
	}
}

func maxRTT(rtts []time.Duration) time.Duration {
	var m time.Duration
	for _, r := range rtts {
		m = max(m, r)
	}
	return m
}

// Under unbounded demand the limit settles just above the backend's
// slots: every slot stays busy, and the round trip of admitted requests
// stays within a small multiple of the service time.
func TestLimiter_ConvergesToBackendCapacity(t *testing.T) {
	for _, slots := range []int{4, 16, 64} {
		lim := NewLimiter(LimiterConfig{ProbeInterval: -1}, 1000)
		b := newSim(lim, slots, 5*time.Millisecond)
		b.run(20000)
		tail := b.rtts[len(b.rtts)-2000:]
		if got := lim.Limit(); got < slots || got > 2*slots+20 {
			t.Errorf("%d slots: got limit %d, want between %d and %d", slots, got, slots, 2*slots+20)
		}
		if got, want := maxRTT(tail), 3*5*time.Millisecond; got > want {
			t.Errorf("%d slots: got max round trip %v over the last 2000, want at most %v", slots, got, want)
		}
		if got := lim.NoLoadRTT(); got != 5*time.Millisecond {
			t.Errorf("%d slots: got no-load round trip %v, want 5ms", slots, got)
		}
	}
}

// A limit far above the backend's capacity comes down.
func TestLimiter_ShrinksAnOversizedLimit(t *testing.T) {
	lim := NewLimiter(LimiterConfig{Initial: 200, ProbeInterval: -1}, 1000)
	lim.noLoad = 5 * time.Millisecond // learned earlier, unloaded
	b := newSim(lim, 4, 5*time.Millisecond)
	b.run(20000)
	if got := lim.Limit(); got > 20 {
		t.Errorf("got limit %d, want at most 20 for 4 slots", got)
	}
}

// Drops (timeouts) shrink the limit multiplicatively; a window in which
// far fewer than the limit were in flight leaves it alone.
func TestLimiter_DropsShrinkAndIdleLeavesAlone(t *testing.T) {
	now := time.Unix(1000, 0)
	lim := NewLimiter(LimiterConfig{Initial: 100, ProbeInterval: -1}, 1000)
	for range 100 {
		lim.Observe(now, 5*time.Millisecond, 100, true)
	}
	if got := lim.Limit(); got != 90 {
		t.Errorf("after a window with drops: got limit %d, want 90", got)
	}
	for range 90 {
		lim.Observe(now, 50*time.Millisecond, 3, false)
	}
	if got := lim.Limit(); got != 90 {
		t.Errorf("after an application-limited window: got limit %d, want 90 (unchanged)", got)
	}
}

// A backend that becomes slower for good: the probe measures its new
// no-load round trip, and the limit does not collapse to the minimum.
func TestLimiter_ProbeRelearnsNoLoadRTT(t *testing.T) {
	lim := NewLimiter(LimiterConfig{ProbeInterval: 10 * time.Second}, 1000)
	b := newSim(lim, 8, 5*time.Millisecond)
	b.run(20000)
	b.service = 20 * time.Millisecond
	b.run(30000) // 30000 requests at 8 per 20ms: 75s, several probes
	if got := lim.NoLoadRTT(); got != 20*time.Millisecond {
		t.Errorf("got no-load round trip %v, want 20ms", got)
	}
	if got := lim.Limit(); got < 8 {
		t.Errorf("got limit %d, want at least the 8 slots", got)
	}
}

func TestLimiterConfig_Validate(t *testing.T) {
	err := LimiterConfig{Initial: -1, QueueFactor: -1, ProbeSamples: -2}.Validate()
	if err == nil {
		t.Fatal("got nil, want errors for initial, queueFactor and probeSamples")
	}
	for _, f := range []string{"Initial", "QueueFactor", "ProbeSamples"} {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("got %q, want it to name %s", err, f)
		}
	}
}

// A stage with a limiter admits up to the limit, queues up to QueueFactor
// times the limit, and refuses the next caller at once with ReasonLimit;
// reported round trips move the limit and a grown limit lets waiters in.
func TestStage_AdaptiveLimitRefusesBeyondLimitAndQueue(t *testing.T) {
	s, err := NewStage(StageConfig{Name: "dispatch/x/p0", Workers: 64, TargetDelay: -1,
		Limiter: &LimiterConfig{Initial: 2, QueueFactor: 0.5, ProbeInterval: -1}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1000, 0)
	s.now = func() time.Time { return now }
	release := make(chan struct{})
	started := make(chan struct{}, 4)
	done := make(chan error, 4)
	for range 3 { // two run, one waits (queue of ceil(2*0.5) = 1)
		go func() {
			done <- s.Do(context.Background(), func(context.Context) { started <- struct{}{}; <-release })
		}()
	}
	<-started
	<-started
	waitStats(t, s, func(st StageStats) bool { return st.Queued == 1 })
	err = s.Do(context.Background(), func(context.Context) { t.Error("a refused task ran") })
	var busy *BusyError
	if !errors.As(err, &busy) || busy.Reason != ReasonLimit || busy.RetryAfter <= 0 {
		t.Fatalf("got %v, want a BusyError with reason %q and a Retry-After", err, ReasonLimit)
	}
	// Fast round trips at full load grow the limit: the waiter gets in.
	for range minWindow {
		s.Observe(time.Millisecond, false)
	}
	<-started
	if got := s.Stats(); got.Limit <= 2 || got.Queued != 0 {
		t.Errorf("got limit %d with %d queued, want a limit above 2 and none queued", got.Limit, got.Queued)
	}
	close(release)
	for range 3 {
		if err := <-done; err != nil {
			t.Errorf("got %v, want nil", err)
		}
	}
}

func waitStats(t *testing.T, s *Stage, cond func(StageStats) bool) {
	t.Helper()
	checkfor.True(t, 5*time.Second, "stage stats", func() bool { return cond(s.Stats()) })
}
