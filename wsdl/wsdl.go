package wsdl

import (
	"context"
	"encoding/xml"
	"net/http"

	"github.com/beevik/etree"

	"github.com/wsgw/wsgw/soap"
)

// LoadOptions bounds loading. Zero fields take the defaults in comments.
type LoadOptions struct {
	MaxDepth   int          // import/include nesting; default 16
	MaxDocs    int          // documents in one load; default 128
	MaxBytes   int64        // bytes per document; default 8 MiB
	HTTPClient *http.Client // for http(s) locations; default a client with a 30s timeout
	// MaxTotalBytes bounds all documents of one load together; default 64 MiB.
	MaxTotalBytes int64
	// Fetcher reads documents; default: files from disk, http(s) URLs with
	// HTTPClient. Tests and callers holding WSDLs in memory (or emulating an
	// XML catalog) supply their own.
	Fetcher Fetcher
}

func (o LoadOptions) withDefaults() LoadOptions {
	if o.MaxDepth <= 0 {
		o.MaxDepth = 16
	}
	if o.MaxDocs <= 0 {
		o.MaxDocs = 128
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 8 << 20
	}
	if o.MaxTotalBytes <= 0 {
		o.MaxTotalBytes = 64 << 20
	}
	if o.HTTPClient == nil {
		o.HTTPClient = defaultClient()
	}
	if o.Fetcher == nil {
		o.Fetcher = defaultFetcher{client: o.HTTPClient}
	}
	return o
}

// Load reads the WSDL at location (a file path or an http(s) URL) and every
// document it imports or includes (wsdl:import, xsd:import, xsd:include),
// detecting cycles. Errors name the file, the element and the problem; they
// are *LoadError values.
func Load(ctx context.Context, location string, opts LoadOptions) (*Definitions, error) {
	opts = opts.withDefaults()
	abs, err := absLocation(location)
	if err != nil {
		return nil, &LoadError{Main: location, Err: err}
	}
	l := &loader{opts: opts, fetch: opts.Fetcher, main: location, byLoc: map[string]int{}}
	if err := l.run(ctx, abs); err != nil {
		return nil, err
	}
	return build(l)
}

// Definitions is a loaded WSDL 1.1 description with its imports merged.
type Definitions struct {
	TargetNamespace string
	Services        []*Service
	// Documents lists every loaded document, the main one first, then in
	// the order they were reached (breadth first). Indices are stable: they
	// are the N of ?wsdl=N and ?xsd=N.
	Documents []*Document

	main  string         // the location given to Load
	byLoc map[string]int // absolute location -> index in Documents
}

// Document is one loaded file.
type Document struct {
	Location string // absolute path or URL it was read from
	Kind     string // "wsdl" or "xsd"
	Raw      []byte

	index int
	tree  *etree.Document // parsed Raw; never modified after Load
}

// Service is a wsdl:service.
type Service struct {
	Name  xml.Name
	Ports []*Port
}

// Port is a wsdl:port with a SOAP 1.1 or 1.2 address (ports of other
// bindings, e.g. HTTP, are listed with Version 0).
type Port struct {
	Name    string
	Address string
	Version soap.Version
	Binding *Binding
}

// Binding is a wsdl:binding.
type Binding struct {
	Name            xml.Name
	Version         soap.Version // 0 for non-SOAP bindings
	Style           string       // default style: "document" or "rpc"
	UsingAddressing bool
	Operations      []*Operation
	PortType        xml.Name
	// Transport is soap:binding/@transport. Only SOAP over HTTP is
	// dispatched (WS-I BP 1.1 R2702).
	Transport string
}

// Operation is one binding operation, with what dispatch needs.
type Operation struct {
	Name       string
	SOAPAction string
	// Action is the input's wsa:Action (WS-Addressing 1.0 Metadata 4.4):
	// explicit (wsam:Action, wsaw:Action), else the non-empty SOAPAction
	// (4.4.1), else by the default rule (4.4.4).
	Action       string
	OutputAction string
	// Body is the input body's first element QName: the part's element for
	// document style; the operation name in the soap:body namespace for rpc.
	// Zero when a document-style input body has no parts, or its first part
	// is declared with type= (then Note says so). An rpc body always has
	// its wrapper element, even without parts.
	Body    xml.Name
	Style   string // "document" or "rpc"
	Use     string // "literal" or "encoded"
	OneWay  bool
	Version soap.Version
	// Binding names the wsdl:binding the operation belongs to.
	Binding xml.Name
	// Note explains a dispatch-relevant oddity (e.g. a type= part in
	// document style, a missing rpc namespace); "" when there is none.
	Note string
}
