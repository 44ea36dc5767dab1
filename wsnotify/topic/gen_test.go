package topic

import (
	"math/rand/v2"
	"strings"
)

// Random topics and expressions over a small alphabet, so that matches are
// frequent, for the index-versus-brute-force and round-trip tests.

var (
	genNames    = []string{"a", "b", "c"}
	genPrefixes = []string{"tns", "a", "b", ""} // "" -> no namespace
)

func genTopic(r *rand.Rand) Path {
	ns := []string{nsA, nsB, ""}[r.IntN(3)]
	names := make([]string, 1+r.IntN(4))
	for i := range names {
		names[i] = genNames[r.IntN(len(genNames))]
	}
	return Path{Namespace: ns, Names: names}
}

// genExpr returns a random expression text valid in dialect.
func genExpr(r *rand.Rand, dialect string) string {
	n := 1
	if dialect == DialectFull {
		n += r.IntN(3)
	}
	parts := make([]string, n)
	for i := range parts {
		parts[i] = genPath(r, dialect)
	}
	return strings.Join(parts, "|")
}

func genPath(r *rand.Rand, dialect string) string {
	full := dialect == DialectFull
	var b strings.Builder
	if p := genPrefixes[r.IntN(len(genPrefixes))]; p != "" {
		b.WriteString(p + ":")
	}
	if full && r.IntN(4) == 0 {
		b.WriteString("//")
	}
	if full && r.IntN(4) == 0 {
		b.WriteByte('*')
	} else {
		b.WriteString(genNames[r.IntN(len(genNames))])
	}
	if dialect == DialectSimple {
		return b.String()
	}
	for range r.IntN(4) {
		b.WriteByte('/')
		if full && r.IntN(4) == 0 {
			b.WriteByte('/')
		}
		switch k := r.IntN(6); {
		case full && k == 0:
			b.WriteByte('*')
		case full && k == 1:
			b.WriteByte('.')
		default:
			b.WriteString(genNames[r.IntN(len(genNames))])
		}
	}
	return b.String()
}
