package xmldoc

import (
	"bytes"
	"unicode/utf8"
)

// startTag parses the start tag or empty-element tag at lt (XML 1.0, 3.1
// [40], [44]), adds the element to the index and returns the offset after
// the tag.
func (p *parser) startTag(lt int) int {
	if depth := len(p.stack) + 1; depth > p.lim.MaxDepth {
		p.limit("MaxDepth", p.lim.MaxDepth, depth, lt)
	}
	if n := len(p.d.elems) + 1; n > p.lim.MaxElements {
		p.limit("MaxElements", p.lim.MaxElements, n, lt)
	}
	nameEnd, prefixLen := p.qname(lt+1, "element")
	idx := p.newElem(lt, nameEnd, prefixLen)
	e := &p.d.elems[idx] // stable: elems does not grow until this tag ends
	i, empty := p.attributes(nameEnd, e)
	e.attrEnd = int32(len(p.d.attrs))
	e.contentStart = int32(i)
	p.resolve(e)
	if empty {
		p.close(idx, i, i)
	} else {
		p.stack = append(p.stack, idx)
	}
	return i
}

// newElem appends the record of the element at lt to the index, as the
// last child of the innermost open element.
func (p *parser) newElem(lt, nameEnd, prefixLen int) int32 {
	parent, scope := int32(-1), int32(predefinedDecl)
	if n := len(p.stack); n > 0 {
		parent = p.stack[n-1]
		scope = p.d.elems[parent].scope
	}
	idx := int32(len(p.d.elems))
	if len(p.d.elems) == cap(p.d.elems) {
		c := p.growCap(len(p.d.elems), lt, p.lim.MaxElements)
		p.d.elems = append(make([]elem, 0, c), p.d.elems...)
	}
	p.d.elems = p.d.elems[:idx+1]
	p.d.elems[idx] = elem{
		start: int32(lt), nameEnd: int32(nameEnd), prefixLen: int32(prefixLen),
		parent: parent, firstChild: -1, lastChild: -1, prev: -1, next: -1,
		attr0: int32(len(p.d.attrs)), scope: scope,
	}
	if parent >= 0 {
		par := &p.d.elems[parent]
		p.d.elems[idx].prev = par.lastChild
		if par.lastChild >= 0 {
			p.d.elems[par.lastChild].next = idx
		} else {
			par.firstChild = idx
		}
		par.lastChild = idx
	}
	return idx
}

// close records the end of element idx (content ends at contentEnd, the
// element at end) and ends the scope of its namespace declarations.
func (p *parser) close(idx int32, contentEnd, end int) {
	e := &p.d.elems[idx]
	e.contentEnd, e.end = int32(contentEnd), int32(end)
	outer := int32(predefinedDecl)
	if e.parent >= 0 {
		outer = p.d.elems[e.parent].scope
	}
	p.unbind(outer, e.scope)
}

// attributes parses the attribute specifications from i up to the end of
// the tag and returns the offset after the tag and whether it was an
// empty-element tag.
func (p *parser) attributes(i int, e *elem) (int, bool) {
	for n := 1; ; n++ {
		sp := i
		i = p.skipSpace(i)
		switch p.must(i) {
		case '>':
			return i + 1, false
		case '/':
			if p.must(i+1) != '>' {
				p.syntax(i, "expected '>' after '/' in tag")
			}
			return i + 2, true
		}
		if i == sp {
			p.syntax(i, "expected whitespace, '>' or '/>' in tag")
		}
		if n > p.lim.MaxAttrs {
			p.limit("MaxAttrs", p.lim.MaxAttrs, n, i)
		}
		i = p.attribute(i, e)
	}
}

// attribute parses one attribute specification (XML 1.0, 3.1 [41]) at i
// and returns the offset after it. Namespace declarations are recorded as
// such and bound at once (Namespaces 5: they apply to the whole tag).
func (p *parser) attribute(i int, e *elem) int {
	nameEnd, prefixLen := p.qname(i, "attribute")
	j := p.skipSpace(nameEnd)
	if p.must(j) != '=' {
		p.syntax(j, "expected '=' after attribute name")
	}
	j = p.skipSpace(j + 1)
	q := p.must(j)
	if q != '"' && q != '\'' {
		p.syntax(j, "attribute value must be quoted")
	}
	quote := `"`
	if q == '\'' {
		quote = "'"
	}
	end := p.find(j+1, quote, p.lim.MaxTextLen)
	if end < 0 {
		p.unexpectedEOF(len(p.buf))
	}
	a := attr{
		nameStart: int32(i), nameEnd: int32(nameEnd), prefixLen: int32(prefixLen),
		valStart: int32(j + 1), valEnd: int32(end), ns: -1,
	}
	if p.checkText(j+1, end, true) {
		a.flags |= aDecode
	}
	p.checkNewName(e, i, nameEnd)
	p.declare(&a, e)
	if len(p.d.attrs) == cap(p.d.attrs) {
		c := p.growCap(len(p.d.attrs), i, maxOffset)
		p.d.attrs = append(make([]attr, 0, c), p.d.attrs...)
	}
	p.d.attrs = append(p.d.attrs, a)
	return end + 1
}

// qname scans a QName (Namespaces 4 [7]) at i: NCName (':' NCName)?. It
// returns the offset after it and the prefix length (0 for none).
func (p *parser) qname(i int, what string) (end, prefixLen int) {
	start, seg := i, i // seg: start of the current NCName
	limit := start + p.lim.MaxNameLen
scan:
	for {
		for b := p.buf; i < len(b); {
			if i > limit {
				p.limit("MaxNameLen", p.lim.MaxNameLen, i-start, start)
			}
			c := b[i]
			if c < utf8.RuneSelf {
				cl := asciiClass[c]
				if cl&cNameStart != 0 || cl&cName != 0 && i > seg {
					i++
					continue
				}
				if c != ':' || i == seg || seg != start {
					break scan
				}
				i++
				seg = i
				continue
			}
			if !utf8.FullRune(b[i:]) {
				p.ensure(i + utf8.UTFMax - 1)
				b = p.buf
			}
			r, size := utf8.DecodeRune(b[i:])
			if !isNameStartRune(r) && !(i > seg && isNameRune(r)) {
				break scan
			}
			i += size
		}
		if !p.fill() {
			break
		}
	}
	if i > limit {
		p.limit("MaxNameLen", p.lim.MaxNameLen, i-start, start)
	}
	if i == seg {
		p.syntax(i, "invalid or missing "+what+" name")
	}
	if c, ok := p.at(i); ok && c == ':' {
		p.syntax(i, "more than one ':' in "+what+" name")
	}
	if seg != start {
		prefixLen = seg - 1 - start
	}
	return i, prefixLen
}

// endTag parses the end tag at lt (XML 1.0, 3.1 [42]), checks that it
// matches the innermost open element, and returns the offset after it.
func (p *parser) endTag(lt int) int {
	idx := p.stack[len(p.stack)-1]
	e := &p.d.elems[idx]
	nameEnd, _ := p.qname(lt+2, "end tag")
	if !bytes.Equal(p.buf[lt+2:nameEnd], p.buf[e.start+1:e.nameEnd]) {
		p.syntax(lt, "end tag </"+string(p.buf[lt+2:nameEnd])+"> does not match start tag <"+
			string(p.buf[e.start+1:e.nameEnd])+">")
	}
	i := p.skipSpace(nameEnd)
	if p.must(i) != '>' {
		p.syntax(i, "expected '>' in end tag")
	}
	p.close(idx, lt, i+1)
	p.stack = p.stack[:len(p.stack)-1]
	return i + 1
}

// attrLinear is the attribute count up to which uniqueness is checked by
// comparing pairs; beyond it a set is used, so that a tag with MaxAttrs
// attributes costs O(n), not O(n²).
const attrLinear = 8

// checkNewName refuses the attribute name buf[s:end] if the element
// already has it (XML 1.0, 3.1 WFC: Unique Att Spec), as soon as it is read.
func (p *parser) checkNewName(e *elem, s, end int) {
	prev := p.d.attrs[e.attr0:]
	name := view(p.buf, int32(s), int32(end))
	if len(prev) < attrLinear {
		for k := range prev {
			if view(p.buf, prev[k].nameStart, prev[k].nameEnd) == name {
				p.syntax(s, "duplicate attribute "+name)
			}
		}
		return
	}
	if len(prev) == attrLinear {
		if p.seenNames == nil {
			p.seenNames = make(map[string]struct{}, 2*attrLinear)
		}
		clear(p.seenNames)
		for k := range prev {
			p.seenNames[view(p.buf, prev[k].nameStart, prev[k].nameEnd)] = struct{}{}
		}
	}
	if _, dup := p.seenNames[name]; dup {
		p.syntax(s, "duplicate attribute "+name)
	}
	p.seenNames[name] = struct{}{}
}
