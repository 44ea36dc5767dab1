package xmldoc

// content parses the root element at i and everything inside it (XML 1.0,
// 3.1 [39]-[43]) and returns the offset after its end tag.
func (p *parser) content(i int) int {
	i = p.startTag(i)
	for len(p.stack) > 0 {
		j := p.charData(i)
		switch p.must(j + 1) {
		case '/':
			i = p.endTag(j)
		case '?':
			p.pi(j)
		case '!':
			i = p.markup(j)
		default:
			i = p.startTag(j)
		}
	}
	return i
}

// markup parses a comment or CDATA section inside an element; a DOCTYPE is
// forbidden anywhere.
func (p *parser) markup(i int) int {
	top := &p.d.elems[p.stack[len(p.stack)-1]]
	switch {
	case p.hasPrefix(i, "<!--"):
		top.flags |= fDecode
		return p.comment(i)
	case p.hasPrefix(i, "<![CDATA["):
		top.flags |= fDecode
		return p.cdata(i)
	case p.hasPrefix(i, "<!DOCTYPE"):
		p.fail(&ForbiddenError{Offset: int64(i), Construct: "DOCTYPE"})
	}
	p.syntax(i, "invalid markup: want comment or CDATA section after \"<!\"")
	return 0
}

// charData scans character data (XML 1.0, 2.4 [14]) from i to the next
// '<' and returns its offset. It validates references and records on the
// enclosing element whether its text needs decoding.
func (p *parser) charData(i int) int {
	j := p.find(i, "<", p.lim.MaxTextLen)
	if j < 0 {
		p.unexpectedEOF(len(p.buf))
	}
	if j == i {
		return j
	}
	if p.checkText(i, j, false) {
		p.d.elems[p.stack[len(p.stack)-1]].flags |= fDecode
	}
	return j
}

// comment parses the comment at i (XML 1.0, 2.5 [15]) and returns the
// offset after it.
func (p *parser) comment(i int) int {
	j := p.find(i+4, "--", p.lim.MaxTextLen)
	if j < 0 {
		p.unexpectedEOF(len(p.buf))
	}
	if p.must(j+2) != '>' {
		p.syntax(j, "\"--\" inside comment")
	}
	return j + 3
}

// cdata parses the CDATA section at i (XML 1.0, 2.7 [18]-[21]) and returns
// the offset after it.
func (p *parser) cdata(i int) int {
	j := p.find(i+9, "]]>", p.lim.MaxTextLen)
	if j < 0 {
		p.unexpectedEOF(len(p.buf))
	}
	return j + 3
}
