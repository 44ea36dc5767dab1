package xmldoc

import "bytes"

// checkText validates the character data or attribute value buf[s:e]:
// references (XML 1.0, 4.1 [66]-[68]) must be character references to legal
// Chars or one of the five predefined entities (4.6); attribute values must
// not contain '<' (3.1 [10]); character data must not contain "]]>" (2.4).
// It reports whether the value needs decoding (a reference, a CR, or, in
// attribute values, whitespace to normalise).
func (p *parser) checkText(s, e int, inAttr bool) (decode bool) {
	b := p.buf[s:e]
	if len(b) < shortRun {
		return p.checkShort(b, s, inAttr)
	}
	if inAttr {
		if k := bytes.IndexByte(b, '<'); k >= 0 {
			p.syntax(s+k, "'<' in attribute value")
		}
		decode = bytes.ContainsAny(b, "\t\n\r")
	} else {
		if k := bytes.Index(b, []byte("]]>")); k >= 0 {
			p.syntax(s+k, "\"]]>\" in character data")
		}
		decode = bytes.IndexByte(b, '\r') >= 0
	}
	for k := bytes.IndexByte(b, '&'); k >= 0; {
		decode = true
		n, msg := checkRef(b[k:])
		if msg != "" {
			p.syntax(s+k, msg)
		}
		next := bytes.IndexByte(b[k+n:], '&')
		if next < 0 {
			break
		}
		k += n + next
	}
	return decode
}

// shortRun is the length below which one pass over the bytes beats the
// vectorised searches of checkText.
const shortRun = 64

// Bytes that checkShort looks at twice.
var (
	specialInText = byteSet("&\r]")
	specialInAttr = byteSet("&\r\n\t<")
)

func byteSet(s string) (t [256]bool) {
	for i := range len(s) {
		t[s[i]] = true
	}
	return t
}

// checkShort is checkText in one pass, for short runs (such as the
// whitespace between tags).
func (p *parser) checkShort(b []byte, s int, inAttr bool) (decode bool) {
	special := &specialInText
	if inAttr {
		special = &specialInAttr
	}
	for k := 0; k < len(b); k++ {
		c := b[k]
		if !special[c] {
			continue
		}
		switch c {
		case '&':
			n, msg := checkRef(b[k:])
			if msg != "" {
				p.syntax(s+k, msg)
			}
			k += n - 1
		case '<':
			p.syntax(s+k, "'<' in attribute value")
		case ']':
			if bytes.HasPrefix(b[k:], []byte("]]>")) {
				p.syntax(s+k, "\"]]>\" in character data")
			}
			continue
		}
		decode = true
	}
	return decode
}

// checkRef checks the reference at the start of b ("&...;") and returns
// its length, or an error message.
func checkRef(b []byte) (n int, msg string) {
	end := bytes.IndexByte(b, ';')
	if end < 0 {
		return 0, "'&' not starting a reference (want &name; or &#N;)"
	}
	if _, ok := decodeRef(b[1:end]); !ok {
		if end > 1 && b[1] == '#' {
			return 0, "invalid character reference " + string(b[:end+1])
		}
		return 0, "undefined entity " + string(b[:end+1]) + " (no DTD: only the five predefined entities exist)"
	}
	return end + 1, ""
}

// decodeRef returns the character a reference body (between '&' and ';')
// stands for.
func decodeRef(b []byte) (rune, bool) {
	if len(b) >= 2 && b[0] == '#' {
		digits, base := b[1:], uint32(10)
		if digits[0] == 'x' {
			digits, base = digits[1:], 16
		}
		return parseCharRef(digits, base)
	}
	switch string(b) {
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "amp":
		return '&', true
	case "apos":
		return '\'', true
	case "quot":
		return '"', true
	}
	return 0, false
}

// parseCharRef parses the digits of a character reference (leading zeros
// allowed) and checks that they name a Char (XML 1.0, 4.1 WFC: Legal
// Character).
func parseCharRef(digits []byte, base uint32) (rune, bool) {
	if len(digits) == 0 {
		return 0, false
	}
	var v uint32
	for _, c := range digits {
		var d uint32
		switch {
		case c >= '0' && c <= '9':
			d = uint32(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = uint32(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = uint32(c-'A') + 10
		default:
			return 0, false
		}
		v = v*base + d
		if v > 0x10FFFF {
			return 0, false
		}
	}
	return rune(v), isChar(rune(v))
}
