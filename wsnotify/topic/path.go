package topic

import (
	"fmt"
	"strings"
)

// MaxDepth is the hard bound on the number of names in a topic path and of
// steps in a compiled expression path: matching keeps the reachable
// positions of a topic path in one uint64 (positions 0..depth).
const MaxDepth = 63

// Path identifies one topic (WS-Topics 1.3, 4): the URI of its topic
// namespace ("" for no namespace) and the names from the root topic down,
// Names[0] being the root topic. Child topics belong to the namespace of
// their root. Build paths with NewPath or Expr.Topic, which validate.
type Path struct {
	Namespace string
	Names     []string
}

// NewPath returns the topic path namespace + names after checking that there
// is at least one name, at most MaxDepth, and that each is an NCName.
func NewPath(namespace string, names ...string) (Path, error) {
	p := Path{Namespace: namespace, Names: names}
	if err := p.Validate(); err != nil {
		return Path{}, err
	}
	return p, nil
}

// ParseClark parses a topic path in Clark notation, "{ns}root/child"
// (the form Path.String writes).
func ParseClark(s string) (Path, error) {
	ns := ""
	if strings.HasPrefix(s, "{") {
		end := strings.IndexByte(s, '}')
		if end < 0 {
			return Path{}, fmt.Errorf("%q: unclosed {namespace}", s)
		}
		ns, s = s[1:end], s[end+1:]
	}
	return NewPath(ns, strings.Split(s, "/")...)
}

// Validate reports why p is not a topic path, or nil.
func (p Path) Validate() error {
	if len(p.Names) == 0 {
		return fmt.Errorf("topic path has no root topic: %w", ErrInvalidExpression)
	}
	if len(p.Names) > MaxDepth {
		return fmt.Errorf("topic path depth %d over %d: %w", len(p.Names), MaxDepth, ErrInvalidExpression)
	}
	for i, n := range p.Names {
		if !IsNCName(n) {
			return fmt.Errorf("topic path name %d %q is not an NCName: %w", i, quote(n), ErrInvalidExpression)
		}
	}
	return nil
}

// String renders p as {namespace}root/child/..., for logs and keys.
func (p Path) String() string {
	var b strings.Builder
	b.WriteByte('{')
	b.WriteString(p.Namespace)
	b.WriteByte('}')
	for i, n := range p.Names {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(n)
	}
	return b.String()
}

// Equal reports whether p and q name the same topic.
func (p Path) Equal(q Path) bool {
	if p.Namespace != q.Namespace || len(p.Names) != len(q.Names) {
		return false
	}
	for i := range p.Names {
		if p.Names[i] != q.Names[i] {
			return false
		}
	}
	return true
}
