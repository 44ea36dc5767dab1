package wsdl

import (
	"bytes"
	"context"
	"fmt"

	"github.com/beevik/etree"
)

// Schema namespaces whose schemaLocation is never fetched: every SOAP and
// WSDL toolkit has them built in, and fetching them would make loading
// depend on third-party hosts.
var builtinSchemas = map[string]bool{
	"http://schemas.xmlsoap.org/soap/encoding/": true,
	"http://www.w3.org/2003/05/soap-encoding":   true,
	"http://schemas.xmlsoap.org/soap/envelope/": true,
	"http://www.w3.org/2003/05/soap-envelope":   true,
	nsXSD:  true,
	nsXML:  true,
	nsWSDL: true,
}

// ref is one import or include in a document.
type ref struct {
	el   *etree.Element
	attr string // "location" or "schemaLocation"
	kind string // "wsdl:import", "xsd:import", "xsd:include", "xsd:redefine"
}

func (r ref) String() string {
	v, _ := attr(r.el, r.attr)
	return fmt.Sprintf("%s %s %q", r.kind, r.attr, v)
}

// docRefs lists the imports and includes of a document whose root is root,
// in document order: wsdl:import children of wsdl:definitions, and
// xsd:import / xsd:include / xsd:redefine anywhere (schemas sit in
// wsdl:types or are the root). An xsd:import without schemaLocation or of
// a built-in namespace is not a reference to load.
func docRefs(root *etree.Element) []ref {
	var out []ref
	if is(root, nsWSDL, "definitions") {
		for _, c := range children(root, nsWSDL, "import") {
			out = append(out, ref{el: c, attr: "location", kind: "wsdl:import"})
		}
	}
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		for _, c := range e.ChildElements() {
			n := elemName(c)
			if n.Space != nsXSD {
				walk(c)
				continue
			}
			switch n.Local {
			case "import":
				ns, _ := attr(c, "namespace")
				if _, ok := attr(c, "schemaLocation"); ok && !builtinSchemas[ns] {
					out = append(out, ref{el: c, attr: "schemaLocation", kind: "xsd:import"})
				}
			case "include", "redefine":
				out = append(out, ref{el: c, attr: "schemaLocation", kind: "xsd:" + n.Local})
			default:
				walk(c)
			}
		}
	}
	walk(root)
	return out
}

// loader reads a document and everything it imports, each once.
type loader struct {
	opts  LoadOptions
	fetch Fetcher
	main  string // location as given to Load
	docs  []*Document
	byLoc map[string]int // absolute location -> index in docs
	total int64
}

type pending struct {
	loc   string
	depth int
	from  *Document // nil for the main document
	via   ref
}

// run loads the main document at abs and, breadth first, every document it
// reaches. Cycles are legal (XSD mutual imports; WSDL imports are not
// forbidden to be mutual): a location already loaded is not read again.
func (l *loader) run(ctx context.Context, abs string) error {
	queue := []pending{{loc: abs}}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if i, ok := l.byLoc[p.loc]; ok {
			if err := l.checkKind(p, l.docs[i]); err != nil {
				return err
			}
			continue
		}
		d, err := l.read(ctx, p)
		if err != nil {
			return err
		}
		if d == nil {
			continue // already loaded under another location
		}
		for _, r := range docRefs(d.tree.Root()) {
			v, _ := attr(r.el, r.attr)
			loc, err := resolveRef(d.Location, v)
			if err != nil {
				return l.errf(d, r.String(), "%w", err)
			}
			queue = append(queue, pending{loc: loc, depth: p.depth + 1, from: d, via: r})
		}
	}
	return nil
}

// read fetches, bounds and parses one document and records it. It returns
// nil, nil when the bytes are those of a document already loaded.
func (l *loader) read(ctx context.Context, p pending) (*Document, error) {
	fail := func(format string, args ...any) error {
		if p.from == nil {
			return &LoadError{Main: l.main, Err: fmt.Errorf(format, args...)}
		}
		return l.errf(p.from, p.via.String(), format, args...)
	}
	if err := ctx.Err(); err != nil {
		return nil, fail("%w", err)
	}
	if p.depth > l.opts.MaxDepth {
		return nil, fail("imports nested deeper than %d", l.opts.MaxDepth)
	}
	if len(l.docs) >= l.opts.MaxDocs {
		return nil, fail("more than %d documents", l.opts.MaxDocs)
	}
	rc, err := l.fetch.Fetch(ctx, p.loc)
	if err != nil {
		return nil, fail("reading %s: %w", p.loc, err)
	}
	raw, err := readBounded(rc, l.opts.MaxBytes)
	if err != nil {
		return nil, fail("reading %s: %w", p.loc, err)
	}
	l.total += int64(len(raw))
	if l.total > l.opts.MaxTotalBytes {
		return nil, fail("documents larger than %d bytes in total", l.opts.MaxTotalBytes)
	}
	for i, prev := range l.docs {
		if bytes.Equal(prev.Raw, raw) {
			// The same document under another location (e.g. ?wsdl and
			// ?wsdl=0): load it once.
			l.byLoc[p.loc] = i
			return nil, l.checkKind(p, prev)
		}
	}
	d := &Document{Location: p.loc, Raw: raw}
	tree, err := parseXML(raw)
	if err != nil {
		return nil, l.errf(d, "", "%w", err)
	}
	d.tree = tree
	root := tree.Root()
	switch {
	case is(root, nsWSDL, "definitions"):
		d.Kind = "wsdl"
	case is(root, nsXSD, "schema"):
		d.Kind = "xsd"
	default:
		return nil, l.errf(d, "", "root element %s is neither wsdl:definitions nor xsd:schema", clark(elemName(root)))
	}
	if err := l.checkKind(p, d); err != nil {
		return nil, err
	}
	if p.from == nil && d.Kind != "wsdl" {
		return nil, l.errf(d, "", "root element is xsd:schema, not wsdl:definitions")
	}
	d.index = len(l.docs)
	l.byLoc[p.loc] = d.index
	l.docs = append(l.docs, d)
	return d, nil
}

// checkKind refuses an xsd:import/include/redefine of a WSDL document.
// (wsdl:import of a schema is accepted: WSDL 1.1, 2.1.1, shows it, though
// WS-I BP 1.1 R2001 discourages it.)
func (l *loader) checkKind(p pending, d *Document) error {
	if p.from != nil && p.via.kind != "wsdl:import" && d.Kind != "xsd" {
		return l.errf(p.from, p.via.String(), "%s is not an XML Schema document", d.Location)
	}
	return nil
}

// errf builds a LoadError for a problem in document d at element elem.
func (l *loader) errf(d *Document, elem, format string, args ...any) error {
	doc := d.Location
	if d.index == 0 && len(l.docs) > 0 && l.docs[0] == d || len(l.docs) == 0 {
		doc = l.main
	}
	return &LoadError{Main: l.main, Document: doc, Element: elem, Err: fmt.Errorf(format, args...)}
}
