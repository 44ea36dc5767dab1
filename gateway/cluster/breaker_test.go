package cluster

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func breakerConfig(reps int) Config {
	cfg := testConfig(1, reps)
	cfg.Outlier.ConsecutiveFailures = -1 // ejection off: test the breaker alone
	cfg.Breaker = BreakerConfig{FailureRatio: 0.5, MinRequests: 10, Window: 10 * time.Second, OpenFor: 5 * time.Second}
	return cfg
}

func TestBreaker_OpensOnFailureRatio(t *testing.T) {
	c, _ := newTestCluster(t, breakerConfig(2))
	r := c.Partitions()[0].replicas[0]
	fail(r, 5, Success)
	fail(r, 4, Failed)
	if got := r.State().Breaker; got != "closed" {
		t.Fatalf("breaker after 9 requests (< MinRequests): got %s, want closed", got)
	}
	fail(r, 1, Failed) // 5 of 10 failed: ratio 0.5
	if got := r.State().Breaker; got != "open" {
		t.Fatalf("breaker at ratio 0.5 over 10: got %s, want open", got)
	}
	for range 50 {
		if got := r.p.Pick(); got == r {
			t.Fatalf("Pick: got the replica with an open breaker")
		}
	}
}

func TestBreaker_StaysClosedBelowRatio(t *testing.T) {
	c, _ := newTestCluster(t, breakerConfig(1))
	r := c.Partitions()[0].replicas[0]
	for range 10 {
		fail(r, 3, Success)
		fail(r, 2, Failed)
	}
	if got := r.State().Breaker; got != "closed" {
		t.Fatalf("breaker at ratio 0.4: got %s, want closed", got)
	}
}

func TestBreaker_WindowSlides(t *testing.T) {
	c, clk := newTestCluster(t, breakerConfig(1))
	r := c.Partitions()[0].replicas[0]
	fail(r, 9, Failed)
	clk.Advance(11 * time.Second) // those failures leave the window
	fail(r, 9, Success)
	fail(r, 1, Failed)
	if got := r.State().Breaker; got != "closed" {
		t.Fatalf("breaker after old failures left the window: got %s, want closed", got)
	}
}

// openBreaker drives r's breaker open.
func openBreaker(t *testing.T, r *Replica) {
	t.Helper()
	fail(r, 10, Failed)
	if got := r.State().Breaker; got != "open" {
		t.Fatalf("breaker: got %s, want open", got)
	}
}

func TestBreaker_HalfOpenProbeSuccessCloses(t *testing.T) {
	c, clk := newTestCluster(t, breakerConfig(1))
	p := c.Partitions()[0]
	r := p.replicas[0]
	openBreaker(t, r)
	stale := r.Begin() // sent before the probe
	if got := p.Pick(); got != nil {
		t.Fatalf("Pick while open: got %s, want nil", got.Name())
	}
	clk.Advance(5 * time.Second)
	if got := r.State().Breaker; got != "half-open" {
		t.Fatalf("breaker after OpenFor: got %s, want half-open", got)
	}
	if got := p.Pick(); got != r {
		t.Fatalf("Pick after OpenFor: got %v, want the replica (probe)", got)
	}
	if got := p.Pick(); got != nil {
		t.Fatalf("second Pick while the probe is out: got %s, want nil", got.Name())
	}
	probe := r.Begin()
	stale(Success) // from before: must not close the breaker
	if got := r.State().Breaker; got != "half-open" {
		t.Fatalf("breaker after a stale success: got %s, want half-open", got)
	}
	probe(Success)
	if got := r.State().Breaker; got != "closed" {
		t.Fatalf("breaker after probe success: got %s, want closed", got)
	}
	if got := p.Pick(); got != r {
		t.Fatalf("Pick after close: got %v, want the replica", got)
	}
}

func TestBreaker_HalfOpenProbeFailureReopens(t *testing.T) {
	c, clk := newTestCluster(t, breakerConfig(1))
	p := c.Partitions()[0]
	r := p.replicas[0]
	openBreaker(t, r)
	clk.Advance(5 * time.Second)
	if got := p.Pick(); got != r {
		t.Fatalf("Pick after OpenFor: got %v, want the replica (probe)", got)
	}
	r.Begin()(TimedOut)
	if got := r.State().Breaker; got != "open" {
		t.Fatalf("breaker after probe failure: got %s, want open", got)
	}
	clk.Advance(5*time.Second - 1)
	if got := p.Pick(); got != nil {
		t.Fatalf("Pick before OpenFor again: got %s, want nil", got.Name())
	}
	clk.Advance(1)
	if got := p.Pick(); got != r {
		t.Fatalf("Pick after OpenFor again: got %v, want the replica", got)
	}
}

func TestBreaker_AbandonedProbeExpires(t *testing.T) {
	c, clk := newTestCluster(t, breakerConfig(1))
	p := c.Partitions()[0]
	r := p.replicas[0]
	openBreaker(t, r)
	clk.Advance(5 * time.Second)
	if got := p.Pick(); got != r {
		t.Fatalf("Pick after OpenFor: got %v, want the replica", got)
	}
	// The probe is never begun.
	clk.Advance(5 * time.Second)
	if got := p.Pick(); got != r {
		t.Fatalf("Pick after the probe was abandoned for OpenFor: got %v, want the replica", got)
	}
}

func TestBreaker_Disabled(t *testing.T) {
	cfg := breakerConfig(1)
	cfg.Breaker.FailureRatio = -1
	c, _ := newTestCluster(t, cfg)
	r := c.Partitions()[0].replicas[0]
	fail(r, 100, Failed)
	if got := r.State().Breaker; got != "closed" {
		t.Fatalf("disabled breaker: got %s, want closed", got)
	}
}

func TestBreaker_HalfOpenAdmitsOneProbeUnderRace(t *testing.T) {
	c, clk := newTestCluster(t, breakerConfig(1))
	p := c.Partitions()[0]
	r := p.replicas[0]
	openBreaker(t, r)
	clk.Advance(5 * time.Second)
	var got atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if p.Pick() == r {
				got.Add(1)
			}
		})
	}
	wg.Wait()
	if n := got.Load(); n != 1 {
		t.Fatalf("Picks of a half-open replica by 16 goroutines: got %d, want 1", n)
	}
}

// A probe given up by its client says nothing about the replica: the
// breaker stays half-open and the next request may probe at once.
func TestBreaker_CanceledProbeNeitherClosesNorReopens(t *testing.T) {
	c, clk := newTestCluster(t, breakerConfig(1))
	p := c.Partitions()[0]
	r := p.replicas[0]
	openBreaker(t, r)
	clk.Advance(5 * time.Second)
	if got := p.Pick(); got != r {
		t.Fatalf("Pick after OpenFor: got %v, want the replica (probe)", got)
	}
	r.Begin()(Canceled)
	if got := r.State().Breaker; got != "half-open" {
		t.Fatalf("breaker after a canceled probe: got %s, want half-open", got)
	}
	if got := p.Pick(); got != r {
		t.Fatalf("Pick after a canceled probe: got %v, want the replica (a new probe)", got)
	}
	if got := r.State().InFlight; got != 0 {
		t.Errorf("in flight after the canceled request: got %d, want 0", got)
	}
}
