package queueing

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
)

// settle runs b for n requests and returns when its limit last entered
// [lo, hi], zero if it ended outside.
func settle(b *simBackend, lo, hi, n int) time.Time {
	var entered time.Time
	for range n {
		b.run(1)
		switch in := b.lim.Limit() >= lo && b.lim.Limit() <= hi; {
		case !in:
			entered = time.Time{}
		case entered.IsZero():
			entered = b.now
		}
	}
	return entered
}

// bandTop is the most the limit settles at over a backend of slots
// servers taking service, with overhead of travel: 1+Tolerance times the
// requests it serves without queueing, counting the slack (plus one for
// rounding).
func bandTop(slots int, service, overhead time.Duration) int {
	served := float64(slots) * float64(service+overhead+defaultSlack) / float64(service)
	return int(math.Ceil((1+defaultTolerance)*served)) + 1
}

// Under unbounded demand the limit settles, within a few dozen no-load
// round trips, between the backend's slots and 1.5 times what it serves
// without queueing (bandTop): every slot stays busy, and the round trip of
// admitted requests stays within twice the no-load one plus slack. The
// old Vegas rule settled at about 4 times a 4-slot backend, whose
// requests then waited 3 service times. From its ceiling, the limit first
// waits out the requests it admitted (the ceiling's worth, queued at the
// backend); from 1 it grows by half or more per window.
func TestLimiter_ConvergesToBackendCapacity(t *testing.T) {
	const service, overhead = 5 * time.Millisecond, 500 * time.Microsecond
	rtt0 := service + overhead
	for _, c := range []struct{ slots, ceiling, initial int }{
		{1, 64, 1}, {4, 64, 64}, {4, 64, 1}, {16, 64, 64}, {16, 64, 1}, {64, 256, 256}, {64, 256, 1},
	} {
		lim := NewLimiter(LimiterConfig{Initial: c.initial, ProbeInterval: -1}, c.ceiling)
		b := newSim(lim, c.slots, service)
		b.overhead = overhead
		start := b.now
		top := bandTop(c.slots, service, overhead)
		entered := settle(b, c.slots, top, 300*c.slots)
		if entered.IsZero() || entered.Sub(start) > 60*rtt0 {
			t.Errorf("%d slots from %d: got limit %d, in [%d, %d] after %v, want there within 60 round trips (%v)",
				c.slots, c.initial, lim.Limit(), c.slots, top, entered.Sub(start), 60*rtt0)
		}
		from, n := b.now, b.finished
		b.run(100 * c.slots)
		capacity := float64(c.slots) / service.Seconds()
		if got := float64(b.finished-n) / b.now.Sub(from).Seconds(); got < 0.9*capacity {
			t.Errorf("%d slots from %d: got %.0f requests/s, want at least 0.9 of the capacity %.0f/s", c.slots, c.initial, got, capacity)
		}
		if got, want := maxRTT(b.rtts[len(b.rtts)-100*c.slots:]), 2*(rtt0+defaultSlack); got > want {
			t.Errorf("%d slots from %d: got max round trip %v once settled, want at most %v", c.slots, c.initial, got, want)
		}
		if got := lim.NoLoadRTT(""); got != rtt0 {
			t.Errorf("%d slots from %d: got no-load round trip %v, want %v", c.slots, c.initial, got, rtt0)
		}
	}
}

// The goal, on a simulated clock: the steps of wsgw bench
// overload (0.5x to 8x of a backend of 4 slots of 5ms, service times
// jittered by 30%, 0.5ms of travel, requests refused beyond the limit and
// its queue, 3s each, one limiter throughout). From 1x on the backend
// stays busy (goodput at least 0.9 of its capacity), and at every step the
// p99 of the admitted requests, queueing in the stage included, stays
// within 3 times the unloaded p99. The old rule, its limit permissive
// until the overload came and then settling at 4 times the slots, had
// 12 times the unloaded p99 at 2x.
func TestLimiter_OverloadKeepsGoodputAndAdmittedLatency(t *testing.T) {
	for _, slots := range []int{4, 16} {
		lim := NewLimiter(LimiterConfig{}, 64)
		o := newOpenLoop(lim, slots, 5*time.Millisecond)
		o.overhead, o.jitter = 500*time.Microsecond, 0.3
		capacity := float64(slots) / 0.005
		unloaded := o.offer(50, time.Second).p(0.99)
		for _, f := range []float64{0.5, 1, 2, 4, 8} {
			r := o.offer(f*capacity, 3*time.Second)
			if want := min(f, 1) * 0.9 * capacity; r.goodput() < want {
				t.Errorf("%d slots at %vx: got goodput %.0f/s, want at least %.0f/s", slots, f, r.goodput(), want)
			}
			if got := r.p(0.99); got > 3*unloaded {
				t.Errorf("%d slots at %vx: got p99 %v of admitted requests, want at most 3 times the unloaded %v",
					slots, f, got, unloaded)
			}
		}
	}
}

// Stalls (a request in 100 takes 20ms more: a GC pause, a starved CPU)
// raise some windows' round trips well past the band: the limit dips by
// at most half per window and grows back, and the backend stays busy.
func TestLimiter_StallsDoNotCollapseTheLimit(t *testing.T) {
	lim := NewLimiter(LimiterConfig{}, 64)
	o := newOpenLoop(lim, 4, 5*time.Millisecond)
	o.overhead, o.jitter = 500*time.Microsecond, 0.3
	o.stall, o.stallEvery = 20*time.Millisecond, 100
	capacity := 4 / (0.005 + 0.020/100) // requests per second, stalls counted
	o.offer(50, time.Second)
	r := o.offer(4*capacity, 10*time.Second)
	if r.goodput() < 0.9*capacity {
		t.Errorf("got goodput %.0f/s (limit %d), want at least 0.9 of the capacity %.0f/s", r.goodput(), lim.Limit(), capacity)
	}
}

// The path to the backend gets slower for good (+10ms of travel each way
// together; the backend's 4 slots unchanged): the round trips exceed the
// old no-load one many times over, and the limit falls to one request, at
// which nothing queues; that window's round trips become the no-load one,
// and the limit grows back to what keeps the slots busy, without waiting
// for a probe (off here). Before, the limit stayed at 1: 8% of capacity.
func TestLimiter_RelearnsWhenThePathSlows(t *testing.T) {
	lim := NewLimiter(LimiterConfig{ProbeInterval: -1}, 64)
	o := newOpenLoop(lim, 4, 5*time.Millisecond)
	o.overhead, o.jitter = 500*time.Microsecond, 0.3
	const capacity = 800.0
	o.offer(50, time.Second)
	o.offer(capacity, 3*time.Second)
	o.overhead = 10 * time.Millisecond
	for i, want := range []float64{0.85, 0.95} {
		if r := o.offer(2*capacity, 3*time.Second); r.goodput() < want*capacity {
			t.Errorf("step %d at 2x after the path slowed: got goodput %.0f/s (limit %d, no-load round trip %v), want at least %.0f/s",
				i, r.goodput(), lim.Limit(), lim.NoLoadRTT(""), want*capacity)
		}
	}
}

// A limit far above the backend's capacity comes down, halving at most
// per window: one window of round trips queued many times over does not
// take it to the floor at once.
func TestLimiter_ShrinksAnOversizedLimit(t *testing.T) {
	lim := NewLimiter(LimiterConfig{Initial: 200, ProbeInterval: -1}, 1000)
	lim.noLoad[""] = 5 * time.Millisecond // learned earlier, unloaded
	now := time.Unix(1000, 0)
	for range 200 {
		lim.Observe(now, "", 250*time.Millisecond, 200, false)
	}
	if got := lim.Limit(); got != 100 {
		t.Errorf("after a window 40 times the no-load round trip: got limit %d, want 100 (halved)", got)
	}
	b := newSim(lim, 4, 5*time.Millisecond)
	b.now = now
	b.run(20000)
	if got := lim.Limit(); got < 4 || got > 9 {
		t.Errorf("got limit %d, want between 4 and 9 for 4 slots", got)
	}
}

// Requests sent before the limit last changed do not count toward the
// next window: after a cut, the queue it already removed (the requests
// still in flight from before) does not cut it again.
func TestLimiter_CutsOncePerWindow(t *testing.T) {
	lim := NewLimiter(LimiterConfig{Initial: 100, ProbeInterval: -1}, 1000)
	lim.noLoad[""] = 5 * time.Millisecond
	cut := time.Unix(1000, 0)
	for range 100 {
		lim.Observe(cut, "", 50*time.Millisecond, 100, false)
	}
	if got := lim.Limit(); got != 50 {
		t.Fatalf("got limit %d, want 50", got)
	}
	for i := range 200 { // sent before the cut, back after it
		now := cut.Add(time.Duration(i+1) * 100 * time.Microsecond)
		lim.Observe(now, "", 50*time.Millisecond, 100, false)
	}
	if got := lim.Limit(); got != 50 {
		t.Errorf("after requests sent before the cut: got limit %d, want 50 (unchanged)", got)
	}
	for range 50 { // sent after the cut, as slow
		lim.Observe(cut.Add(time.Second), "", 50*time.Millisecond, 50, false)
	}
	if got := lim.Limit(); got != 25 {
		t.Errorf("after a window sent after the cut: got limit %d, want 25", got)
	}
}

// Drops (timeouts) shrink the limit multiplicatively, whenever the
// requests were sent.
func TestLimiter_DropsShrink(t *testing.T) {
	now := time.Unix(1000, 0)
	lim := NewLimiter(LimiterConfig{Initial: 100, ProbeInterval: -1}, 1000)
	for range 100 {
		lim.Observe(now, "", 5*time.Millisecond, 100, true)
	}
	if got := lim.Limit(); got != 90 {
		t.Errorf("after a window with drops: got limit %d, want 90", got)
	}
	for range 90 {
		lim.Observe(now, "", 30*time.Second, 90, true)
	}
	if got := lim.Limit(); got != 81 {
		t.Errorf("after a window of timeouts sent long before: got limit %d, want 81", got)
	}
}

// A window in which fewer than half the limit were in flight moves the
// limit halfway to twice the most in flight, down to a quarter of the
// ceiling and no further; a limit already below that is left alone.
func TestLimiter_UnusedLimitDecays(t *testing.T) {
	now := time.Unix(1000, 0)
	lim := NewLimiter(LimiterConfig{ProbeInterval: -1}, 64)
	var got []int
	for range 6 {
		for range lim.Limit() { // each sent after the one before came back
			now = now.Add(10 * time.Millisecond)
			lim.Observe(now, "", 5*time.Millisecond, 3, false)
		}
		got = append(got, lim.Limit())
	}
	if want := []int{35, 21, 16, 16, 16, 16}; !slices.Equal(got, want) {
		t.Errorf("got limits %v after windows with 3 in flight, want %v", got, want)
	}
	lim = NewLimiter(LimiterConfig{Initial: 6, ProbeInterval: -1}, 64)
	for range 60 {
		now = now.Add(10 * time.Millisecond)
		lim.Observe(now, "", 5*time.Millisecond, 2, false)
	}
	if got := lim.Limit(); got != 6 {
		t.Errorf("got limit %d after windows with 2 in flight, want 6 (below a quarter of the ceiling: unchanged)", got)
	}
}

// A backend that becomes faster: more slots (4 to 16), or shorter service
// (10ms to 2ms over 8 slots). The limit follows within a few dozen round
// trips, and the backend stays busy.
func TestLimiter_FollowsAFasterBackend(t *testing.T) {
	lim := NewLimiter(LimiterConfig{ProbeInterval: -1}, 256)
	b := newSim(lim, 4, 5*time.Millisecond)
	b.overhead = 500 * time.Microsecond
	b.run(5000)
	b.setSlots(16)
	start := b.now
	top := bandTop(16, 5*time.Millisecond, 500*time.Microsecond)
	if entered := settle(b, 16, top, 5000); entered.IsZero() || entered.Sub(start) > 60*5500*time.Microsecond {
		t.Errorf("4 then 16 slots: got limit %d, in [16, %d] after %v, want there within 60 round trips",
			lim.Limit(), top, entered.Sub(start))
	}

	lim = NewLimiter(LimiterConfig{ProbeInterval: -1}, 256)
	b = newSim(lim, 8, 10*time.Millisecond)
	b.overhead = 500 * time.Microsecond
	b.run(5000)
	b.service = 2 * time.Millisecond
	start = b.now
	top = bandTop(8, 2*time.Millisecond, 500*time.Microsecond)
	if entered := settle(b, 8, top, 5000); entered.IsZero() || entered.Sub(start) > 60*2500*time.Microsecond {
		t.Errorf("10ms then 2ms: got limit %d, in [8, %d] after %v, want there within 60 round trips",
			lim.Limit(), top, entered.Sub(start))
	}
	from, n := b.now, b.finished
	b.run(5000)
	if got, capacity := float64(b.finished-n)/b.now.Sub(from).Seconds(), 8/0.002; got < 0.95*capacity {
		t.Errorf("10ms then 2ms: got %.0f requests/s, want at least 0.95 of the capacity %.0f/s", got, capacity)
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

// At half a backend's capacity the limit holds nobody back, and neither
// may its probes: a probe holds the limit at ProbeLimit, so one under load
// refused nearly every request for its length (1.1% of all, every one of
// them while probing, at half capacity). Probes wait until the limit is in
// use.
func TestLimiter_NoRefusalsBelowCapacity(t *testing.T) {
	for _, ceiling := range []int{64, 256} {
		lim := NewLimiter(LimiterConfig{ProbeInterval: 30 * time.Second}, ceiling)
		// 64 slots of 50ms: 1280/s; offered 640/s for 5 minutes.
		r := newOpenLoop(lim, 64, 50*time.Millisecond).offer(640, 5*time.Minute)
		refused, admitted := r.refused, r.admitted
		if refused != 0 {
			t.Errorf("ceiling %d: got %d of %d requests refused at half capacity (limit %d), want none",
				ceiling, refused, refused+admitted, lim.Limit())
		}
	}
}
