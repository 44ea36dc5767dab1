package xmldoc

import (
	"encoding/xml"
	"strings"

	"github.com/antchfx/xpath"
)

// Element is a handle to one element of a Doc. The zero Element is invalid;
// on an invalid Element every method returns zero values (and Navigator
// nil), so chains like body.FirstChild().Name() need no checks between.
type Element struct {
	doc *Doc
	i   int32
}

// noElem is the record of the invalid Element: it has no relatives.
var noElem = elem{parent: -1, firstChild: -1, lastChild: -1, prev: -1, next: -1, ns: -1, scope: -1}

func (e Element) rec() *elem {
	if !e.Valid() {
		return &noElem
	}
	return &e.doc.elems[e.i]
}

func (e Element) to(i int32) Element {
	if i < 0 {
		return Element{}
	}
	return Element{doc: e.doc, i: i}
}

// Valid reports whether e refers to an element.
func (e Element) Valid() bool { return e.doc != nil && e.i >= 0 && int(e.i) < len(e.doc.elems) }

// Name returns the element's expanded name (Space is the namespace URI).
func (e Element) Name() xml.Name {
	if !e.Valid() {
		return xml.Name{}
	}
	r := e.rec()
	return xml.Name{Space: e.doc.nsURI(r.ns), Local: e.doc.str(r.start+1+prefixSkip(r.prefixLen), r.nameEnd)}
}

// prefixSkip is how many name bytes precede the local part.
func prefixSkip(prefixLen int32) int32 {
	if prefixLen == 0 {
		return 0
	}
	return prefixLen + 1
}

// Prefix returns the prefix the element was written with ("" for none).
func (e Element) Prefix() string {
	if !e.Valid() {
		return ""
	}
	r := e.rec()
	return e.doc.str(r.start+1, r.start+1+r.prefixLen)
}

// Attr returns the decoded value of the attribute with namespace URI space
// ("" for unqualified) and local name local.
func (e Element) Attr(space, local string) (string, bool) {
	if !e.Valid() {
		return "", false
	}
	r := e.rec()
	for k := r.attr0; k < r.attrEnd; k++ {
		a := &e.doc.attrs[k]
		if a.flags&aDecl == 0 && e.doc.attrLocal(a) == local && e.doc.nsURI(a.ns) == space {
			return e.doc.attrValue(a), true
		}
	}
	return "", false
}

// Attrs returns every attribute except namespace declarations.
func (e Element) Attrs() []Attr {
	if !e.Valid() {
		return nil
	}
	r := e.rec()
	var out []Attr
	for k := r.attr0; k < r.attrEnd; k++ {
		a := &e.doc.attrs[k]
		if a.flags&aDecl == 0 {
			out = append(out, Attr{Name: e.doc.attrName(a), Value: e.doc.attrValue(a)})
		}
	}
	return out
}

func (d *Doc) attrLocal(a *attr) string {
	return d.str(a.nameStart+prefixSkip(a.prefixLen), a.nameEnd)
}

func (d *Doc) attrName(a *attr) xml.Name {
	return xml.Name{Space: d.nsURI(a.ns), Local: d.attrLocal(a)}
}

func (d *Doc) attrValue(a *attr) string {
	if a.flags&aDecode == 0 {
		return d.str(a.valStart, a.valEnd)
	}
	return string(appendDecoded(nil, d.raw[a.valStart:a.valEnd], true))
}

// Parent, FirstChild and NextSibling walk elements only; they return an
// invalid Element at the end.
func (e Element) Parent() Element      { return e.to(e.rec().parent) }
func (e Element) FirstChild() Element  { return e.to(e.rec().firstChild) }
func (e Element) NextSibling() Element { return e.to(e.rec().next) }

// Child returns the first child element with namespace URI space and local
// name local, or an invalid Element.
func (e Element) Child(space, local string) Element {
	for c := e.FirstChild(); c.Valid(); c = c.NextSibling() {
		if n := c.Name(); n.Local == local && n.Space == space {
			return c
		}
	}
	return Element{}
}

// Text returns the decoded character data directly inside e (CDATA included,
// child elements' text excluded).
func (e Element) Text() string {
	if !e.Valid() {
		return ""
	}
	r := e.rec()
	if r.firstChild < 0 && r.flags&fDecode == 0 {
		return e.doc.str(r.contentStart, r.contentEnd)
	}
	return string(e.doc.appendText(nil, e.i, false))
}

// HasChildElements reports whether e contains any element.
func (e Element) HasChildElements() bool { return e.rec().firstChild >= 0 }

// Span returns the byte offsets [start, end) of e in Raw, from its start
// tag's '<' to the end of its end tag.
func (e Element) Span() (start, end int) {
	if !e.Valid() {
		return 0, 0
	}
	r := e.rec()
	return int(r.start), int(r.end)
}

// LookupNamespace resolves a prefix ("" for the default namespace) in e's
// scope. The xml prefix is always bound; an undeclared (or, for the
// default namespace, undeclared with xmlns="") prefix gives ok=false.
func (e Element) LookupNamespace(prefix string) (string, bool) {
	if !e.Valid() {
		return "", false
	}
	for k := e.rec().scope; k >= 0; k = e.doc.decls[k].prev {
		if d := &e.doc.decls[k]; d.prefix == prefix {
			return d.uri, d.uri != ""
		}
	}
	return "", false
}

// ResolveQName resolves a QName-valued string ("p:local") in e's scope;
// surrounding whitespace is ignored, and an unprefixed name takes the
// default namespace (as XML Schema resolves xs:QName values). ok is false
// for an undeclared prefix or a string that is not a QName.
func (e Element) ResolveQName(s string) (xml.Name, bool) {
	if !e.Valid() {
		return xml.Name{}, false
	}
	s = strings.TrimSpace(s)
	prefix, local, found := strings.Cut(s, ":")
	if !found {
		prefix, local = "", s
	}
	if !isNCName(local) || found && !isNCName(prefix) {
		return xml.Name{}, false
	}
	uri, ok := e.LookupNamespace(prefix)
	if !ok && prefix != "" {
		return xml.Name{}, false
	}
	return xml.Name{Space: uri, Local: local}, true
}

// Navigator returns an XPath navigator positioned at e (nil if e is
// invalid).
func (e Element) Navigator() xpath.NodeNavigator {
	if !e.Valid() {
		return nil
	}
	return &navigator{doc: e.doc, kind: xpath.ElementNode, e: e.i}
}

// Attr is one decoded attribute.
type Attr struct {
	Name  xml.Name
	Value string
}
