package cluster

import (
	"fmt"
	"math"
	"strconv"
	"testing"
)

const numKeys = 10000

func keyOf(i int) string { return "key-" + strconv.Itoa(i) }

// assignment maps each test key to its partition's name.
func assignment(c *Cluster) []string {
	out := make([]string, numKeys)
	for i := range out {
		out[i] = c.Partition(keyOf(i)).Name()
	}
	return out
}

func namedConfig(names ...string) Config {
	cfg := Config{}
	for _, n := range names {
		cfg.Partitions = append(cfg.Partitions, PartitionConfig{Name: n, Replicas: []string{"http://" + n + ":80"}})
	}
	return cfg
}

func partNames(n int) []string {
	var out []string
	for i := range n {
		out = append(out, "p"+strconv.Itoa(i))
	}
	return out
}

func TestPartition_SameKeySamePartition(t *testing.T) {
	a, _ := newTestCluster(t, testConfig(5, 1))
	b, _ := newTestCluster(t, testConfig(5, 1))
	for i := range 1000 {
		k := keyOf(i)
		if pa, pb := a.Partition(k).Name(), b.Partition(k).Name(); pa != pb || a.Partition(k) != a.Partition(k) {
			t.Fatalf("key %s: got %s and %s from two clusters, want the same", k, pa, pb)
		}
	}
}

// TestPartition_Stable pins the mapping: it must not change between
// processes, releases or platforms, or keys would move on upgrade.
func TestPartition_Stable(t *testing.T) {
	c, _ := newTestCluster(t, namedConfig("p0", "p1", "p2", "p3"))
	want := map[string]string{"IBM": "p2", "MSFT": "p3", "AAPL": "p2", "GOOG": "p1", "": "p1", "key-42": "p0"}
	for k, w := range want {
		if got := c.Partition(k).Name(); got != w {
			t.Errorf("Partition(%q): got %s, want %s", k, got, w)
		}
	}
}

func TestPartition_AddingMovesAboutOneOverN(t *testing.T) {
	for _, n := range []int{1, 2, 4, 8, 16} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			before, _ := newTestCluster(t, namedConfig(partNames(n)...))
			after, _ := newTestCluster(t, namedConfig(partNames(n+1)...))
			newName := "p" + strconv.Itoa(n)
			moved := 0
			b, a := assignment(before), assignment(after)
			for i := range b {
				if b[i] != a[i] {
					moved++
					if a[i] != newName {
						t.Fatalf("key %d moved %s -> %s, want moves only to %s", i, b[i], a[i], newName)
					}
				}
			}
			want := float64(numKeys) / float64(n+1)
			if math.Abs(float64(moved)-want) > 0.15*want {
				t.Fatalf("keys moved adding a partition to %d: got %d, want %.0f ± 15%%", n, moved, want)
			}
		})
	}
}

func TestPartition_RemovingMovesOnlyItsKeys(t *testing.T) {
	before, _ := newTestCluster(t, namedConfig("a", "b", "c", "d", "e"))
	after, _ := newTestCluster(t, namedConfig("a", "b", "d", "e")) // "c" removed
	b, a := assignment(before), assignment(after)
	for i := range b {
		if b[i] != "c" && a[i] != b[i] {
			t.Fatalf("key %d moved %s -> %s, want only keys of c to move", i, b[i], a[i])
		}
	}
}

func TestPartition_ReorderingMovesNothing(t *testing.T) {
	x, _ := newTestCluster(t, namedConfig("a", "b", "c"))
	y, _ := newTestCluster(t, namedConfig("c", "a", "b"))
	bx, by := assignment(x), assignment(y)
	for i := range bx {
		if bx[i] != by[i] {
			t.Fatalf("key %d: got %s and %s under two orders, want the same", i, bx[i], by[i])
		}
	}
}

func TestPartition_DistributionRoughlyEven(t *testing.T) {
	for _, n := range []int{2, 3, 8, 16} {
		c, _ := newTestCluster(t, namedConfig(partNames(n)...))
		counts := make(map[string]int)
		for _, p := range assignment(c) {
			counts[p]++
		}
		want := float64(numKeys) / float64(n)
		for _, p := range c.Partitions() {
			if got := float64(counts[p.Name()]); math.Abs(got-want) > 0.2*want {
				t.Errorf("%d partitions: %s got %.0f keys, want %.0f ± 20%%", n, p.Name(), got, want)
			}
		}
	}
}

func TestAnyPartition_MostAvailableCapacity(t *testing.T) {
	c, clk := newTestCluster(t, testConfig(3, 2))
	ps := c.Partitions()
	// p0: 4 in flight on 2 replicas (2 each); p1: 3 on 2 (1.5); p2: 1 on
	// its one available replica (1) -> p2.
	begin(ps[0].replicas[0], 2)
	begin(ps[0].replicas[1], 2)
	begin(ps[1].replicas[0], 3)
	begin(ps[2].replicas[0], 1)
	ps[2].replicas[1].healthy.Store(false)
	if got := c.AnyPartition(); got != ps[2] {
		t.Fatalf("AnyPartition: got %s, want p2", got.Name())
	}
	// p2 loses its last replica: p1 has the lowest load per replica.
	ps[2].replicas[0].healthy.Store(false)
	if got := c.AnyPartition(); got != ps[1] {
		t.Fatalf("AnyPartition with p2 down: got %s, want p1", got.Name())
	}
	_ = clk
}

func TestAnyPartition_TiesRandom(t *testing.T) {
	c, _ := newTestCluster(t, testConfig(3, 1))
	seen := make(map[string]int)
	for range 300 {
		seen[c.AnyPartition().Name()]++
	}
	if len(seen) != 3 {
		t.Fatalf("AnyPartition over idle partitions: got %v, want all three chosen", seen)
	}
}

func TestAnyPartition_NoneAvailable(t *testing.T) {
	c, _ := newTestCluster(t, testConfig(2, 1))
	for _, p := range c.Partitions() {
		p.replicas[0].healthy.Store(false)
	}
	p := c.AnyPartition()
	if p == nil || p.Pick() != nil {
		t.Fatalf("AnyPartition with nothing available: got %v, want a partition whose Pick is nil", p)
	}
	if c.Ready() {
		t.Fatalf("Ready: got true, want false")
	}
}

// begin starts n requests on r and never finishes them.
func begin(r *Replica, n int) {
	for range n {
		r.Begin()
	}
}

func BenchmarkPartition(b *testing.B) {
	for _, n := range []int{2, 16, 128} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			c, _ := newTestCluster(b, namedConfig(partNames(n)...))
			keys := make([]string, 1024)
			for i := range keys {
				keys[i] = "SYMBOL-" + strconv.Itoa(i)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				_ = c.Partition(keys[i&1023])
				i++
			}
		})
	}
}
