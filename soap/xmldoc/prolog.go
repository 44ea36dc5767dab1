package xmldoc

import "bytes"

// document parses document ::= prolog element Misc* (XML 1.0, 2.1 [1]).
func (p *parser) document() {
	i := 0
	if p.hasPrefix(0, "\xEF\xBB\xBF") { // UTF-8 byte order mark (4.3.3)
		i = 3
	}
	if p.hasPrefix(i, "<?xml") {
		if c, _ := p.at(i + 5); isSpace(c) || c == '?' {
			i = p.xmlDecl(i)
		}
	}
	i = p.misc(i)
	if _, ok := p.at(i); !ok {
		p.syntax(i, "no root element")
	}
	if p.buf[i] != '<' {
		p.syntax(i, "character data before the root element")
	}
	i = p.content(i)
	i = p.misc(i)
	if _, ok := p.at(i); ok {
		if p.buf[i] == '<' {
			p.syntax(i, "second root element")
		}
		p.syntax(i, "content after the root element")
	}
}

// misc skips Misc* (XML 1.0, 2.8 [27]): whitespace and comments; it
// refuses processing instructions and document type declarations. It
// returns the offset of the first byte that is not Misc.
func (p *parser) misc(i int) int {
	for {
		i = p.skipSpace(i)
		c, ok := p.at(i)
		if !ok || c != '<' {
			return i
		}
		switch {
		case p.hasPrefix(i, "<!--"):
			i = p.comment(i)
		case p.hasPrefix(i, "<?"):
			p.pi(i)
		case p.hasPrefix(i, "<!DOCTYPE"):
			p.fail(&ForbiddenError{Offset: int64(i), Construct: "DOCTYPE"})
		case p.hasPrefix(i, "<!"):
			p.syntax(i, "invalid markup declaration outside the root element")
		default:
			return i
		}
	}
}

// pi refuses the processing instruction at i (SOAP 1.2 Part 1, 5). A
// misplaced XML declaration is a syntax error (XML 1.0, 2.8 [23]).
func (p *parser) pi(i int) {
	p.ensure(i + 5)
	if len(p.buf) >= i+5 && bytes.EqualFold(p.buf[i+2:i+5], []byte("xml")) {
		if c, ok := p.at(i + 5); !ok || isSpace(c) || c == '?' {
			p.syntax(i, "XML declaration not at the start of the document")
		}
	}
	p.fail(&ForbiddenError{Offset: int64(i), Construct: "processing instruction"})
}

const maxXMLDecl = 512 // far more than any legal declaration needs

// xmlDecl parses the XML declaration at i (XML 1.0, 2.8 [23]-[26], 4.3.3
// [80]-[81], 2.9 [32]) and returns the offset after it. Only version 1.0 and
// encoding UTF-8 (or its alias UTF8, or none) are accepted.
func (p *parser) xmlDecl(i int) int {
	p.ensure(i + maxXMLDecl)
	end := bytes.Index(p.buf[i:min(len(p.buf), i+maxXMLDecl)], []byte("?>"))
	if end < 0 {
		p.syntax(i, "XML declaration not terminated within 512 bytes")
	}
	end += i
	b := p.buf[i+5 : end] // pseudo-attributes, no slices kept past here
	off := i + 5
	seen := 0
	for {
		t := bytes.TrimLeft(b, " \t\r\n")
		if len(t) == 0 {
			break
		}
		if len(t) == len(b) {
			p.syntax(off, "missing whitespace in XML declaration")
		}
		off += len(b) - len(t)
		name, val, rest, ok := pseudoAttr(t)
		if !ok {
			p.syntax(off, "malformed XML declaration")
		}
		seen = p.declAttr(off, seen, name, val)
		off += len(t) - len(rest)
		b = rest
	}
	if seen == 0 {
		p.syntax(i, "XML declaration without version")
	}
	return end + 2
}

// declAttr checks one pseudo-attribute of the XML declaration; order is
// version, encoding, standalone. seen is the index of the last one seen.
func (p *parser) declAttr(off, seen int, name, val []byte) int {
	switch {
	case string(name) == "version" && seen == 0:
		if string(val) != "1.0" {
			p.syntax(off, "unsupported XML version \""+string(val)+"\"")
		}
		return 1
	case string(name) == "encoding" && seen == 1:
		// "UTF8" is not an IANA name, but common (libxml2 takes it, and the
		// SOAP 1.2 test collection's T66 uses it); the bytes are UTF-8.
		if !bytes.EqualFold(val, []byte("UTF-8")) && !bytes.EqualFold(val, []byte("UTF8")) {
			p.syntax(off, "unsupported encoding \""+string(val)+"\"")
		}
		return 2
	case string(name) == "standalone" && (seen == 1 || seen == 2):
		if string(val) != "yes" && string(val) != "no" {
			p.syntax(off, "invalid standalone value \""+string(val)+"\"")
		}
		return 3
	}
	p.syntax(off, "unexpected \""+string(name)+"\" in XML declaration")
	return 0
}

// pseudoAttr splits name S? '=' S? quoted-value off the front of b.
func pseudoAttr(b []byte) (name, val, rest []byte, ok bool) {
	n := 0
	for n < len(b) && (b[n] >= 'a' && b[n] <= 'z') {
		n++
	}
	name = b[:n]
	b = bytes.TrimLeft(b[n:], " \t\r\n")
	if n == 0 || len(b) == 0 || b[0] != '=' {
		return nil, nil, nil, false
	}
	b = bytes.TrimLeft(b[1:], " \t\r\n")
	if len(b) == 0 || b[0] != '"' && b[0] != '\'' {
		return nil, nil, nil, false
	}
	q := bytes.IndexByte(b[1:], b[0])
	if q < 0 {
		return nil, nil, nil, false
	}
	return name, b[1 : 1+q], b[q+2:], true
}
