package topic

import "testing"

const (
	nsA = "http://example.org/a"
	nsB = "http://example.org/b"
)

// scope is a Resolver over a fixed prefix table.
func scope(bindings map[string]string) Resolver {
	return func(prefix string) (string, bool) {
		uri, ok := bindings[prefix]
		return uri, ok
	}
}

// testScope binds a and tns to nsA, b to nsB, and no default namespace.
var testScope = scope(map[string]string{"a": nsA, "tns": nsA, "b": nsB})

func mustParse(t testing.TB, dialect, expr string) *Expr {
	t.Helper()
	e, err := Parse(dialect, expr, testScope)
	if err != nil {
		t.Fatalf("Parse(%s, %q): %v", dialectName(dialect), expr, err)
	}
	return e
}

func mustPath(t testing.TB, ns string, names ...string) Path {
	t.Helper()
	p, err := NewPath(ns, names...)
	if err != nil {
		t.Fatalf("NewPath(%q, %q): %v", ns, names, err)
	}
	return p
}
