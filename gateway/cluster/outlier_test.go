package cluster

import (
	"testing"
	"time"
)

func outlierConfig(reps int) Config {
	cfg := testConfig(1, reps)
	cfg.Outlier = OutlierConfig{ConsecutiveFailures: 3, BaseEjection: 10 * time.Second}
	cfg.Breaker.FailureRatio = -1 // breaker off: test ejection alone
	return cfg
}

func fail(r *Replica, n int, o Outcome) {
	for range n {
		r.Begin()(o)
	}
}

func TestOutlier_ConsecutiveFailuresEject(t *testing.T) {
	c, clk := newTestCluster(t, outlierConfig(3))
	r := c.Partitions()[0].replicas[0]
	fail(r, 2, Failed)
	fail(r, 1, Success) // breaks the run
	fail(r, 2, TimedOut)
	if r.State().Ejected {
		t.Fatalf("ejected after a broken run of failures: got true, want false")
	}
	fail(r, 1, ConnectFailed)
	if !r.State().Ejected {
		t.Fatalf("ejected after 3 failures in a row: got false, want true")
	}
	for range 50 {
		if got := r.p.Pick(); got == r {
			t.Fatalf("Pick: got the ejected replica")
		}
	}
	clk.Advance(10*time.Second - 1)
	if !r.State().Ejected {
		t.Fatalf("ejected just before BaseEjection: got false, want true")
	}
	clk.Advance(1)
	if r.State().Ejected {
		t.Fatalf("ejected after BaseEjection: got true, want false (re-admitted)")
	}
}

func TestOutlier_EjectionGrowsAndCaps(t *testing.T) {
	c, clk := newTestCluster(t, outlierConfig(2))
	r := c.Partitions()[0].replicas[0]
	for n := 1; n <= 12; n++ {
		fail(r, 3, Failed)
		want := time.Duration(min(n, maxEjectionMultiplier)) * 10 * time.Second
		clk.Advance(want - 1)
		if !r.State().Ejected {
			t.Fatalf("ejection %d: got out before %s, want out for %s", n, want, want)
		}
		clk.Advance(1)
		if r.State().Ejected {
			t.Fatalf("ejection %d: got still out after %s, want re-admitted", n, want)
		}
	}
	// A long spell in starts the count again.
	clk.Advance(maxEjectionMultiplier * 10 * time.Second)
	fail(r, 3, Failed)
	clk.Advance(10 * time.Second)
	if r.State().Ejected {
		t.Fatalf("after a long spell in: got ejected longer than BaseEjection, want the count reset")
	}
}

func TestOutlier_MaxEjectedPercent(t *testing.T) {
	c, _ := newTestCluster(t, outlierConfig(2)) // 50% of 2: one may go
	p := c.Partitions()[0]
	fail(p.replicas[0], 3, Failed)
	fail(p.replicas[1], 10, Failed)
	if !p.replicas[0].State().Ejected || p.replicas[1].State().Ejected {
		t.Fatalf("ejected: got r0 %v r1 %v, want r0 only", p.replicas[0].State().Ejected, p.replicas[1].State().Ejected)
	}
	if got := p.Pick(); got != p.replicas[1] {
		t.Fatalf("Pick: got %v, want r1, the replica kept in", got)
	}
}

func TestOutlier_LastReplicaNeverEjected(t *testing.T) {
	cfg := outlierConfig(1)
	cfg.Outlier.MaxEjectedPercent = 100
	c, _ := newTestCluster(t, cfg)
	r := c.Partitions()[0].replicas[0]
	fail(r, 20, Failed)
	if r.State().Ejected {
		t.Fatalf("single replica ejected: got true, want false")
	}
}

func TestOutlier_MaxEjectedLimits(t *testing.T) {
	for _, tc := range []struct{ reps, pct, want int }{
		{1, 50, 0}, {2, 50, 1}, {3, 50, 1}, {4, 50, 2}, {5, 10, 1}, {4, 100, 3},
	} {
		cfg := outlierConfig(tc.reps)
		cfg.Outlier.MaxEjectedPercent = tc.pct
		c, _ := newTestCluster(t, cfg)
		if got := c.Partitions()[0].maxEjected(); got != tc.want {
			t.Errorf("maxEjected(%d replicas, %d%%): got %d, want %d", tc.reps, tc.pct, got, tc.want)
		}
	}
}

func TestOutlier_Disabled(t *testing.T) {
	cfg := outlierConfig(3)
	cfg.Outlier.ConsecutiveFailures = -1
	c, _ := newTestCluster(t, cfg)
	r := c.Partitions()[0].replicas[0]
	fail(r, 50, Failed)
	if r.State().Ejected {
		t.Fatalf("ejected with ejection disabled: got true, want false")
	}
}
