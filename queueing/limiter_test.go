package queueing

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
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
	// pick, when set, gives the n-th admitted request's class and service
	// time (service is then unused).
	pick     func(n int) (string, time.Duration)
	admitted int
	finished int
}

type finish struct {
	at, admitted time.Time
	class        string
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
		class, service := "", b.service
		if b.pick != nil {
			class, service = b.pick(b.admitted)
		}
		b.admitted++
		b.free[k] = start.Add(service)
		heap.Push(&b.done, finish{at: b.free[k], admitted: b.now, class: class})
	}
}

// run finishes n requests.
func (b *simBackend) run(n int) {
	b.admit()
	for range n {
		f := heap.Pop(&b.done).(finish)
		b.now = f.at
		rtt := f.at.Sub(f.admitted)
		b.lim.Observe(b.now, f.class, rtt, len(b.done)+1, false)
		b.rtts = append(b.rtts, rtt)
		b.finished++
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
		if got := lim.NoLoadRTT(""); got != 5*time.Millisecond {
			t.Errorf("%d slots: got no-load round trip %v, want 5ms", slots, got)
		}
	}
}

// A limit far above the backend's capacity comes down.
func TestLimiter_ShrinksAnOversizedLimit(t *testing.T) {
	lim := NewLimiter(LimiterConfig{Initial: 200, ProbeInterval: -1}, 1000)
	lim.noLoad[""] = 5 * time.Millisecond // learned earlier, unloaded
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
		lim.Observe(now, "", 5*time.Millisecond, 100, true)
	}
	if got := lim.Limit(); got != 90 {
		t.Errorf("after a window with drops: got limit %d, want 90", got)
	}
	for range 90 {
		lim.Observe(now, "", 50*time.Millisecond, 3, false)
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
	if got := lim.NoLoadRTT(""); got != 20*time.Millisecond {
		t.Errorf("got no-load round trip %v, want 20ms", got)
	}
	if got := lim.Limit(); got < 8 {
		t.Errorf("got limit %d, want at least the 8 slots", got)
	}
}

// A backend serving a cheap operation beside a costly one (one request in
// ten takes 100µs, the others 50ms): each operation is measured against
// its own no-load round trip, and the limit stays at the backend's 64
// slots. Measured against the cheap operation's round trip, every costly
// one looked queued and the limit sat at about 4 (goodput 6% of
// capacity), probes or not.
func TestLimiter_MixedOperationsKeepTheLimitAtCapacity(t *testing.T) {
	lim := NewLimiter(LimiterConfig{}, 256)
	b := newSim(lim, 64, 0)
	b.pick = func(n int) (string, time.Duration) {
		if n%10 == 0 {
			return "cheap", 100 * time.Microsecond
		}
		return "costly", 50 * time.Millisecond
	}
	b.run(20000)
	start, n := b.now, b.finished
	b.run(100000)
	capacity := 64 / (0.9*0.05 + 0.1*0.0001) // requests per second
	rate := float64(b.finished-n) / b.now.Sub(start).Seconds()
	if rate < 0.9*capacity {
		t.Errorf("got %.0f requests/s (limit %d), want at least 0.9 of the capacity %.0f/s", rate, lim.Limit(), capacity)
	}
	if got := lim.NoLoadRTT("costly"); got != 50*time.Millisecond {
		t.Errorf("got the costly operation's no-load round trip %v, want 50ms", got)
	}
}

// A backend that answered fast faults for a while (its database down) and
// recovers: the faults, a class of their own, do not hold the limit down
// (probes off, so nothing else could lift it).
func TestLimiter_RecoversAfterFastFaults(t *testing.T) {
	lim := NewLimiter(LimiterConfig{ProbeInterval: -1}, 256)
	b := newSim(lim, 16, 5*time.Millisecond)
	b.pick = func(int) (string, time.Duration) { return "op", 5 * time.Millisecond }
	b.run(20000)
	b.pick = func(int) (string, time.Duration) { return "op fault", 100 * time.Microsecond }
	b.run(5000)
	b.pick = func(int) (string, time.Duration) { return "op", 5 * time.Millisecond }
	b.run(5000)
	if got := lim.Limit(); got < 16 {
		t.Errorf("got limit %d after the backend recovered, want at least its 16 slots", got)
	}
}

// Classes beyond maxClasses share one no-load round trip: the limiter's
// memory is bounded whatever callers name their classes.
func TestLimiter_ClassesAreBounded(t *testing.T) {
	lim := NewLimiter(LimiterConfig{ProbeInterval: -1}, 64)
	now := time.Unix(1000, 0)
	for i := range 3 * maxClasses {
		lim.Observe(now, fmt.Sprint("class", i), time.Millisecond, 1, false)
	}
	if got := len(lim.noLoad); got > maxClasses+1 {
		t.Errorf("got %d classes kept, want at most %d", got, maxClasses+1)
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
		s.Observe("", time.Millisecond, false)
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

// openLoop offers a request every gap for d to a backend of slots servers
// taking service each, through lim and a queue of lim.QueueLen() (as a
// Stage admits), and returns how many were refused and admitted.
func openLoop(lim *Limiter, slots int, service, gap, d time.Duration) (refused, admitted int) {
	now := time.Unix(1000, 0)
	free := make([]time.Time, slots)
	for i := range free {
		free[i] = now
	}
	var done doneHeap
	var queue []time.Time // admission times of waiting requests
	start := func(admitted time.Time) {
		k := 0
		for i := range free {
			if free[i].Before(free[k]) {
				k = i
			}
		}
		free[k] = later(free[k], now).Add(service)
		heap.Push(&done, finish{at: free[k], admitted: admitted})
	}
	next, end := now, now.Add(d)
	for now.Before(end) {
		if len(done) > 0 && done[0].at.Before(next) {
			f := heap.Pop(&done).(finish)
			now = f.at
			lim.Observe(now, "", now.Sub(f.admitted), len(done)+1, false)
			for len(queue) > 0 && len(done) < lim.Limit() {
				start(queue[0])
				queue = queue[1:]
			}
			continue
		}
		now, next = next, next.Add(gap)
		switch {
		case len(done) < lim.Limit() && len(queue) == 0:
			start(now)
		case len(queue) < lim.QueueLen():
			queue = append(queue, now)
		default:
			refused++
			continue
		}
		admitted++
	}
	return refused, admitted
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// At half a backend's capacity the limit holds nobody back, and neither
// may its probes: a probe holds the limit at ProbeLimit, so one under load
// refused nearly every request for its length (1.1% of all, every one of
// them while probing, at half capacity). Probes wait until the limit is in
// use.
func TestLimiter_NoRefusalsBelowCapacity(t *testing.T) {
	for _, ceiling := range []int{64, 256} {
		lim := NewLimiter(LimiterConfig{ProbeInterval: 30 * time.Second}, ceiling)
		// 64 slots of 50ms: 1280/s; offered 640/s for 5 minutes.
		refused, admitted := openLoop(lim, 64, 50*time.Millisecond, time.Second/640, 5*time.Minute)
		if refused != 0 {
			t.Errorf("ceiling %d: got %d of %d requests refused at half capacity (limit %d), want none",
				ceiling, refused, refused+admitted, lim.Limit())
		}
	}
}
