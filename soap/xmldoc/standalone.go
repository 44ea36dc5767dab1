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
// an element taken out of the Body).
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
		if slices.Contains(omit, uri) {
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
