package topic

// Grammar (t-1.xsd annotations; WS-Topics 1.3, 7.1-7.3):
//
//	Simple:   RootTopic ::= QName
//	Concrete: ConcreteTopicPath ::= RootTopic ChildTopic*
//	          RootTopic ::= QName
//	          ChildTopic ::= '/' (QName | NCName)
//	Full:     TopicPathExpression ::= TopicPath ( '|' TopicPath )*
//	          TopicPath ::= RootTopic ChildTopicExpression*
//	          RootTopic ::= NamespacePrefix? ('//')? (NCName | '*')
//	          NamespacePrefix ::= NCName ':'
//	          ChildTopicExpression ::= '/' '/'? (QName | NCName | '*' | '.')

// path parses one topic path at the current position.
func (p *parser) path() (pathExpr, error) {
	var pe pathExpr
	if err := p.root(&pe); err != nil {
		return pathExpr{}, err
	}
	if p.dialect == DialectSimple {
		return pe, nil
	}
	for p.peek() == '/' {
		if len(pe.steps) == p.lim.MaxDepth {
			return pathExpr{}, p.fail(p.pos, "path deeper than the limit", ErrInvalidExpression)
		}
		if err := p.child(&pe); err != nil {
			return pathExpr{}, err
		}
	}
	return pe, nil
}

// root parses RootTopic and resolves the path's namespace. An unprefixed
// NCName is a QName in the default namespace (xsd:QName); an unprefixed '*'
// is an XPath 1.0 NameTest '*' and matches root topics of any namespace.
func (p *parser) root(pe *pathExpr) error {
	start := p.pos
	var s step
	if name, ok := p.ncname(); ok {
		if p.peek() != ':' {
			s.name = name // unprefixed NCName root
			uri, err := p.lookup("", start)
			pe.ns, pe.steps = uri, append(pe.steps, s)
			return err
		}
		p.pos++
		pe.prefix = name
	}
	if p.startsDoubleSlash() {
		if !p.full() {
			return p.fail(p.pos, "'//' is only allowed in the Full dialect", ErrInvalidExpression)
		}
		s.desc = true
		p.pos += 2
	}
	if err := p.test(&s, false); err != nil {
		return err
	}
	pe.steps = append(pe.steps, s)
	if pe.prefix == "" && s.kind == stepAny {
		pe.anyNS = true
		return nil
	}
	uri, err := p.lookup(pe.prefix, start)
	pe.ns = uri
	return err
}

// child parses ChildTopic / ChildTopicExpression, starting at its '/'.
func (p *parser) child(pe *pathExpr) error {
	p.pos++ // '/'
	var s step
	if p.peek() == '/' {
		if !p.full() {
			return p.fail(p.pos, "'//' is only allowed in the Full dialect", ErrInvalidExpression)
		}
		s.desc = true
		p.pos++
	}
	if err := p.test(&s, true); err != nil {
		return err
	}
	if s.prefix != "" {
		if err := p.qualify(pe, s.prefix); err != nil {
			return err
		}
	}
	pe.steps = append(pe.steps, s)
	return nil
}

// test parses the node test of a step: NCName, '*' (Full), '.' (Full, child
// steps only) or, when child, a QName whose prefix is left in s.prefix.
func (p *parser) test(s *step, child bool) error {
	at := p.pos
	switch c := p.peek(); {
	case c == '*' || c == '.' && child:
		if !p.full() {
			return p.fail(at, "wildcards are only allowed in the Full dialect", ErrInvalidExpression)
		}
		s.kind = stepAny
		if c == '.' {
			s.kind = stepSelf
		}
		p.pos++
		return nil
	}
	name, ok := p.ncname()
	if !ok {
		return p.fail(at, "expected a topic name", ErrInvalidExpression)
	}
	s.kind, s.name = stepName, name
	if !child || p.peek() != ':' {
		return nil
	}
	p.pos++
	if s.name, ok = p.ncname(); !ok {
		return p.fail(p.pos, "expected a local name after the prefix", ErrInvalidExpression)
	}
	s.prefix = name
	return nil
}

// qualify checks a prefixed child step: child topics belong to the
// namespace of their root (WS-Topics 1.3, 4), so the prefix must resolve to
// that namespace. Under an any-namespace root ('*') the first qualified
// child fixes the namespace of the path.
func (p *parser) qualify(pe *pathExpr, prefix string) error {
	at := p.pos
	uri, err := p.lookup(prefix, at)
	if err != nil {
		return err
	}
	if pe.anyNS {
		pe.anyNS, pe.ns = false, uri
		return nil
	}
	if uri != pe.ns {
		return p.fail(at, "child topic "+prefix+":... is not in the namespace of its root", ErrTopicNotSupported)
	}
	return nil
}
