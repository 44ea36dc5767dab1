package xmldoc

import (
	"bytes"
	"encoding/xml"
	"maps"
	"slices"
)

// Standalone returns e's bytes as a self-contained element: the namespace
// bindings e inherits from its ancestors and does not declare itself are
// added to its start tag, so that the element keeps its meaning (prefixed
// names, QName-valued content) when it is carried into another document.
// The rest of the element is the input's bytes, unchanged. Bindings to a
// namespace URI in omit are not added (a SOAP envelope's own namespace, for
// an element taken out of the Body) unless the element may use them: the
// default namespace, or a prefix that appears as the start of a name
// followed by a colon anywhere in the element's bytes (an element or
// attribute name, or a QName in content; a false match only keeps a
// binding).
func (e Element) Standalone(omit ...string) []byte {
	if !e.Valid() {
		return nil
	}
	start, end := e.Span()
	raw := e.doc.raw
	inherited := e.Parent().InScopeNamespaces()
	for p := range e.NamespaceDecls() {
		delete(inherited, p)
	}
	for p, uri := range inherited {
		if p != "" && slices.Contains(omit, uri) && !usesPrefix(raw[start:end], p) {
			delete(inherited, p)
		}
	}
	nameEnd := start + 1 + len(e.Name().Local) // after "<local"
	if p := e.Prefix(); p != "" {
		nameEnd += len(p) + 1
	}
	var b bytes.Buffer
	b.Grow(end - start + 64*len(inherited))
	b.Write(raw[start:nameEnd])
	for _, p := range slices.Sorted(maps.Keys(inherited)) {
		if p == "" {
			b.WriteString(` xmlns="`)
		} else {
			b.WriteString(` xmlns:` + p + `="`)
		}
		xml.EscapeText(&b, []byte(inherited[p])) //nolint:errcheck // bytes.Buffer never fails
		b.WriteByte('"')
	}
	b.Write(raw[nameEnd:end])
	return b.Bytes()
}

// usesPrefix reports whether "p:" occurs in b not preceded by a name
// character (so "xmlns:" is no use of "s").
func usesPrefix(b []byte, p string) bool {
	pat := []byte(p + ":")
	for i := 0; ; {
		j := bytes.Index(b[i:], pat)
		if j < 0 {
			return false
		}
		if i+j == 0 || !isNameByte(b[i+j-1]) {
			return true
		}
		i += j + 1
	}
}

func isNameByte(c byte) bool {
	return c >= 0x80 || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '-' || c == '_' || c == ':'
}
