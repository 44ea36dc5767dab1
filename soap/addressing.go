package soap

import "github.com/wsgw/wsgw/soap/xmldoc"

const (
	WSANS        = "http://www.w3.org/2005/08/addressing"
	WSANS2004    = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
	WSAAnonymous = "http://www.w3.org/2005/08/addressing/anonymous"
	WSANone      = "http://www.w3.org/2005/08/addressing/none"
)

// Addressing holds the WS-Addressing message addressing properties of a
// message (WS-Addressing 1.0 Core 3; SOAP Binding 2-3). NS is "" when the
// message carries no WS-Addressing header.
type Addressing struct {
	NS        string
	To        string
	Action    string
	MessageID string
	RelatesTo []Relation
	From      *EPR
	ReplyTo   *EPR
	FaultTo   *EPR
}

// Relation is one wsa:RelatesTo.
type Relation struct {
	ID           string
	Relationship string
}

// EPR is an endpoint reference.
type EPR struct {
	Address             string
	ReferenceParameters []xmldoc.Element
	Metadata            xmldoc.Element
}

// ReadAddressing extracts the WS-Addressing headers targeted at this node
// (ultimate receiver) from m. Cardinality and content errors return a *Fault
// with the WS-Addressing subcodes (InvalidAddressingHeader /
// InvalidCardinality, ...) in m's version.
func ReadAddressing(m *Message) (Addressing, error) { panic("unimplemented") }
