package xmldoc

import (
	"bytes"
	"unicode/utf8"
)

// appendDecoded appends the value of character data or an attribute value
// b, which the parser has validated: references replaced (XML 1.0, 4.1),
// line ends normalised to LF (2.11) and, in attribute values, each
// whitespace character replaced by a space (3.3.3; without a DTD every
// attribute is CDATA, so nothing more is normalised).
func appendDecoded(dst, b []byte, inAttr bool) []byte {
	for len(b) > 0 {
		k := 0
		for k < len(b) && b[k] != '&' && b[k] != '\r' && !(inAttr && (b[k] == '\n' || b[k] == '\t')) {
			k++
		}
		dst = append(dst, b[:k]...)
		if k == len(b) {
			break
		}
		b = b[k:]
		switch b[0] {
		case '&':
			end := bytes.IndexByte(b, ';')
			r, _ := decodeRef(b[1:end])
			dst = utf8.AppendRune(dst, r)
			b = b[end+1:]
			continue
		case '\r':
			if len(b) > 1 && b[1] == '\n' {
				b = b[1:]
			}
		}
		if inAttr {
			dst = append(dst, ' ')
		} else {
			dst = append(dst, '\n')
		}
		b = b[1:]
	}
	return dst
}

// appendText appends the character data of element i: the text directly in
// it, or with deep all the text of its descendants too (the XPath string
// value, 5.2).
func (d *Doc) appendText(dst []byte, i int32, deep bool) []byte {
	r := &d.elems[i]
	pos := r.contentStart
	for c := r.firstChild; c >= 0; c = d.elems[c].next {
		dst = d.appendGap(dst, pos, d.elems[c].start)
		if deep {
			dst = d.appendText(dst, c, true)
		}
		pos = d.elems[c].end
	}
	return d.appendGap(dst, pos, r.contentEnd)
}

// appendGap appends the text of raw[s:e], a run of content without
// elements: character data, CDATA sections and comments.
func (d *Doc) appendGap(dst []byte, s, e int32) []byte {
	b := d.raw[s:e]
	for len(b) > 0 {
		k := bytes.IndexByte(b, '<')
		if k < 0 {
			return appendDecoded(dst, b, false)
		}
		dst = appendDecoded(dst, b[:k], false)
		b = b[k:]
		if bytes.HasPrefix(b, []byte("<!--")) {
			b = b[bytes.Index(b[4:], []byte("-->"))+7:]
			continue
		}
		b = b[9:] // "<![CDATA["
		end := bytes.Index(b, []byte("]]>"))
		dst = appendNewlines(dst, b[:end])
		b = b[end+3:]
	}
	return dst
}

// appendNewlines appends b with line ends normalised (XML 1.0, 2.11).
func appendNewlines(dst, b []byte) []byte {
	for {
		k := bytes.IndexByte(b, '\r')
		if k < 0 {
			return append(dst, b...)
		}
		dst = append(append(dst, b[:k]...), '\n')
		b = b[k+1:]
		if len(b) > 0 && b[0] == '\n' {
			b = b[1:]
		}
	}
}

// gapHasText reports whether raw[s:e] holds a text node: any character
// data or CDATA section, not only comments.
func (d *Doc) gapHasText(s, e int32) bool {
	b := d.raw[s:e]
	for len(b) > 0 {
		if !bytes.HasPrefix(b, []byte("<!--")) {
			return true
		}
		b = b[bytes.Index(b[4:], []byte("-->"))+7:]
	}
	return false
}

// gapText returns the text of raw[s:e], without copying when it needs no
// decoding.
func (d *Doc) gapText(s, e int32) string {
	b := d.raw[s:e]
	if bytes.IndexByte(b, '<') < 0 && bytes.IndexByte(b, '&') < 0 && bytes.IndexByte(b, '\r') < 0 {
		return d.str(s, e)
	}
	return string(d.appendGap(nil, s, e))
}

// isNCName reports whether s is an NCName (Namespaces 3 [4]).
func isNCName(s string) bool {
	if s == "" {
		return false
	}
	for k, r := range s {
		if r < utf8.RuneSelf {
			cl := asciiClass[r]
			if cl&cNameStart == 0 && (k == 0 || cl&cName == 0) {
				return false
			}
		} else if !isNameStartRune(r) && (k == 0 || !isNameRune(r)) {
			return false
		}
	}
	return true
}
