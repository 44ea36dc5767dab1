package topic

import "strings"

// Expr is a compiled topic expression: the union of one or more topic paths
// (only the Full dialect, 7.3, has more than one). It is immutable and safe
// for concurrent use. The zero Expr matches nothing.
type Expr struct {
	dialect string
	paths   []pathExpr
}

// pathExpr is one TopicPath of the 7.3 grammar, or the whole of a Simple or
// Concrete expression.
type pathExpr struct {
	prefix string // prefix written on the root, kept for String
	ns     string // topic namespace URI; unused when anyNS
	anyNS  bool   // unprefixed '*' root: any namespace (XPath 1.0 NameTest)
	steps  []step // steps[0] is the root step, evaluated from the namespace
}

type stepKind uint8

const (
	stepName stepKind = iota // NCName or QName: a topic with that name
	stepAny                  // '*': any topic
	stepSelf                 // '.': the context topic itself
)

// step is one location step. desc marks a step introduced by '//': XPath
// descendant-or-self::node() followed by the step.
type step struct {
	desc   bool
	kind   stepKind
	name   string
	prefix string // prefix written on a qualified child step, kept for String
}

// Dialect returns the dialect URI the expression was parsed in.
func (e *Expr) Dialect() string { return e.dialect }

// Match reports whether topic t is selected by e.
func (e *Expr) Match(t Path) bool {
	for i := range e.paths {
		if e.paths[i].match(t) {
			return true
		}
	}
	return false
}

// Topic returns the single topic e identifies when e is a Simple or Concrete
// expression, or a Full expression of one path without wildcards ('*', '//')
// or an any-namespace root. ok is false otherwise: such an expression may
// select several topics (the broker's MultipleTopicsSpecifiedFault for
// GetCurrentMessage, and the check that a Notify names one topic).
func (e *Expr) Topic() (p Path, ok bool) {
	if len(e.paths) != 1 || !e.paths[0].exact() {
		return Path{}, false
	}
	return e.paths[0].topic(), true
}

// Concrete reports whether every path of e names exactly one topic, so that
// e selects a fixed, finite set of topics (Topics).
func (e *Expr) Concrete() bool {
	for i := range e.paths {
		if !e.paths[i].exact() {
			return false
		}
	}
	return len(e.paths) > 0
}

// Topics returns the topics of a Concrete expression, one per path (a Full
// union may repeat a topic), or nil when e is not Concrete.
func (e *Expr) Topics() []Path {
	if !e.Concrete() {
		return nil
	}
	out := make([]Path, len(e.paths))
	for i := range e.paths {
		out[i] = e.paths[i].topic()
	}
	return out
}

// String renders e in its dialect, with the prefixes it was written with:
// Parse(e.Dialect(), e.String(), sameResolver) gives an Equal expression.
func (e *Expr) String() string {
	var b strings.Builder
	for i := range e.paths {
		if i > 0 {
			b.WriteByte('|')
		}
		e.paths[i].write(&b)
	}
	return b.String()
}

// Equal reports whether e and f have the same dialect and the same paths
// (namespaces and steps; the prefixes used to write them are ignored).
func (e *Expr) Equal(f *Expr) bool {
	if e.dialect != f.dialect || len(e.paths) != len(f.paths) {
		return false
	}
	for i := range e.paths {
		if !e.paths[i].equal(&f.paths[i]) {
			return false
		}
	}
	return true
}

func (p *pathExpr) equal(q *pathExpr) bool {
	if p.anyNS != q.anyNS || !p.anyNS && p.ns != q.ns || len(p.steps) != len(q.steps) {
		return false
	}
	for i, s := range p.steps {
		t := q.steps[i]
		if s.desc != t.desc || s.kind != t.kind || s.name != t.name {
			return false
		}
	}
	return true
}

// exact reports whether p selects exactly one topic: a namespace and only
// name steps without '//' (a plain '.' step selects its context and changes
// nothing).
func (p *pathExpr) exact() bool {
	if p.anyNS {
		return false
	}
	for _, s := range p.steps {
		if s.desc || s.kind == stepAny {
			return false
		}
	}
	return true
}

// topic returns the topic of an exact path.
func (p *pathExpr) topic() Path {
	names := make([]string, 0, len(p.steps))
	for _, s := range p.steps {
		if s.kind == stepName {
			names = append(names, s.name)
		}
	}
	return Path{Namespace: p.ns, Names: names}
}

func (p *pathExpr) write(b *strings.Builder) {
	if p.prefix != "" {
		b.WriteString(p.prefix)
		b.WriteByte(':')
	}
	for i, s := range p.steps {
		switch {
		case s.desc:
			b.WriteString("//")
		case i > 0:
			b.WriteByte('/')
		}
		switch s.kind {
		case stepAny:
			b.WriteByte('*')
		case stepSelf:
			b.WriteByte('.')
		default:
			if s.prefix != "" {
				b.WriteString(s.prefix)
				b.WriteByte(':')
			}
			b.WriteString(s.name)
		}
	}
}
