package gen

import (
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/beevik/etree"

	"github.com/wsgw/wsgw/wsdl"
)

const (
	nsWSDL   = "http://schemas.xmlsoap.org/wsdl/"
	nsXSD    = "http://www.w3.org/2001/XMLSchema"
	nsSOAP11 = "http://schemas.xmlsoap.org/wsdl/soap/"
	nsSOAP12 = "http://schemas.xmlsoap.org/wsdl/soap12/"
)

// parseDoc parses a document wsdl.Load has already read and checked.
func parseDoc(raw []byte) (*etree.Document, error) {
	d := etree.NewDocument()
	d.ReadSettings.CharsetReader = wsdl.CharsetReader
	if err := d.ReadFromBytes(raw); err != nil {
		return nil, err
	}
	if d.Root() == nil {
		return nil, fmt.Errorf("no root element")
	}
	return d, nil
}

// is reports whether e is the element {ns}local.
func is(e *etree.Element, ns, local string) bool {
	return e.Tag == local && e.NamespaceURI() == ns
}

// children returns e's child elements named {ns}local.
func children(e *etree.Element, ns, local string) []*etree.Element {
	var out []*etree.Element
	for _, c := range e.ChildElements() {
		if is(c, ns, local) {
			out = append(out, c)
		}
	}
	return out
}

// isNSDecl reports whether a is a namespace declaration.
func isNSDecl(a etree.Attr) bool {
	return a.Space == "xmlns" || a.Space == "" && a.Key == "xmlns"
}

// declares reports whether e itself declares the namespace prefix p ("" for
// the default namespace).
func declares(e *etree.Element, p string) bool {
	for _, a := range e.Attr {
		if p == "" && a.Space == "" && a.Key == "xmlns" || p != "" && a.Space == "xmlns" && a.Key == p {
			return true
		}
	}
	return false
}

// inScope returns the namespace declarations in scope at e, nearest
// first, from its ancestors only.
func inScope(e *etree.Element) []etree.Attr {
	var out []etree.Attr
	seen := map[string]bool{}
	for p := e.Parent(); p != nil; p = p.Parent() {
		for _, a := range p.Attr {
			if !isNSDecl(a) {
				continue
			}
			key := a.Key
			if a.Space == "" {
				key = ""
			}
			if !seen[key] {
				seen[key] = true
				out = append(out, a)
			}
		}
	}
	return out
}

// detach copies e out of its document, declaring on the copy every
// namespace e relied on from its ancestors, so that the copy means the same
// wherever it is put.
func detach(e *etree.Element) *etree.Element {
	c := e.Copy()
	for _, a := range inScope(e) {
		p := a.Key
		if a.Space == "" {
			p = ""
		}
		if !declares(c, p) {
			c.Attr = append(c.Attr, etree.Attr{Space: a.Space, Key: a.Key, Value: a.Value})
		}
	}
	return c
}

// resolveLocation resolves an import location against the absolute
// location of the importing document, as wsdl.Load does.
func resolveLocation(base, ref string) string {
	ref = strings.TrimSpace(ref)
	if l := strings.ToLower(base); strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") {
		b, err1 := url.Parse(base)
		r, err2 := url.Parse(ref)
		if err1 != nil || err2 != nil {
			return ref
		}
		u := b.ResolveReference(r)
		u.Fragment = ""
		return u.String()
	}
	if u, err := url.Parse(ref); err == nil && u.Scheme != "" && len(u.Scheme) > 1 {
		if u.Scheme == "file" {
			return path.Clean(u.Path)
		}
		u.Fragment = ""
		return u.String()
	}
	if strings.HasPrefix(ref, "/") {
		return path.Clean(ref)
	}
	return path.Join(path.Dir(base), ref)
}

// descendants returns e and every element below it, in document order.
func descendants(e *etree.Element) []*etree.Element {
	out := []*etree.Element{e}
	for _, c := range e.ChildElements() {
		out = append(out, descendants(c)...)
	}
	return out
}
