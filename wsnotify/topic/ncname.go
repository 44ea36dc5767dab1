package topic

import "unicode/utf8"

// NCName production of Namespaces in XML 1.0 (Name of XML 1.0 fifth edition,
// 2.3, without ':'). Topic names are NCNames (t-1.xsd TopicType/@name).

// IsNCName reports whether s is a non-empty, valid UTF-8 NCName.
func IsNCName(s string) bool {
	if s == "" {
		return false
	}
	return scanNCName(s, 0) == len(s)
}

// scanNCName returns the end offset of the NCName starting at s[i:], or i
// when none starts there.
func scanNCName(s string, i int) int {
	start := i
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		if i == start && !isNameStart(r) || i > start && !isNameChar(r) {
			break
		}
		i += size
	}
	return i
}

func isNameStart(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '_':
		return true
	case r < 0xC0:
		return false
	}
	return r <= 0xD6 || r >= 0xD8 && r <= 0xF6 || r >= 0xF8 && r <= 0x2FF ||
		r >= 0x370 && r <= 0x37D || r >= 0x37F && r <= 0x1FFF ||
		r >= 0x200C && r <= 0x200D || r >= 0x2070 && r <= 0x218F ||
		r >= 0x2C00 && r <= 0x2FEF || r >= 0x3001 && r <= 0xD7FF ||
		r >= 0xF900 && r <= 0xFDCF || r >= 0xFDF0 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0xEFFFF
}

func isNameChar(r rune) bool {
	switch {
	case isNameStart(r), r == '-', r == '.', r >= '0' && r <= '9', r == 0xB7:
		return true
	}
	return r >= 0x300 && r <= 0x36F || r >= 0x203F && r <= 0x2040
}
