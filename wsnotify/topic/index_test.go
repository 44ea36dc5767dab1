package topic

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

func TestIndex_Match(t *testing.T) {
	x := NewIndex()
	x.Add("s-exact", mustParse(t, DialectSimple, "tns:r"))
	x.Add("s-child", mustParse(t, DialectConcrete, "tns:r/c"))
	x.Add("s-other", mustParse(t, DialectConcrete, "tns:q/c"))
	x.Add("s-star", mustParse(t, DialectFull, "tns:r/*"))
	x.Add("s-desc", mustParse(t, DialectFull, "tns://c"))
	x.Add("s-any", mustParse(t, DialectFull, "*"))
	x.Add("s-union", mustParse(t, DialectFull, "tns:r/c|tns:r//."))
	x.Add("s-b", mustParse(t, DialectSimple, "b:r"))
	tests := []struct {
		topic Path
		want  []string
	}{
		{mustPath(t, nsA, "r"), []string{"s-any", "s-exact", "s-union"}},
		{mustPath(t, nsA, "r", "c"), []string{"s-child", "s-desc", "s-star", "s-union"}},
		{mustPath(t, nsA, "q", "c"), []string{"s-desc", "s-other"}},
		{mustPath(t, nsA, "z"), []string{"s-any"}},
		{mustPath(t, nsB, "r"), []string{"s-any", "s-b"}},
		{mustPath(t, "urn:none", "r", "x"), nil},
	}
	for _, tt := range tests {
		if got := x.Match(tt.topic); !slices.Equal(got, tt.want) {
			t.Errorf("Match(%v): got %q, want %q", tt.topic, got, tt.want)
		}
	}
}

func TestIndex_AddReplacesAndRemove(t *testing.T) {
	x := NewIndex()
	rc := mustPath(t, nsA, "r", "c")
	x.Add("s", mustParse(t, DialectConcrete, "tns:r/c"))
	x.Add("s", mustParse(t, DialectConcrete, "tns:q"))
	if got := x.Match(rc); len(got) != 0 {
		t.Errorf("Match after replace: got %q, want none", got)
	}
	if got := x.Len(); got != 1 {
		t.Errorf("Len: got %d, want 1", got)
	}
	if !x.Remove("s") {
		t.Errorf("Remove(s): got false, want true")
	}
	if x.Remove("s") {
		t.Errorf("second Remove(s): got true, want false")
	}
	if got := x.Len(); got != 0 {
		t.Errorf("Len after Remove: got %d, want 0", got)
	}
	if len(x.roots) != 0 || !x.any.empty() {
		t.Errorf("trie after removing everything: got %d roots, any-namespace empty %v, want none", len(x.roots), x.any.empty())
	}
}

func TestIndex_PrunesOnlyEmptyNodes(t *testing.T) {
	x := NewIndex()
	x.Add("deep", mustParse(t, DialectConcrete, "tns:r/c/d"))
	x.Add("mid", mustParse(t, DialectFull, "tns:r/*"))
	x.Remove("deep")
	if got := x.Match(mustPath(t, nsA, "r", "c")); !slices.Equal(got, []string{"mid"}) {
		t.Errorf("Match after removing a deeper sibling: got %q, want [mid]", got)
	}
	r := x.roots[nsA].child("r")
	if len(r.few)+len(r.many) != 0 {
		t.Errorf("node r children after Remove: got %d, want 0", len(r.few)+len(r.many))
	}
}

// TestIndex_EquivalentToBruteForce checks, over random expressions and
// topics, that Index.Match equals filtering all expressions with Expr.Match,
// also after random removals and replacements.
func TestIndex_EquivalentToBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	dialects := Dialects()
	x := NewIndex()
	exprs := make(map[string]*Expr)
	for i := range 2000 {
		d := dialects[r.IntN(len(dialects))]
		e, err := Parse(d, genExpr(r, d), testScope)
		if err != nil {
			continue // e.g. a qualified child in another namespace
		}
		id := fmt.Sprintf("s%d", i%1500) // some ids are replaced
		x.Add(id, e)
		exprs[id] = e
	}
	for id := range exprs {
		if r.IntN(4) == 0 {
			x.Remove(id)
			delete(exprs, id)
		}
	}
	nonEmpty := 0
	for range 3000 {
		topic := genTopic(r)
		var want []string
		for id, e := range exprs {
			if e.Match(topic) {
				want = append(want, id)
			}
		}
		slices.Sort(want)
		if got := x.Match(topic); !slices.Equal(got, want) {
			t.Fatalf("Match(%v): got %q, want %q", topic, got, want)
		}
		if len(want) > 0 {
			nonEmpty++
		}
	}
	if nonEmpty < 1000 {
		t.Errorf("topics with matches: got %d of 3000, want >= 1000 (generator too sparse)", nonEmpty)
	}
}

func TestIndex_ConcurrentUse(t *testing.T) {
	x := NewIndex()
	topic := mustPath(t, nsA, "r", "c")
	e := mustParse(t, DialectFull, "tns:r//.")
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 200 {
				id := fmt.Sprintf("w%d-%d", w, i)
				x.Add(id, e)
				x.Match(topic)
				if i%2 == 0 {
					x.Remove(id)
				}
			}
		})
	}
	wg.Wait()
	if got := len(x.Match(topic)); got != 400 {
		t.Errorf("Match after concurrent Add/Remove: got %d ids, want 400", got)
	}
}

func TestIndex_ManyChildren(t *testing.T) {
	x := NewIndex()
	const n = 3 * maxFew
	for i := range n {
		x.Add(fmt.Sprint("s", i), mustParse(t, DialectConcrete, fmt.Sprintf("tns:r/c%d", i)))
	}
	for i := range n {
		topic := mustPath(t, nsA, "r", fmt.Sprint("c", i))
		if got := x.Match(topic); !slices.Equal(got, []string{fmt.Sprint("s", i)}) {
			t.Errorf("Match(%v): got %q, want [s%d]", topic, got, i)
		}
		if i%2 == 0 {
			x.Remove(fmt.Sprint("s", i))
		}
	}
	for i := range n {
		topic := mustPath(t, nsA, "r", fmt.Sprint("c", i))
		if got, want := len(x.Match(topic)), i%2; got != want {
			t.Errorf("Match(%v) after removals: got %d ids, want %d", topic, got, want)
		}
	}
}
