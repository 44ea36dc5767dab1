// SKELETON: signatures are the contract other packages code against.
package soap

import (
	"encoding/xml"
	"io"
	"net/http"

	"github.com/wsgw/wsgw/soap/xmldoc"
)

// Version is a SOAP version.
type Version uint8

const (
	V11 Version = 1
	V12 Version = 2
)

const (
	NS11 = "http://schemas.xmlsoap.org/soap/envelope/"
	NS12 = "http://www.w3.org/2003/05/soap-envelope"
)

// Namespace returns the envelope namespace of v.
func (v Version) Namespace() string { panic("unimplemented") }

// ContentType returns the media type (with charset=utf-8) used to send v.
func (v Version) ContentType() string { panic("unimplemented") }

// String returns "1.1" or "1.2".
func (v Version) String() string { panic("unimplemented") }

// ParseContentType checks a request's Content-Type (and for SOAP 1.1 its
// SOAPAction header). It returns the version the media type names and the
// action (SOAP 1.1: SOAPAction with its quotes removed; SOAP 1.2: the action
// parameter), or a *Fault with HTTP status 415.
func ParseContentType(h http.Header) (v Version, action string, err error) { panic("unimplemented") }

// Message is a request or reply envelope read through the guarded reader.
type Message struct {
	Doc      *xmldoc.Doc
	Version  Version
	Envelope xmldoc.Element
	Header   xmldoc.Element // invalid when the envelope has no Header
	Body     xmldoc.Element
	// Headers lists the Header's child elements in document order.
	Headers []HeaderBlock
	// Payload is the Body's first child element; invalid for an empty Body.
	Payload xmldoc.Element
}

// HeaderBlock is one header entry with its SOAP processing attributes.
type HeaderBlock struct {
	Element        xmldoc.Element
	Name           xml.Name
	MustUnderstand bool
	// Role is the SOAP 1.2 role or SOAP 1.1 actor URI; "" means the ultimate
	// receiver.
	Role  string
	Relay bool // SOAP 1.2 relay attribute
}

// Role URIs.
const (
	RoleNext             = "http://www.w3.org/2003/05/soap-envelope/role/next"
	RoleNone             = "http://www.w3.org/2003/05/soap-envelope/role/none"
	RoleUltimateReceiver = "http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver"
	ActorNext            = "http://schemas.xmlsoap.org/soap/actor/next"
)

// ReadMessage reads one envelope from r with the guarded reader and checks
// its SOAP structure. Every error is a *Fault in the version of the envelope
// (VersionMismatch for an unknown envelope namespace; Sender/Client for a
// malformed, over-limit or DTD-bearing message).
func ReadMessage(r io.Reader, lim xmldoc.Limits) (*Message, error) { panic("unimplemented") }

// Targeted reports whether h is addressed to a node that plays the given
// roles (next is always played; ultimate says whether this node is the
// ultimate receiver).
func (h HeaderBlock) Targeted(ultimate bool, roles ...string) bool { panic("unimplemented") }

// CheckMustUnderstand returns a MustUnderstand fault (SOAP 1.2 with
// NotUnderstood entries) for every header targeted at this node (see
// Targeted) with mustUnderstand set whose name understood does not accept;
// nil when there is none.
func (m *Message) CheckMustUnderstand(ultimate bool, understood func(xml.Name) bool, roles ...string) error {
	panic("unimplemented")
}
