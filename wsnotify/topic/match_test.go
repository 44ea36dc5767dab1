package topic

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// topicOf builds a path in nsA from "a/b/c", or in another namespace from
// "{uri}a/b".
func topicOf(t testing.TB, s string) Path {
	t.Helper()
	ns := nsA
	if strings.HasPrefix(s, "{") {
		end := strings.IndexByte(s, '}')
		ns, s = s[1:end], s[end+1:]
	}
	return mustPath(t, ns, strings.Split(s, "/")...)
}

func TestExpr_Match(t *testing.T) {
	topics := []string{"r", "r/c", "r/c/d", "r/x", "r/x/c", "q", "q/r", "{" + nsB + "}r", "{}r"}
	tests := []struct {
		dialect, expr string
		want          []string // the topics matched
	}{
		{DialectSimple, "tns:r", []string{"r"}},
		{DialectSimple, "b:r", []string{"{" + nsB + "}r"}},
		{DialectSimple, "r", []string{"{}r"}},
		{DialectConcrete, "tns:r/c", []string{"r/c"}},
		{DialectConcrete, "tns:r/c/d", []string{"r/c/d"}},
		{DialectConcrete, "tns:r/nope", nil},
		{DialectFull, "tns:r/c", []string{"r/c"}},
		{DialectFull, "tns:r/.", []string{"r"}},
		{DialectFull, "tns:r/./c/.", []string{"r/c"}},
		{DialectFull, "tns:*", []string{"r", "q"}},
		{DialectFull, "tns:r/*", []string{"r/c", "r/x"}},
		{DialectFull, "tns:*/c", []string{"r/c"}},
		{DialectFull, "tns:r//*", []string{"r/c", "r/c/d", "r/x", "r/x/c"}},
		{DialectFull, "tns:r//.", []string{"r", "r/c", "r/c/d", "r/x", "r/x/c"}},
		{DialectFull, "tns:r//c", []string{"r/c", "r/x/c"}},
		{DialectFull, "tns:r//c/.", []string{"r/c", "r/x/c"}},
		{DialectFull, "tns:r//c//.", []string{"r/c", "r/c/d", "r/x/c"}},
		{DialectFull, "tns://*", []string{"r", "r/c", "r/c/d", "r/x", "r/x/c", "q", "q/r"}},
		{DialectFull, "tns://r", []string{"r", "q/r"}},
		{DialectFull, "tns://c/d", []string{"r/c/d"}},
		{DialectFull, "tns://*/c", []string{"r/c", "r/x/c"}},
		{DialectFull, "tns:*/*/*", []string{"r/c/d", "r/x/c"}},
		{DialectFull, "tns:r/*//.", []string{"r/c", "r/c/d", "r/x", "r/x/c"}},
		{DialectFull, "tns:r/c|tns:q", []string{"r/c", "q"}},
		{DialectFull, "tns:r/c|tns:r/c", []string{"r/c"}},
		{DialectFull, "tns:q/r|b:*", []string{"q/r", "{" + nsB + "}r"}},
		{DialectFull, "*", []string{"r", "q", "{" + nsB + "}r", "{}r"}},
		{DialectFull, "//*", topics},
		{DialectFull, "//r", []string{"{}r"}},
		{DialectFull, "*/tns:c", []string{"r/c"}},
	}
	for _, tt := range tests {
		e := mustParse(t, tt.dialect, tt.expr)
		want := make(map[string]bool)
		for _, w := range tt.want {
			want[w] = true
		}
		for _, s := range topics {
			if got := e.Match(topicOf(t, s)); got != want[s] {
				t.Errorf("Parse(%s, %q).Match(%s): got %v, want %v", dialectName(tt.dialect), tt.expr, s, got, want[s])
			}
		}
	}
}

func TestExpr_MatchDeepTopic(t *testing.T) {
	names := make([]string, MaxDepth)
	for i := range names {
		names[i] = "n"
	}
	deep := mustPath(t, nsA, names...)
	for _, tt := range []struct {
		expr string
		want bool
	}{
		{"tns://*", true},
		{"tns:n//.", true},
		{"tns:n//n/n", true},
		{"tns:n/n", false},
		{"tns:n" + strings.Repeat("/n", MaxDepth-1), true},
	} {
		e, err := Limits{MaxDepth: MaxDepth}.Parse(DialectFull, tt.expr, testScope)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.expr, err)
		}
		if got := e.Match(deep); got != tt.want {
			t.Errorf("Parse(%q).Match(depth %d): got %v, want %v", tt.expr, MaxDepth, got, tt.want)
		}
	}
}

func TestExpr_MatchZero(t *testing.T) {
	var e Expr
	if e.Match(mustPath(t, nsA, "r")) {
		t.Errorf("zero Expr.Match: got true, want false")
	}
	if (&e).Match(Path{Namespace: nsA}) {
		t.Errorf("Match(empty path): got true, want false")
	}
}

func TestExpr_Topic(t *testing.T) {
	tests := []struct {
		dialect, expr string
		want          string // Path.String(), "" when not a single topic
	}{
		{DialectSimple, "tns:r", "{" + nsA + "}r"},
		{DialectConcrete, "tns:r/c", "{" + nsA + "}r/c"},
		{DialectFull, "tns:r/./c", "{" + nsA + "}r/c"},
		{DialectFull, "tns:r/*", ""},
		{DialectFull, "tns:r|tns:q", ""},
		{DialectFull, "tns:r//.", ""},
		{DialectFull, "*/tns:c", ""},
	}
	for _, tt := range tests {
		p, ok := mustParse(t, tt.dialect, tt.expr).Topic()
		got := ""
		if ok {
			got = p.String()
		}
		if got != tt.want {
			t.Errorf("Parse(%q).Topic(): got %q, want %q", tt.expr, got, tt.want)
		}
	}
}

func TestExpr_Topics(t *testing.T) {
	e := mustParse(t, DialectFull, "tns:r/c|b:q")
	got := e.Topics()
	if len(got) != 2 || got[0].String() != "{"+nsA+"}r/c" || got[1].String() != "{"+nsB+"}q" {
		t.Errorf("Topics(): got %v, want [{%s}r/c {%s}q]", got, nsA, nsB)
	}
	if got := mustParse(t, DialectFull, "tns:r|tns:*").Topics(); got != nil {
		t.Errorf("Topics() of a wildcard union: got %v, want nil", got)
	}
}

// refMatch is a plain set-of-depths evaluation of p against t (no bit
// tricks), the reference for the bitset matcher.
func refMatch(p *pathExpr, t Path) bool {
	if !p.anyNS && p.ns != t.Namespace || len(t.Names) == 0 {
		return false
	}
	d := len(t.Names)
	cur := map[int]bool{0: true}
	for _, s := range p.steps {
		next := map[int]bool{}
		for i := range cur {
			lo, hi := i+1, i+1 // child: depth i+1
			if s.desc {
				hi = d // descendant: any depth below i
			}
			if s.kind == stepSelf {
				lo = i // self, or descendant-or-self
				if !s.desc {
					hi = i
				}
			}
			for j := lo; j <= hi && j <= d; j++ {
				if s.kind == stepName && t.Names[j-1] != s.name {
					continue
				}
				next[j] = true
			}
		}
		cur = next
	}
	return cur[d]
}

func TestExpr_MatchAgreesWithReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		expr := genExpr(r, DialectFull)
		e, err := Parse(DialectFull, expr, testScope)
		if err != nil {
			continue
		}
		topic := genTopic(r)
		want := false
		for i := range e.paths {
			want = want || refMatch(&e.paths[i], topic)
		}
		if got := e.Match(topic); got != want {
			t.Fatalf("Parse(%q).Match(%v): got %v, want %v", expr, topic, got, want)
		}
	}
}
