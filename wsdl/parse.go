package wsdl

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"
)

// Namespaces this package reads.
const (
	nsWSDL     = "http://schemas.xmlsoap.org/wsdl/"
	nsSOAP11   = "http://schemas.xmlsoap.org/wsdl/soap/"
	nsSOAP12   = "http://schemas.xmlsoap.org/wsdl/soap12/"
	nsHTTP     = "http://schemas.xmlsoap.org/wsdl/http/"
	nsXSD      = "http://www.w3.org/2001/XMLSchema"
	nsXML      = "http://www.w3.org/XML/1998/namespace"
	nsWSAM     = "http://www.w3.org/2007/05/addressing/metadata"
	nsWSAW     = "http://www.w3.org/2006/05/addressing/wsdl"
	nsWSA04    = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
	nsWSA05    = "http://www.w3.org/2005/08/addressing"
	nsWSAWSub  = "http://www.w3.org/2006/02/addressing/wsdl"
	maxXMLDeep = 256
)

// parseXML checks b (no DOCTYPE, bounded depth, every prefix bound) and
// parses it into an etree document.
func parseXML(b []byte) (*etree.Document, error) {
	if err := guardXML(b); err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	doc.ReadSettings = etree.ReadSettings{CharsetReader: CharsetReader, MaxDepth: maxXMLDeep + 1}
	if err := doc.ReadFromBytes(b); err != nil {
		return nil, fmt.Errorf("parsing xml: %w", err)
	}
	if doc.Root() == nil {
		return nil, errors.New("parsing xml: no root element")
	}
	return doc, nil
}

// guardXML refuses DOCTYPE declarations (no entity is ever expanded),
// nesting deeper than maxXMLDeep, and element or attribute prefixes that
// no namespace declaration binds (Namespaces in XML 1.0, 5: "The prefix
// ... MUST have been declared"), which lenient parsers let through.
func guardXML(b []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	dec.CharsetReader = CharsetReader
	var scopes []map[string]bool
	bound := func(p string) bool {
		if p == "xml" || p == "xmlns" {
			return true
		}
		for i := len(scopes) - 1; i >= 0; i-- {
			if scopes[i][p] {
				return true
			}
		}
		return false
	}
	for {
		line, _ := dec.InputPos()
		tok, err := dec.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("parsing xml: %w", err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(string(t))), "DOCTYPE") {
				return fmt.Errorf("line %d: DOCTYPE not allowed", line)
			}
		case xml.StartElement:
			if len(scopes) >= maxXMLDeep {
				return fmt.Errorf("line %d: elements nested deeper than %d", line, maxXMLDeep)
			}
			s := map[string]bool{}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" {
					s[a.Name.Local] = a.Value != ""
				}
			}
			scopes = append(scopes, s)
			if t.Name.Space != "" && !bound(t.Name.Space) {
				return fmt.Errorf("line %d: element %s:%s: namespace prefix %q not bound",
					line, t.Name.Space, t.Name.Local, t.Name.Space)
			}
			for _, a := range t.Attr {
				if a.Name.Space != "" && !bound(a.Name.Space) {
					return fmt.Errorf("line %d: attribute %s:%s: namespace prefix %q not bound",
						line, a.Name.Space, a.Name.Local, a.Name.Space)
				}
			}
		case xml.EndElement:
			if len(scopes) == 0 {
				return fmt.Errorf("line %d: unexpected end element", line)
			}
			scopes = scopes[:len(scopes)-1]
		}
	}
}

// CharsetReader accepts the encodings a WSDL or schema may declare:
// UTF-8, US-ASCII and ISO-8859-1 (for etree.ReadSettings and
// xml.Decoder.CharsetReader).
func CharsetReader(charset string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return in, nil
	case "iso-8859-1", "latin1", "latin-1", "iso8859-1":
		b, err := io.ReadAll(in)
		if err != nil {
			return nil, err
		}
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		return strings.NewReader(string(r)), nil
	}
	return nil, fmt.Errorf("unsupported encoding %q", charset)
}

// nsURI resolves a prefix in the scope of e ("" is the default namespace).
func nsURI(e *etree.Element, prefix string) (string, bool) {
	if prefix == "xml" {
		return nsXML, true
	}
	for ; e != nil; e = e.Parent() {
		for _, a := range e.Attr {
			if prefix == "" && a.Space == "" && a.Key == "xmlns" {
				return a.Value, true
			}
			if prefix != "" && a.Space == "xmlns" && a.Key == prefix {
				return a.Value, a.Value != ""
			}
		}
	}
	return "", prefix == ""
}

// elemName is the expanded name of e.
func elemName(e *etree.Element) xml.Name {
	ns, _ := nsURI(e, e.Space)
	return xml.Name{Space: ns, Local: e.Tag}
}

// is reports whether e is {ns}local.
func is(e *etree.Element, ns, local string) bool {
	return e.Tag == local && elemName(e).Space == ns
}

// attr returns the value of e's unqualified attribute key.
func attr(e *etree.Element, key string) (string, bool) {
	for _, a := range e.Attr {
		if a.Space == "" && a.Key == key {
			return a.Value, true
		}
	}
	return "", false
}

// attrNS returns the value of e's attribute {ns}key.
func attrNS(e *etree.Element, ns, key string) (string, bool) {
	for _, a := range e.Attr {
		if a.Space != "" && a.Space != "xmlns" && a.Key == key {
			if u, _ := nsURI(e, a.Space); u == ns {
				return a.Value, true
			}
		}
	}
	return "", false
}

// qnameAttr resolves the QName value of e's attribute key in e's namespace
// scope (an unprefixed QName takes the default namespace, as xsd:QName).
func qnameAttr(e *etree.Element, key string) (xml.Name, string, error) {
	v, ok := attr(e, key)
	if !ok {
		return xml.Name{}, "", fmt.Errorf("missing attribute %s", key)
	}
	v = strings.TrimSpace(v)
	prefix, local, found := strings.Cut(v, ":")
	if !found {
		prefix, local = "", v
	}
	if local == "" || strings.Contains(local, ":") {
		return xml.Name{}, v, fmt.Errorf("%s %q is not a QName", key, v)
	}
	ns, ok := nsURI(e, prefix)
	if !ok {
		return xml.Name{}, v, fmt.Errorf("%s %q: namespace prefix %q not bound", key, v, prefix)
	}
	return xml.Name{Space: ns, Local: local}, v, nil
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

// child returns e's first child element named {ns}local, or nil.
func child(e *etree.Element, ns, local string) *etree.Element {
	for _, c := range e.ChildElements() {
		if is(c, ns, local) {
			return c
		}
	}
	return nil
}

// clark formats n as {ns}local.
func clark(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return "{" + n.Space + "}" + n.Local
}
