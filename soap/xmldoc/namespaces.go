package xmldoc

import "unsafe"

// The namespace names reserved by Namespaces in XML 1.0, 3.
const (
	xmlNS   = "http://www.w3.org/XML/1998/namespace"
	xmlnsNS = "http://www.w3.org/2000/xmlns/"
)

// nsDecl is one namespace declaration. decls[0] is the predefined xml
// prefix. prev links the declarations in scope of an element, innermost
// first (an element's scope is the index of its innermost one).
type nsDecl struct {
	prefixStart, prefixEnd int32
	prev                   int32
	shadow                 int32 // parse only: the binding of the same prefix this one hides, or -1
	prefix, uri            string
	uriStart, uriEnd       int32
	uriSet                 bool // uri is final (decoded or predefined)
}

// view returns buf[s:e] as a string sharing its memory. Bytes of buf below
// len(buf) are never written again (growing copies to a new array), so the
// string stays valid and unchanged.
func view(buf []byte, s, e int32) string {
	if s >= e {
		return ""
	}
	return unsafe.String(&buf[s], int(e-s))
}

// declare records a as a namespace declaration if it is one (Namespaces
// 3 [1]-[3]), checks the reserved prefixes and names, and binds it.
func (p *parser) declare(a *attr, e *elem) {
	name := p.buf[a.nameStart:a.nameEnd]
	var ps, pe int32
	switch {
	case a.prefixLen == 0 && string(name) == "xmlns":
		ps, pe = a.nameEnd, a.nameEnd
	case a.prefixLen == 5 && string(name[:5]) == "xmlns":
		ps, pe = a.nameStart+6, a.nameEnd
	default:
		return
	}
	a.flags |= aDecl
	d := nsDecl{prefixStart: ps, prefixEnd: pe, uriStart: a.valStart, uriEnd: a.valEnd, prev: e.scope, shadow: -1}
	if a.flags&aDecode != 0 {
		d.uri, d.uriSet = string(appendDecoded(nil, p.buf[a.valStart:a.valEnd], true)), true
	}
	uri := d.uri
	if !d.uriSet {
		uri = view(p.buf, a.valStart, a.valEnd)
	}
	prefix := view(p.buf, ps, pe)
	if p.checkDecl(int(a.nameStart), prefix, uri) {
		return // xmlns:xml with its own namespace: already bound
	}
	if v, ok := p.bind[prefix]; ok {
		d.shadow = v
	}
	if p.bind == nil {
		p.bind = make(map[string]int32, 8)
	}
	idx := int32(len(p.d.decls))
	p.d.decls = append(p.d.decls, d)
	p.bind[prefix] = idx
	e.scope = idx
	p.rebound(prefix, idx)
}

// rebound keeps the lookup caches in step with a change of binding.
func (p *parser) rebound(prefix string, idx int32) {
	p.lastOK = false
	if prefix == "" {
		p.defaultNS = -1
		if idx >= 0 && p.d.decls[idx].uriStart != p.d.decls[idx].uriEnd {
			p.defaultNS = idx
		}
	}
}

// checkDecl applies the constraints of Namespaces 3 (reserved prefixes and
// names) and 5 (no undeclaring of a prefix in 1.0). It reports whether the
// declaration is the redundant xmlns:xml one.
func (p *parser) checkDecl(off int, prefix, uri string) (redundant bool) {
	switch {
	case prefix == "xml":
		if uri != xmlNS {
			p.syntax(off, "the xml prefix must not be bound to another namespace")
		}
		return true
	case prefix == "xmlns":
		p.syntax(off, "the xmlns prefix must not be declared")
	case uri == xmlNS || uri == xmlnsNS:
		p.syntax(off, "namespace "+uri+" is reserved")
	case uri == "" && prefix != "":
		p.syntax(off, "undeclaring prefix \""+prefix+"\" is not allowed in XML 1.0 namespaces")
	}
	return false
}

// unbind ends the scope of the declarations from scope back to outer.
func (p *parser) unbind(outer, scope int32) {
	for k := scope; k != outer && k > predefinedDecl; k = p.d.decls[k].prev {
		d := &p.d.decls[k]
		key := view(p.buf, d.prefixStart, d.prefixEnd)
		if d.shadow < 0 {
			delete(p.bind, key)
		} else {
			p.bind[key] = d.shadow
		}
		p.rebound(key, d.shadow)
	}
}

// lookup returns the declaration binding the prefix buf[s:e] (Namespaces
// 7: it must exist). The last answer is cached: SOAP repeats prefixes.
func (p *parser) lookup(s, e int32) int32 {
	prefix := p.buf[s:e]
	if p.lastOK && string(prefix) == p.lastPrefix {
		return p.lastDecl
	}
	off := int(s)
	if string(prefix) == "xml" {
		return predefinedDecl
	}
	if string(prefix) == "xmlns" {
		p.syntax(off, "the xmlns prefix is reserved for namespace declarations")
	}
	v, ok := p.bind[string(prefix)]
	if !ok {
		p.syntax(off, "undeclared namespace prefix \""+string(prefix)+"\"")
	}
	p.lastPrefix, p.lastDecl, p.lastOK = view(p.buf, s, e), v, true
	return v
}

// declURI returns the namespace name of declaration k during the parse.
func (p *parser) declURI(k int32) string {
	d := &p.d.decls[k]
	if d.uriSet {
		return d.uri
	}
	return view(p.buf, d.uriStart, d.uriEnd)
}

// resolve gives e and its attributes their namespace names (Namespaces 6)
// and checks attribute uniqueness (XML 1.0, 3.1 WFC: Unique Att Spec;
// Namespaces 6.3).
func (p *parser) resolve(e *elem) {
	e.ns = p.defaultNS
	if e.prefixLen > 0 {
		e.ns = p.lookup(e.start+1, e.start+1+e.prefixLen)
	}
	attrs := p.d.attrs[e.attr0:e.attrEnd]
	for k := range attrs {
		a := &attrs[k]
		if a.flags&aDecl == 0 && a.prefixLen > 0 {
			a.ns = p.lookup(a.nameStart, a.nameStart+a.prefixLen)
		}
		if len(attrs) <= attrLinear {
			for l := range k {
				p.checkUnique(&attrs[l], a)
			}
		}
	}
	if len(attrs) > attrLinear {
		p.checkUniqueSet(attrs)
	}
}

// checkUniqueSet is checkUnique over all pairs of attrs, with a set.
func (p *parser) checkUniqueSet(attrs []attr) {
	if p.seenExpanded == nil {
		p.seenExpanded = make(map[[2]string]struct{}, 2*attrLinear)
	}
	clear(p.seenExpanded)
	for k := range attrs {
		a := &attrs[k]
		if a.ns < 0 || a.flags&aDecl != 0 {
			continue
		}
		key := [2]string{p.declURI(a.ns), view(p.buf, a.nameStart+a.prefixLen+1, a.nameEnd)}
		if _, dup := p.seenExpanded[key]; dup {
			p.syntax(int(a.nameStart), "duplicate attribute {"+key[0]+"}"+key[1])
		}
		p.seenExpanded[key] = struct{}{}
	}
}

// checkUnique refuses b when it has a's expanded name (Namespaces 6.3);
// equal qualified names were refused as the attributes were read.
func (p *parser) checkUnique(a, b *attr) {
	an, bn := p.buf[a.nameStart:a.nameEnd], p.buf[b.nameStart:b.nameEnd]
	if a.ns < 0 || b.ns < 0 || a.flags&aDecl != 0 || b.flags&aDecl != 0 {
		return
	}
	if string(an[a.prefixLen+1:]) == string(bn[b.prefixLen+1:]) && p.declURI(a.ns) == p.declURI(b.ns) {
		p.syntax(int(b.nameStart), "duplicate attribute {"+p.declURI(b.ns)+"}"+string(bn[b.prefixLen+1:]))
	}
}

// finish makes the declarations' strings refer to the final buffer.
func (p *parser) finish() {
	for k := range p.d.decls {
		d := &p.d.decls[k]
		if k == predefinedDecl {
			continue
		}
		d.prefix = view(p.buf, d.prefixStart, d.prefixEnd)
		if !d.uriSet {
			d.uri = view(p.buf, d.uriStart, d.uriEnd)
		}
	}
}
