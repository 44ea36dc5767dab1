package wsdl

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

// Publish prepares the WSDL of the named service for publication at
// publicURL (the gateway's URL for the service): every soap:address and
// soap12:address of that service's ports (only that service) is rewritten
// to publicURL, and in every served document each wsdl:import location to
// publicURL?wsdl=N (publicURL?wsdl for the main one) and each xsd:import / xsd:include / xsd:redefine
// schemaLocation to publicURL?xsd=N, N being the index in d.Documents.
// Documents are otherwise preserved (an XML round trip: attribute order,
// prefixes and comments kept; insignificant formatting may change).
// Imports of built-in schemas (SOAP encoding, XML Schema) keep their
// original absolute locations.
func (d *Definitions) Publish(service, publicURL string) (*Publication, error) {
	svc, err := d.service(service)
	if err != nil {
		return nil, err
	}
	base, err := url.Parse(publicURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") {
		return nil, fmt.Errorf("publishing wsdl %s: public URL %q is not an http(s) URL", d.main, publicURL)
	}
	p := &Publication{docs: make([][]byte, len(d.Documents)), kinds: make([]string, len(d.Documents))}
	for i, doc := range d.Documents {
		tree := doc.tree.Copy()
		if err := d.rewriteRefs(doc, tree.Root(), base); err != nil {
			return nil, fmt.Errorf("publishing wsdl %s: %s: %w", d.main, doc.Location, err)
		}
		if doc.Kind == "wsdl" {
			rewriteAddresses(tree.Root(), svc.Name.Space, svc.Name.Local, publicURL)
		}
		b, err := tree.WriteToBytes()
		if err != nil {
			return nil, fmt.Errorf("publishing wsdl %s: %s: %w", d.main, doc.Location, err)
		}
		p.docs[i], p.kinds[i] = b, doc.Kind
	}
	return p, nil
}

// rewriteRefs points every import/include of doc (whose copy is root) at
// the publication URL of the document it loaded.
func (d *Definitions) rewriteRefs(doc *Document, root *etree.Element, base *url.URL) error {
	for _, r := range docRefs(root) {
		v, _ := attr(r.el, r.attr)
		loc, err := resolveRef(doc.Location, v)
		if err != nil {
			return err
		}
		i, ok := d.byLoc[loc]
		if !ok {
			return fmt.Errorf("%s: document not loaded", r)
		}
		q := "xsd=" + strconv.Itoa(i)
		switch {
		case i == 0:
			q = "wsdl" // one URL per document: clients load each once
		case d.Documents[i].Kind == "wsdl":
			q = "wsdl=" + strconv.Itoa(i)
		}
		u := *base
		u.RawQuery = q
		if base.RawQuery != "" {
			u.RawQuery = base.RawQuery + "&" + u.RawQuery
		}
		u.Fragment = ""
		r.el.CreateAttr(r.attr, u.String())
	}
	return nil
}

// rewriteAddresses sets the location of every soap:address and
// soap12:address in the ports of service {ns}name defined in root.
func rewriteAddresses(root *etree.Element, ns, name, publicURL string) {
	tns, _ := attr(root, "targetNamespace")
	if tns != ns {
		return
	}
	for _, s := range children(root, nsWSDL, "service") {
		if n, _ := attr(s, "name"); n != name {
			continue
		}
		for _, p := range children(s, nsWSDL, "port") {
			for _, a := range p.ChildElements() {
				if a.Tag != "address" {
					continue
				}
				if sp := elemName(a).Space; sp == nsSOAP11 || sp == nsSOAP12 {
					a.CreateAttr("location", publicURL)
				}
			}
		}
	}
}

// Publication holds the rewritten documents. It is immutable and safe for
// concurrent use.
type Publication struct {
	docs  [][]byte // serialised documents, index as in Definitions.Documents
	kinds []string // "wsdl" or "xsd", same index
}

// Lookup returns the document a query asks for: "wsdl" (main; also "WSDL"
// as .NET clients send it), "wsdl=N", "xsd=N"; ok is false for anything else
// (N out of range, or of the other kind).
func (p *Publication) Lookup(q url.Values) (doc []byte, ok bool) {
	for key, vals := range q {
		kind := strings.ToLower(key)
		if (kind != "wsdl" && kind != "xsd") || len(vals) != 1 {
			continue
		}
		if kind == "wsdl" && vals[0] == "" {
			return p.docs[0], true
		}
		n, err := strconv.Atoi(vals[0])
		if err != nil || n < 0 || n >= len(p.docs) || p.kinds[n] != kind {
			return nil, false
		}
		return p.docs[n], true
	}
	return nil, false
}
