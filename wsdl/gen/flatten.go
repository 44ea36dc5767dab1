package gen

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/beevik/etree"

	"github.com/wsgw/wsgw/wsdl"
)

// tnsPrefix is the prefix the flattened WSDL binds to its target namespace
// for QName references it rewrites; no toolkit is known to use it.
const tnsPrefix = "wsgwtns"

// flattener builds one self-contained WSDL from a loaded description: gowsdl
// reads one file and does not follow wsdl:import.
type flattener struct {
	defs   *wsdl.Definitions
	trees  []*etree.Document // parsed Documents[i].Raw
	byLoc  map[string]int    // Documents[i].Location -> i
	tns    string            // the main document's target namespace
	wsdlNS map[string]bool   // target namespaces of all WSDL documents
	merged map[int]bool      // xsd documents merged into an including schema
}

// Flatten returns one WSDL 1.1 document equivalent, for stub generation, to
// the loaded description: the messages, port types, bindings and services
// of every WSDL document, under the main document's target namespace
// (references into imported WSDL namespaces rewritten to it); in wsdl:types
// every schema of every document, each xsd:include'd (schemaLocation)
// document's content merged into the including schema and xsd:import
// schemaLocations dropped (the imported schemas are all there). Bindings
// come SOAP 1.1 first: gowsdl takes each operation's SOAPAction from the
// first binding of its port type and reads only SOAP 1.1 extensions.
//
// Component names must be unique per kind across namespaces (gowsdl drops
// namespaces); xsd:redefine is not supported.
func Flatten(defs *wsdl.Definitions) ([]byte, error) {
	f := &flattener{defs: defs, byLoc: map[string]int{}, wsdlNS: map[string]bool{}, merged: map[int]bool{}}
	for i, d := range defs.Documents {
		t, err := parseDoc(d.Raw)
		if err != nil {
			return nil, fmt.Errorf("flattening %s: parsing %s: %w", defs.Documents[0].Location, d.Location, err)
		}
		f.trees = append(f.trees, t)
		f.byLoc[d.Location] = i
		if d.Kind == "wsdl" {
			f.wsdlNS[t.Root().SelectAttrValue("targetNamespace", "")] = true
		}
	}
	b, err := f.build()
	if err != nil {
		return nil, fmt.Errorf("flattening %s: %w", defs.Documents[0].Location, err)
	}
	return b, nil
}

func (f *flattener) build() ([]byte, error) {
	main := f.trees[0].Root()
	f.tns = main.SelectAttrValue("targetNamespace", "")
	out := etree.NewDocument()
	out.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	root := out.CreateElement(main.FullTag())
	for _, a := range main.Attr {
		root.Attr = append(root.Attr, etree.Attr{Space: a.Space, Key: a.Key, Value: a.Value})
	}
	if f.tns != "" { // a prefix cannot be bound to no namespace
		root.CreateAttr("xmlns:"+tnsPrefix, f.tns)
	}
	types := root.CreateElement(prefixed(main.Space, "types"))
	if err := f.addSchemas(types); err != nil {
		return nil, err
	}
	if err := f.addComponents(root); err != nil {
		return nil, err
	}
	out.Indent(2)
	return out.WriteToBytes()
}

func prefixed(prefix, local string) string {
	if prefix == "" {
		return local
	}
	return prefix + ":" + local
}

// addSchemas puts every schema into types: those inside wsdl:types of every
// WSDL document, and every XSD document not merged into an including one.
func (f *flattener) addSchemas(types *etree.Element) error {
	included := f.includedDocs()
	for i, d := range f.defs.Documents {
		root := f.trees[i].Root()
		var schemas []*etree.Element
		switch {
		case d.Kind == "xsd" && !included[i]:
			schemas = []*etree.Element{root}
		case d.Kind == "wsdl":
			for _, t := range children(root, nsWSDL, "types") {
				schemas = append(schemas, children(t, nsXSD, "schema")...)
			}
		}
		for _, s := range schemas {
			c := detach(s)
			if err := f.fixSchema(c, d.Location); err != nil {
				return err
			}
			types.AddChild(c)
		}
	}
	return nil
}

// includedDocs lists the documents some schema includes.
func (f *flattener) includedDocs() map[int]bool {
	out := map[int]bool{}
	for i, t := range f.trees {
		for _, e := range descendants(t.Root()) {
			if is(e, nsXSD, "include") || is(e, nsXSD, "redefine") {
				loc := resolveLocation(f.defs.Documents[i].Location, e.SelectAttrValue("schemaLocation", ""))
				if j, ok := f.byLoc[loc]; ok {
					out[j] = true
				}
			}
		}
	}
	return out
}

// fixSchema drops the schemaLocation of s's imports and replaces each
// include by the included document's content (XML Schema 1.0 Part 1,
// 4.2.1: the included components join the including schema's target
// namespace). base is the location of the document s comes from.
func (f *flattener) fixSchema(s *etree.Element, base string) error {
	queue := s.ChildElements()
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		switch {
		case is(c, nsXSD, "import"):
			c.RemoveAttr("schemaLocation")
		case is(c, nsXSD, "redefine"):
			return fmt.Errorf("xsd:redefine %q: not supported", c.SelectAttrValue("schemaLocation", ""))
		case is(c, nsXSD, "include"):
			s.RemoveChild(c)
			loc := resolveLocation(base, c.SelectAttrValue("schemaLocation", ""))
			j, ok := f.byLoc[loc]
			if !ok {
				return fmt.Errorf("xsd:include %q: %s is not among the loaded documents", c.SelectAttrValue("schemaLocation", ""), loc)
			}
			if f.merged[j] {
				continue
			}
			f.merged[j] = true
			queue = append(queue, f.mergeInclude(s, j)...)
		}
	}
	return nil
}

// mergeInclude adds the components of document j to s, imports first, and
// returns the includes it found there, their locations made absolute.
func (f *flattener) mergeInclude(s *etree.Element, j int) []*etree.Element {
	var includes []*etree.Element
	for _, ic := range f.trees[j].Root().ChildElements() {
		cc := detach(ic)
		switch {
		case is(ic, nsXSD, "include"), is(ic, nsXSD, "redefine"):
			cc.CreateAttr("schemaLocation", resolveLocation(f.defs.Documents[j].Location, ic.SelectAttrValue("schemaLocation", "")))
			includes = append(includes, cc)
		case is(ic, nsXSD, "import"):
			cc.RemoveAttr("schemaLocation")
			s.InsertChildAt(0, cc)
		default:
			s.AddChild(cc)
		}
	}
	return includes
}

// addComponents copies the messages, port types, bindings (SOAP 1.1
// first) and services of every WSDL document into root.
func (f *flattener) addComponents(root *etree.Element) error {
	var errs []error
	for _, kind := range []string{"message", "portType", "binding", "service"} {
		var comps []*etree.Element
		seen := map[string]string{} // local name -> namespace
		for i, d := range f.defs.Documents {
			if d.Kind != "wsdl" {
				continue
			}
			droot := f.trees[i].Root()
			tns := droot.SelectAttrValue("targetNamespace", "")
			for _, c := range children(droot, nsWSDL, kind) {
				name := c.SelectAttrValue("name", "")
				if ns, dup := seen[name]; dup && ns != tns {
					errs = append(errs, fmt.Errorf("%s %q is defined in namespaces %q and %q: gowsdl does not keep namespaces apart", kind, name, ns, tns))
					continue
				}
				seen[name] = tns
				comps = append(comps, detach(c))
			}
		}
		if kind == "binding" {
			slices.SortStableFunc(comps, func(a, b *etree.Element) int { return bindingRank(a) - bindingRank(b) })
		}
		for _, c := range comps {
			root.AddChild(c)
			f.rewriteRefs(c)
		}
	}
	return errors.Join(errs...)
}

// bindingRank orders SOAP 1.1 bindings before the others.
func bindingRank(b *etree.Element) int {
	if len(children(b, nsSOAP11, "binding")) > 0 {
		return 0
	}
	return 1
}

// rewriteRefs points the QName references of a WSDL component (message=,
// binding=, a binding's type=) that name a component of an imported WSDL
// document at the main target namespace, where that component now is.
func (f *flattener) rewriteRefs(c *etree.Element) {
	if f.tns == "" {
		return // WSDL 1.1, 2.1: targetNamespace is required; nothing to point at
	}
	for _, e := range descendants(c) {
		for _, key := range []string{"message", "binding", "type"} {
			if key == "type" && !is(e, nsWSDL, "binding") {
				continue
			}
			a := e.SelectAttr(key)
			if a == nil || a.Space != "" {
				continue
			}
			prefix, local, ok := strings.Cut(a.Value, ":")
			if !ok {
				prefix, local = "", a.Value
			}
			ns, found := lookupNS(e, prefix)
			if found && ns != f.tns && f.wsdlNS[ns] {
				a.Value = tnsPrefix + ":" + strings.TrimSpace(local)
			}
		}
	}
}

// lookupNS resolves a namespace prefix in the scope of e.
func lookupNS(e *etree.Element, prefix string) (string, bool) {
	for p := e; p != nil; p = p.Parent() {
		for _, a := range p.Attr {
			if prefix == "" && a.Space == "" && a.Key == "xmlns" || prefix != "" && a.Space == "xmlns" && a.Key == prefix {
				return a.Value, true
			}
		}
	}
	return "", false
}
