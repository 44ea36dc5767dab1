package testservice

import (
	"bytes"
	"encoding/xml"
	"strconv"
	"strings"

	"github.com/wsgw/wsgw/soap/xmldoc"
)

// Namespaces used in replies.
const (
	nsTest = "http://example.org/ts-tests"
	nsXSD  = "http://example.org/ts-tests/xsd"
	nsXS   = "http://www.w3.org/2001/XMLSchema"
	nsXSI  = "http://www.w3.org/2001/XMLSchema-instance"
	nsEnc  = "http://www.w3.org/2003/05/soap-encoding"
	nsRPC  = "http://www.w3.org/2003/05/soap-rpc"
	nsXML  = "http://www.w3.org/XML/1998/namespace"
)

// prefixes maps the namespaces every reply envelope declares to their
// prefixes; copied elements reuse them.
var replyPrefixes = map[string]string{
	nsTest: "test", nsXSD: "ns2", nsXS: "xsd", nsXSI: "xsi", nsEnc: "enc", nsRPC: "rpc", nsXML: "xml",
}

// scope is the set of namespace bindings in force at a point of the output.
type scope struct {
	byNS     map[string]string // namespace URI -> prefix
	byPrefix map[string]string // prefix -> namespace URI
}

func rootScope(decls map[string]string) scope {
	s := scope{byNS: map[string]string{}, byPrefix: map[string]string{}}
	for ns, p := range decls {
		s.byNS[ns] = p
		s.byPrefix[p] = ns
	}
	return s
}

// bind returns the prefix for ns in s, declaring it (into decl, on a copy
// of s) when needed; want is the preferred prefix.
func (s *scope) bind(ns, want string, decl *bytes.Buffer) string {
	if p, ok := s.byNS[ns]; ok {
		return p
	}
	if want == "" || want == "xml" || want == "xmlns" || s.byPrefix[want] != "" {
		for i := 1; ; i++ {
			want = "p" + strconv.Itoa(i)
			if s.byPrefix[want] == "" {
				break
			}
		}
	}
	s.copyOnWrite()
	s.byNS[ns], s.byPrefix[want] = want, ns
	decl.WriteString(` xmlns:` + want + `="`)
	escapeAttr(decl, ns)
	decl.WriteByte('"')
	return want
}

func (s *scope) copyOnWrite() {
	byNS := make(map[string]string, len(s.byNS)+1)
	byPrefix := make(map[string]string, len(s.byPrefix)+1)
	for k, v := range s.byNS {
		byNS[k] = v
	}
	for k, v := range s.byPrefix {
		byPrefix[k] = v
	}
	s.byNS, s.byPrefix = byNS, byPrefix
}

// qnameAttrs are attributes whose value is a QName to re-prefix on copy.
var qnameAttrs = map[xml.Name]bool{
	{Space: nsXSI, Local: "type"}:     true,
	{Space: nsEnc, Local: "itemType"}: true,
}

// copyElement writes e and its descendants to b under the name rename (e's
// own name when zero), declaring the namespaces it uses. extra is written
// verbatim into the start tag (it must only use prefixes of s). Character
// data between child elements (mixed content) is dropped; comments are not
// copied.
func copyElement(b *bytes.Buffer, e xmldoc.Element, s scope, rename xml.Name, extra string) {
	name := e.Name()
	if rename.Local != "" {
		name = rename
	}
	var decl, attrs bytes.Buffer
	tag := name.Local
	if name.Space != "" {
		tag = s.bind(name.Space, e.Prefix(), &decl) + ":" + name.Local
	}
	for _, a := range e.Attrs() {
		an := a.Name.Local
		if a.Name.Space != "" {
			an = s.bind(a.Name.Space, replyPrefixes[a.Name.Space], &decl) + ":" + an
		}
		val := a.Value
		if qnameAttrs[a.Name] {
			if q, ok := e.ResolveQName(a.Value); ok && q.Space != "" {
				val = s.bind(q.Space, replyPrefixes[q.Space], &decl) + ":" + q.Local
			}
		}
		attrs.WriteString(" " + an + `="`)
		escapeAttr(&attrs, val)
		attrs.WriteByte('"')
	}
	b.WriteString("<" + tag)
	b.Write(decl.Bytes())
	b.Write(attrs.Bytes())
	b.WriteString(extra)
	b.WriteByte('>')
	if e.HasChildElements() {
		for c := e.FirstChild(); c.Valid(); c = c.NextSibling() {
			copyElement(b, c, s, xml.Name{}, "")
		}
	} else {
		escapeText(b, e.Text())
	}
	b.WriteString("</" + tag + ">")
}

func escapeText(b *bytes.Buffer, s string) {
	_ = xml.EscapeText(b, []byte(s))
}

func escapeAttr(b *bytes.Buffer, s string) {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "\t", "&#9;", "\n", "&#10;", "\r", "&#13;")
	b.WriteString(r.Replace(s))
}
