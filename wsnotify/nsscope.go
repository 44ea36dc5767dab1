package wsnotify

import (
	"bytes"
	"html"
	"maps"
	"slices"

	"github.com/wsgw/wsgw/soap/xmldoc"
)

// xmldoc gives no way to list the namespace declarations in scope at an
// element (Element.Attrs leaves declarations out, LookupNamespace needs the
// prefix). The broker needs the list twice: for the namespace bindings of a
// filter (WS-BaseNotification 1.3, 4.2: prefixes in MessageContent resolve in
// the Filter's scope) and to cut a self-contained fragment out of a message
// (a notification payload re-sent in another envelope). Until xmldoc offers
// Element.InScopeNamespaces, the declarations are read here from the start
// tags of the element and its ancestors, whose bytes the guarded reader has
// already checked.

// inScope returns the namespace bindings in scope at e, prefix -> URI, ""
// for the default namespace; undeclared defaults (xmlns="") are left out.
func inScope(raw []byte, e xmldoc.Element) map[string]string {
	m := map[string]string{}
	seen := map[string]bool{}
	for ; e.Valid(); e = e.Parent() {
		s, _ := e.Span()
		for _, d := range startTagDecls(raw, s) {
			if !seen[d[0]] {
				seen[d[0]] = true
				if d[1] != "" {
					m[d[0]] = d[1]
				}
			}
		}
	}
	return m
}

// startTagDecls returns the namespace declarations (prefix, URI) written in
// the start tag at raw[s].
func startTagDecls(raw []byte, s int) [][2]string {
	var out [][2]string
	i := nameEnd(raw, s+1)
	for i < len(raw) {
		for i < len(raw) && isSpace(raw[i]) {
			i++
		}
		if i >= len(raw) || raw[i] == '>' || raw[i] == '/' {
			break
		}
		ns := i
		for i < len(raw) && raw[i] != '=' && !isSpace(raw[i]) {
			i++
		}
		name := string(raw[ns:i])
		for i < len(raw) && raw[i] != '"' && raw[i] != '\'' {
			i++
		}
		if i >= len(raw) {
			break
		}
		q := raw[i]
		vs := i + 1
		ve := bytes.IndexByte(raw[vs:], q)
		if ve < 0 {
			break
		}
		i = vs + ve + 1
		switch {
		case name == "xmlns":
			out = append(out, [2]string{"", html.UnescapeString(string(raw[vs : vs+ve]))})
		case len(name) > 6 && name[:6] == "xmlns:":
			out = append(out, [2]string{name[6:], html.UnescapeString(string(raw[vs : vs+ve]))})
		}
	}
	return out
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// nameEnd returns the index after the element name starting at raw[i].
func nameEnd(raw []byte, i int) int {
	for i < len(raw) && !isSpace(raw[i]) && raw[i] != '>' && raw[i] != '/' {
		i++
	}
	return i
}

// fragment returns e's bytes as a self-contained element: the declarations
// in scope from its ancestors that e does not redeclare are added to its
// start tag (after extraAttrs, which must be well-formed attributes with a
// leading space, or "").
func fragment(raw []byte, e xmldoc.Element, extraAttrs string) []byte {
	s, end := e.Span()
	inherited := inScope(raw, e.Parent())
	for _, d := range startTagDecls(raw, s) {
		delete(inherited, d[0])
	}
	ne := nameEnd(raw, s+1)
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
