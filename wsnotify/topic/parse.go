package topic

import "strings"

// Resolver maps a namespace prefix to its URI in the scope of the element
// holding the expression (the TopicExpression or Topic element's in-scope
// namespaces). The prefix "" asks for the default namespace; ok is false when
// the prefix is not bound. A nil Resolver binds nothing.
type Resolver func(prefix string) (uri string, ok bool)

// Limits bounds what Parse accepts from untrusted input. Zero fields take
// the defaults shown.
type Limits struct {
	MaxLen   int // bytes of the expression text; default 4096
	MaxDepth int // steps in one path; default 32, at most MaxDepth (63)
	MaxUnion int // paths joined by '|' in a Full expression; default 16
}

const (
	defaultMaxLen   = 4096
	defaultMaxDepth = 32
	defaultMaxUnion = 16
)

func (l Limits) withDefaults() Limits {
	if l.MaxLen <= 0 {
		l.MaxLen = defaultMaxLen
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = defaultMaxDepth
	}
	if l.MaxDepth > MaxDepth {
		l.MaxDepth = MaxDepth
	}
	if l.MaxUnion <= 0 {
		l.MaxUnion = defaultMaxUnion
	}
	return l
}

// Parse compiles expr in dialect with the default Limits.
func Parse(dialect, expr string, resolve Resolver) (*Expr, error) {
	return Limits{}.Parse(dialect, expr, resolve)
}

// Parse compiles expr, the text content of a TopicExpression or Topic
// element, in dialect (WS-Topics 1.3, 7). Leading and trailing XML
// whitespace is ignored (the schema types derive from xsd:token), as is
// whitespace around '|' in the Full dialect; any other whitespace is an
// error.
//
// Errors: *DialectError for a dialect other than Simple, Concrete and Full;
// *ExprError wrapping ErrInvalidExpression for bad syntax, unbound prefixes
// and exceeded limits; *ExprError wrapping ErrTopicNotSupported for a child
// topic qualified with a namespace other than its root's.
func (l Limits) Parse(dialect, expr string, resolve Resolver) (*Expr, error) {
	if !KnownDialect(dialect) {
		return nil, &DialectError{Dialect: dialect}
	}
	l = l.withDefaults()
	p := &parser{src: expr, dialect: dialect, lim: l, resolve: resolve}
	if len(expr) > l.MaxLen {
		return nil, p.fail(l.MaxLen, "longer than the limit", ErrInvalidExpression)
	}
	p.skipSpace()
	e := &Expr{dialect: dialect}
	for {
		path, err := p.path()
		if err != nil {
			return nil, err
		}
		e.paths = append(e.paths, path)
		p.skipSpace()
		if p.pos == len(p.src) {
			return e, nil
		}
		if p.src[p.pos] != '|' || dialect != DialectFull {
			return nil, p.fail(p.pos, "unexpected character", ErrInvalidExpression)
		}
		if len(e.paths) == l.MaxUnion {
			return nil, p.fail(p.pos, "more paths in the union than the limit", ErrInvalidExpression)
		}
		p.pos++
		p.skipSpace()
	}
}

// parser holds the state of one Parse call.
type parser struct {
	src     string
	pos     int
	dialect string
	lim     Limits
	resolve Resolver
}

func (p *parser) full() bool { return p.dialect == DialectFull }

func (p *parser) fail(at int, reason string, err error) *ExprError {
	return &ExprError{Dialect: p.dialect, Expr: quote(p.src), Offset: at, Reason: reason, Err: err}
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) && strings.IndexByte(" \t\r\n", p.src[p.pos]) >= 0 {
		p.pos++
	}
}

func (p *parser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *parser) startsDoubleSlash() bool {
	return strings.HasPrefix(p.src[p.pos:], "//")
}

// ncname scans an NCName at the current position.
func (p *parser) ncname() (string, bool) {
	end := scanNCName(p.src, p.pos)
	if end == p.pos {
		return "", false
	}
	name := p.src[p.pos:end]
	p.pos = end
	return name, true
}

func (p *parser) lookup(prefix string, at int) (string, error) {
	if p.resolve != nil {
		if uri, ok := p.resolve(prefix); ok {
			return uri, nil
		}
	}
	if prefix == "" {
		return "", nil // no default namespace: the name is in no namespace
	}
	return "", p.fail(at, "namespace prefix "+prefix+" is not bound", ErrInvalidExpression)
}
