// SKELETON: signatures are the contract other packages code against.
package wsdl

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"

	"github.com/wsgw/wsgw/soap"
)

// LoadOptions bounds loading. Zero fields take the defaults in comments.
type LoadOptions struct {
	MaxDepth   int          // import/include nesting; default 16
	MaxDocs    int          // documents in one load; default 128
	MaxBytes   int64        // bytes per document; default 8 MiB
	HTTPClient *http.Client // for http(s) locations; default a client with a 30s timeout
}

// Load reads the WSDL at location (a file path or an http(s) URL) and every
// document it imports or includes (wsdl:import, xsd:import, xsd:include),
// detecting cycles. Errors name the file, the element and the problem.
func Load(ctx context.Context, location string, opts LoadOptions) (*Definitions, error) {
	panic("unimplemented")
}

// Definitions is a loaded WSDL 1.1 description with its imports merged.
type Definitions struct {
	TargetNamespace string
	Services        []*Service
	// Documents lists every loaded document, the main one first.
	Documents []*Document
}

// Document is one loaded file.
type Document struct {
	Location string // absolute path or URL it was read from
	Kind     string // "wsdl" or "xsd"
	Raw      []byte
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
}

// Operation is one binding operation, with what dispatch needs.
type Operation struct {
	Name       string
	SOAPAction string
	// Action is the input's wsa:Action: explicit (wsaw:Action / wsam:Action)
	// or by the WS-Addressing 1.0 Metadata default rule (4.4.4).
	Action       string
	OutputAction string
	// Body is the input body's first element QName: the part's element for
	// document style; the operation name in the soap:body namespace for rpc.
	// Zero when the input body has no parts.
	Body    xml.Name
	Style   string // "document" or "rpc"
	Use     string // "literal" or "encoded"
	OneWay  bool
	Version soap.Version
}

// Dispatch is the routing table of one wsdl:service: every operation of
// every SOAP port's binding.
type Dispatch struct{}

// NewDispatch derives the table for the named service (local name; "" picks
// the only service). Keys that cannot tell operations apart are reported in
// the error, which lists every ambiguity.
func NewDispatch(d *Definitions, service string) (*Dispatch, error) { panic("unimplemented") }

// Operations lists the table's operations.
func (t *Dispatch) Operations() []*Operation { panic("unimplemented") }

// Key is what a request offers for dispatch; empty fields are absent.
type Key struct {
	Version    soap.Version
	SOAPAction string
	WSAAction  string
	Body       xml.Name
}

// Lookup finds the operation for k. It returns ErrNoOperation when nothing
// matches and a *MismatchError when the keys present name different
// operations.
func (t *Dispatch) Lookup(k Key) (*Operation, error) { panic("unimplemented") }

// Publish prepares the WSDL of the named service for publication at
// publicURL (the gateway's URL for the service): every soap:address and
// soap12:address of that service is rewritten to publicURL, and every
// import/include location to publicURL?wsdl=N or ?xsd=N.
func (d *Definitions) Publish(service, publicURL string) (*Publication, error) {
	panic("unimplemented")
}

// Publication holds the rewritten documents.
type Publication struct{}

// Lookup returns the document a query asks for: "wsdl" (main), "wsdl=N",
// "xsd=N"; ok is false for anything else.
func (p *Publication) Lookup(q url.Values) (doc []byte, ok bool) { panic("unimplemented") }
