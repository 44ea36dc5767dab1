package xmldoc

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// Character classes of ASCII bytes (XML 1.0, 2.2 and 2.3).
const (
	cNameStart = 1 << iota // NameStartChar (':' excluded: QNames are split apart)
	cName                  // NameChar other than NameStartChar
	cSpace                 // S: #x20 | #x9 | #xD | #xA
	cIllegal               // not a Char (control characters)
)

var asciiClass = func() (t [128]uint8) {
	for c := 0; c < 0x20; c++ {
		t[c] = cIllegal
	}
	for _, c := range "\t\n\r " {
		t[c] = cSpace
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = cNameStart
		t[c-'a'+'A'] = cNameStart
	}
	t['_'] = cNameStart
	for c := '0'; c <= '9'; c++ {
		t[c] = cName
	}
	t['-'], t['.'] = cName, cName
	return t
}()

func isSpace(c byte) bool { return c < 0x80 && asciiClass[c] == cSpace }

// isNameStartRune reports NameStartChar for non-ASCII runes (XML 1.0, 2.3 [4]).
func isNameStartRune(r rune) bool {
	switch {
	case r >= 0xC0 && r <= 0xD6, r >= 0xD8 && r <= 0xF6, r >= 0xF8 && r <= 0x2FF,
		r >= 0x370 && r <= 0x37D, r >= 0x37F && r <= 0x1FFF, r >= 0x200C && r <= 0x200D,
		r >= 0x2070 && r <= 0x218F, r >= 0x2C00 && r <= 0x2FEF, r >= 0x3001 && r <= 0xD7FF,
		r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFFD, r >= 0x10000 && r <= 0xEFFFF:
		return true
	}
	return false
}

// isNameRune reports NameChar for non-ASCII runes (XML 1.0, 2.3 [4a]).
func isNameRune(r rune) bool {
	return isNameStartRune(r) || r == 0xB7 || r >= 0x300 && r <= 0x36F || r >= 0x203F && r <= 0x2040
}

// isChar reports the Char production (XML 1.0, 2.2 [2]).
func isChar(r rune) bool {
	switch {
	case r < 0x20:
		return r == 0x9 || r == 0xA || r == 0xD
	case r <= 0xD7FF:
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return true
	case r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}

const (
	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
)

// checkChars validates b as UTF-8 text of legal Chars (XML 1.0, 2.2). An
// incomplete sequence at the end is not an error unless final is set; n is
// how many bytes were checked. base is b's offset in the document.
func checkChars(b []byte, base int, final bool) (n int, err error) {
	i := 0
	for i < len(b) {
		// Fast path: eight bytes of printable ASCII.
		if i+8 <= len(b) {
			w := binary.LittleEndian.Uint64(b[i:])
			if w&hi8 == 0 && (w-0x20*lo8)&^w&hi8 == 0 {
				i += 8
				continue
			}
		}
		c := b[i]
		if c < 0x80 {
			if asciiClass[c] == cIllegal {
				return i, charError(base+i, rune(c))
			}
			i++
			continue
		}
		if !final && !utf8.FullRune(b[i:]) {
			return i, nil
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i, &SyntaxError{Offset: int64(base + i), Msg: "invalid UTF-8"}
		}
		if !isChar(r) {
			return i, charError(base+i, r)
		}
		i += size
	}
	return i, nil
}

func charError(off int, r rune) error {
	return &SyntaxError{Offset: int64(off), Msg: fmt.Sprintf("illegal character %U", r)}
}
