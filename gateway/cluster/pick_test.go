package cluster

import (
	"hash/fnv"
	"strconv"
	"sync"
	"testing"
)

func TestFNV1a64_MatchesStdlib(t *testing.T) {
	for _, s := range []string{"", "a", "IBM", "key-12345"} {
		h := fnv.New64a()
		h.Write([]byte(s))
		if got, want := fnv1a64(s), h.Sum64(); got != want {
			t.Errorf("fnv1a64(%q): got %x, want %x", s, got, want)
		}
	}
}

func TestPick_PrefersFewerInFlight(t *testing.T) {
	c, _ := newTestCluster(t, testConfig(1, 2))
	p := c.Partitions()[0]
	begin(p.replicas[0], 3)
	for range 100 {
		if got := p.Pick(); got != p.replicas[1] {
			t.Fatalf("Pick with r0 busy: got %v, want r1", got.Name())
		}
	}
}

func TestPick_SpreadsLoad(t *testing.T) {
	c, _ := newTestCluster(t, testConfig(1, 4))
	p := c.Partitions()[0]
	for range 400 {
		p.Pick().Begin() // never finished: load accumulates
	}
	for _, r := range p.replicas {
		// Two choices keep the spread within a few requests.
		if n := r.inFlight.Load(); n < 90 || n > 110 {
			t.Errorf("%s in flight: got %d, want 100 ± 10", r.Name(), n)
		}
	}
}

func TestPick_Exclude(t *testing.T) {
	c, _ := newTestCluster(t, testConfig(1, 3))
	p := c.Partitions()[0]
	r0, r1, r2 := p.replicas[0], p.replicas[1], p.replicas[2]
	for range 50 {
		if got := p.Pick(r0, r2); got != r1 {
			t.Fatalf("Pick(exclude r0, r2): got %v, want r1", got)
		}
	}
	if got := p.Pick(r0, r1, r2); got != nil {
		t.Fatalf("Pick excluding all: got %s, want nil", got.Name())
	}
}

func TestPick_SkipsUnavailable(t *testing.T) {
	c, clk := newTestCluster(t, testConfig(1, 3))
	p := c.Partitions()[0]
	p.replicas[0].healthy.Store(false)
	p.replicas[1].ejectedUntil.Store(clk.Now().Add(1e9).UnixNano())
	for range 50 {
		if got := p.Pick(); got != p.replicas[2] {
			t.Fatalf("Pick: got %s, want r2 (r0 unhealthy, r1 ejected)", got.Name())
		}
	}
	p.replicas[2].healthy.Store(false)
	if got := p.Pick(); got != nil {
		t.Fatalf("Pick with none available: got %s, want nil", got.Name())
	}
}

func TestBegin_CountsInFlight(t *testing.T) {
	c, _ := newTestCluster(t, testConfig(1, 1))
	r := c.Partitions()[0].replicas[0]
	d1, d2 := r.Begin(), r.Begin()
	if got := r.State().InFlight; got != 2 {
		t.Fatalf("in flight after two Begins: got %d, want 2", got)
	}
	d1(Success)
	d1(Success) // ignored
	if got := r.State().InFlight; got != 1 {
		t.Fatalf("in flight after done twice on one: got %d, want 1", got)
	}
	d2(Failed)
	if got := r.State().InFlight; got != 0 {
		t.Fatalf("in flight after all done: got %d, want 0", got)
	}
}

func TestPick_Concurrent(t *testing.T) {
	cfg := testConfig(2, 3)
	cfg.Outlier.ConsecutiveFailures = 3
	cfg.Breaker.MinRequests = 10
	c, _ := newTestCluster(t, cfg)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				p := c.Partition(keyOf(i))
				r := p.Pick()
				if r == nil {
					continue
				}
				done := r.Begin()
				_ = r.State()
				o := Success
				if (i+g)%7 == 0 {
					o = Failed
				}
				done(o)
				_ = c.AnyPartition()
				_ = c.Ready()
			}
		})
	}
	wg.Wait()
	for _, p := range c.Partitions() {
		for _, r := range p.replicas {
			if n := r.inFlight.Load(); n != 0 {
				t.Errorf("%s/%s in flight after all done: got %d, want 0", p.Name(), r.Name(), n)
			}
		}
	}
}

func BenchmarkPick(b *testing.B) {
	for _, n := range []int{2, 8} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			c, _ := New(testConfig(1, n), nil, nil)
			p := c.Partitions()[0]
			b.ReportAllocs()
			for b.Loop() {
				p.Pick()
			}
		})
	}
	b.Run("pick-begin-done", func(b *testing.B) {
		c, _ := New(testConfig(1, 4), nil, nil)
		p := c.Partitions()[0]
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				p.Pick().Begin()(Success)
			}
		})
	})
}
