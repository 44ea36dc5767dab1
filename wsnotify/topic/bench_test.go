package topic

import (
	"fmt"
	"runtime"
	"strconv"
	"testing"
)

// buildIndex subscribes n subscriptions: 90% Concrete on distinct topics
// tns:tK/cJ, 10% Full wildcards on distinct prefixes tns:wK//*. It returns
// the index and a topic that exactly three subscriptions match (one
// Concrete, two added for it: a wildcard and a union).
func buildIndex(b *testing.B, n int) (*Index, Path) {
	b.Helper()
	x := NewIndex()
	for i := range n {
		var expr, dialect string
		if i%10 == 0 {
			dialect, expr = DialectFull, "tns:w"+strconv.Itoa(i)+"//*"
		} else {
			dialect, expr = DialectConcrete, "tns:t"+strconv.Itoa(i)+"/c"+strconv.Itoa(i%7)
		}
		x.Add("sub-"+strconv.Itoa(i), mustParse(b, dialect, expr))
	}
	x.Add("hot-concrete", mustParse(b, DialectConcrete, "tns:hot/c"))
	x.Add("hot-wild", mustParse(b, DialectFull, "tns:hot/*"))
	x.Add("hot-union", mustParse(b, DialectFull, "tns:cold|tns:hot//."))
	return x, mustPath(b, nsA, "hot", "c")
}

// BenchmarkIndex_Match: matching a topic that 3 of n subscriptions select;
// ns/op stays flat as n grows by 100x.
func BenchmarkIndex_Match(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("subs=%d", n), func(b *testing.B) {
			x, topic := buildIndex(b, n)
			dst := make([]string, 0, 16)
			b.ReportAllocs()
			for b.Loop() {
				dst = x.AppendMatch(dst[:0], topic)
			}
			if len(dst) != 3 {
				b.Fatalf("matched %d, want 3", len(dst))
			}
		})
	}
}

// BenchmarkIndex_MatchUnmatched: a topic no subscription selects.
func BenchmarkIndex_MatchUnmatched(b *testing.B) {
	x, _ := buildIndex(b, 100000)
	topic := mustPath(b, nsA, "t5", "nope")
	b.ReportAllocs()
	for b.Loop() {
		if len(x.Match(topic)) != 0 {
			b.Fatal("unexpected match")
		}
	}
}

// BenchmarkIndex_MemoryPerSubscription reports the heap retained per
// subscription (index plus compiled expression, and the id string) for
// 100,000 subscriptions of the buildIndex mix.
func BenchmarkIndex_MemoryPerSubscription(b *testing.B) {
	const n = 100000
	for b.Loop() {
		before := heapInUse()
		x, _ := buildIndex(b, n)
		after := heapInUse()
		b.ReportMetric(float64(after-before)/n, "B/sub")
		runtime.KeepAlive(x)
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func BenchmarkParse_Full(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(DialectFull, "tns:r//c/*|b:q/./x", testScope); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExpr_MatchFull(b *testing.B) {
	e := mustParse(b, DialectFull, "tns:r//c/*|b:q")
	topic := mustPath(b, nsA, "r", "x", "c", "d")
	b.ReportAllocs()
	for b.Loop() {
		if !e.Match(topic) {
			b.Fatal("no match")
		}
	}
}

// BenchmarkIndex_MatchDescendantWildcards: n subscriptions tns://xK (any
// depth, literal prefix empty) are bucketed by their last name, so a topic
// ending in another name does not evaluate them.
func BenchmarkIndex_MatchDescendantWildcards(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("subs=%d", n), func(b *testing.B) {
			x := NewIndex()
			for i := range n {
				x.Add("sub-"+strconv.Itoa(i), mustParse(b, DialectFull, "tns://x"+strconv.Itoa(i)))
			}
			x.Add("hot", mustParse(b, DialectFull, "tns://c"))
			topic := mustPath(b, nsA, "hot", "c")
			dst := make([]string, 0, 4)
			b.ReportAllocs()
			for b.Loop() {
				dst = x.AppendMatch(dst[:0], topic)
			}
			if len(dst) != 1 {
				b.Fatalf("matched %d, want 1", len(dst))
			}
		})
	}
}
