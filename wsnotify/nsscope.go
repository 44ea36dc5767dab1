package wsnotify

import (
	"bytes"
	"maps"
	"slices"

	"github.com/wsgw/wsgw/soap/xmldoc"
)

// fragment returns e's bytes as a self-contained element: the namespace
// bindings e inherits and does not declare itself are added to its start
// tag (after extraAttrs, which must be well-formed attributes with a
// leading space, or ""), so that QName-valued content keeps its meaning
// when the element is re-sent in another envelope.
func fragment(raw []byte, e xmldoc.Element, extraAttrs string) []byte {
	s, end := e.Span()
	inherited := e.Parent().InScopeNamespaces()
	for p := range e.NamespaceDecls() {
		delete(inherited, p)
	}
	ne := s + 1 + len(e.Name().Local)
	if p := e.Prefix(); p != "" {
		ne += len(p) + 1
	}
	var b bytes.Buffer
	b.Grow(end - s + 64*len(inherited))
	b.Write(raw[s:ne])
	for _, p := range slices.Sorted(maps.Keys(inherited)) {
		if p == "" {
			b.WriteString(` xmlns="`)
		} else {
			b.WriteString(` xmlns:` + p + `="`)
		}
		escapeAttr(&b, inherited[p])
		b.WriteByte('"')
	}
	b.WriteString(extraAttrs)
	b.Write(raw[ne:end])
	return b.Bytes()
}

// escapeAttr writes s escaped for a double-quoted attribute value or text.
func escapeAttr(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '\r':
			b.WriteString("&#xD;")
		case '\n':
			b.WriteString("&#xA;")
		case '\t':
			b.WriteString("&#x9;")
		default:
			b.WriteByte(c)
		}
	}
}

// esc returns s escaped for XML text or attributes.
func esc(s string) string {
	var b bytes.Buffer
	escapeAttr(&b, s)
	return b.String()
}
