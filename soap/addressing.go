package soap

import (
	"encoding/xml"
	"strings"

	"github.com/wsgw/wsgw/soap/xmldoc"
)

// WS-Addressing namespaces and well-known addresses.
const (
	WSANS        = "http://www.w3.org/2005/08/addressing"
	WSANS2004    = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
	WSAAnonymous = "http://www.w3.org/2005/08/addressing/anonymous"
	WSANone      = "http://www.w3.org/2005/08/addressing/none"
	// WSAAnonymous2004 is the anonymous address of the 2004/08 submission.
	WSAAnonymous2004 = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
	// WSAReply is the default RelatesTo relationship (Core 3.1).
	WSAReply = "http://www.w3.org/2005/08/addressing/reply"
)

// Addressing holds the WS-Addressing message addressing properties of a
// message (WS-Addressing 1.0 Core 3; SOAP Binding 2-3). NS is "" when the
// message carries no WS-Addressing header targeted at this node.
type Addressing struct {
	NS        string
	To        string // "" when absent (WS-A 1.0: anonymous)
	Action    string
	MessageID string
	RelatesTo []Relation
	From      *EPR
	// ReplyTo is defaulted to the anonymous EPR in the 2005/08 namespace
	// when absent (Core 3.1); nil when absent in the 2004/08 namespace.
	ReplyTo *EPR
	FaultTo *EPR
}

// Relation is one wsa:RelatesTo.
type Relation struct {
	ID string
	// Relationship is the RelationshipType attribute; when absent, WSAReply
	// in the 2005/08 namespace and "wsa:Reply" in the 2004/08 one.
	Relationship string
}

// EPR is an endpoint reference.
type EPR struct {
	Address string
	// ReferenceParameters are the children of wsa:ReferenceParameters (and,
	// in the 2004/08 namespace, of wsa:ReferenceProperties too).
	ReferenceParameters []xmldoc.Element
	Metadata            xmldoc.Element // invalid when absent
}

// IsAnonymous reports whether e is nil or addresses the anonymous
// endpoint (the HTTP response) in either namespace.
func (e *EPR) IsAnonymous() bool {
	return e == nil || e.Address == WSAAnonymous || e.Address == WSAAnonymous2004
}

// IsNone reports whether e is the WS-A 1.0 none address (discard).
func (e *EPR) IsNone() bool { return e != nil && e.Address == WSANone }

// IsAddressingHeader reports whether n is a WS-Addressing message
// addressing header (either namespace) that ReadAddressing processes; a
// gateway that calls ReadAddressing understands these (CheckMustUnderstand).
func IsAddressingHeader(n xml.Name) bool {
	if n.Space != WSANS && n.Space != WSANS2004 {
		return false
	}
	switch n.Local {
	case "To", "Action", "MessageID", "RelatesTo", "ReplyTo", "FaultTo", "From":
		return true
	}
	return false
}

// ReadAddressing extracts the WS-Addressing headers targeted at this node
// as ultimate receiver (SOAP 1.2 role next, ultimateReceiver or none given;
// never role none or another role) from m. Cardinality and content errors
// return a *Fault in m's version (SOAP Binding 6.4): a repeated To, Action,
// MessageID, ReplyTo, FaultTo or From is InvalidAddressingHeader /
// InvalidCardinality; a malformed one InvalidAddressingHeader; Action
// missing while other WS-A headers are present
// MessageAddressingHeaderRequired. The 2004/08 namespace gets the
// submission's subcodes.
//
// With an error, the Addressing returned is what addresses the fault
// (Core 3.4): NS, and the first well-formed MessageID, ReplyTo and FaultTo,
// so that the caller can relate the fault to the message (WithAddressing)
// and send it to the fault endpoint, or not at all when that is none.
func ReadAddressing(m *Message) (Addressing, error) {
	a, err := readAddressing(m)
	if err != nil {
		return faultContext(m), err
	}
	return a, nil
}

func readAddressing(m *Message) (Addressing, error) {
	var a Addressing
	seen := map[string]bool{}
	for _, h := range m.Headers {
		ns := h.Name.Space
		if !IsAddressingHeader(h.Name) || !h.Targeted(true) {
			continue
		}
		if a.NS == "" {
			a.NS = ns
		}
		if ns != a.NS {
			continue
		}
		if h.Name.Local != "RelatesTo" && seen[h.Name.Local] {
			return Addressing{}, InvalidCardinality(m.Version, ns, h.Name)
		}
		seen[h.Name.Local] = true
		if f := a.read(m.Version, h); f != nil {
			return Addressing{}, f
		}
	}
	if a.NS == "" {
		return a, nil
	}
	if !seen["Action"] {
		return Addressing{}, MessageAddressingHeaderRequired(m.Version, a.NS, xml.Name{Space: a.NS, Local: "Action"})
	}
	if a.ReplyTo == nil && a.NS == WSANS {
		a.ReplyTo = &EPR{Address: WSAAnonymous}
	}
	return a, nil
}

// read stores header h in a.
func (a *Addressing) read(v Version, h HeaderBlock) *Fault {
	var f *Fault
	switch h.Name.Local {
	case "To":
		a.To, f = uriHeader(v, h)
	case "Action":
		a.Action, f = uriHeader(v, h)
		if f == nil && a.Action == "" {
			f = InvalidAddressingHeader(v, a.NS, h.Name, "")
			f.Reason += ": empty Action"
		}
	case "MessageID":
		a.MessageID, f = uriHeader(v, h)
	case "RelatesTo":
		var r Relation
		if r.ID, f = uriHeader(v, h); f == nil {
			r.Relationship = relationship(a.NS, h.Element)
			a.RelatesTo = append(a.RelatesTo, r)
		}
	case "ReplyTo":
		a.ReplyTo, f = readEPR(v, a.NS, h)
	case "FaultTo":
		a.FaultTo, f = readEPR(v, a.NS, h)
	case "From":
		a.From, f = readEPR(v, a.NS, h)
	}
	return f
}

func relationship(ns string, e xmldoc.Element) string {
	if s, ok := e.Attr("", "RelationshipType"); ok {
		return collapse(s)
	}
	if ns == WSANS2004 {
		return "wsa:Reply"
	}
	return WSAReply
}

// uriHeader returns the text of an xs:anyURI-valued header; child elements
// make it invalid.
func uriHeader(v Version, h HeaderBlock) (string, *Fault) {
	if h.Element.HasChildElements() {
		f := InvalidAddressingHeader(v, h.Name.Space, h.Name, "")
		f.Reason += ": " + h.Name.Local + " must hold a URI, not elements"
		return "", f
	}
	return collapse(h.Element.Text()), nil
}

// readEPR reads an endpoint reference (Core 2.2): exactly one Address, then
// optional ReferenceParameters and Metadata; extensions are ignored.
func readEPR(v Version, ns string, h HeaderBlock) (*EPR, *Fault) {
	e := &EPR{}
	hasAddr := false
	for c := h.Element.FirstChild(); c.Valid(); c = c.NextSibling() {
		n := c.Name()
		if n.Space != ns {
			continue
		}
		switch n.Local {
		case "Address":
			if hasAddr || c.HasChildElements() {
				return nil, invalidEPR(v, ns, h, "more than one Address, or an Address holding elements")
			}
			hasAddr = true
			e.Address = collapse(c.Text())
		case "ReferenceParameters", "ReferenceProperties":
			for p := c.FirstChild(); p.Valid(); p = p.NextSibling() {
				e.ReferenceParameters = append(e.ReferenceParameters, p)
			}
		case "Metadata":
			e.Metadata = c
		}
	}
	if !hasAddr || e.Address == "" {
		sub := "MissingAddressInEPR"
		f := InvalidAddressingHeader(v, ns, h.Name, sub)
		f.Reason += ": " + h.Name.Local + " has no Address"
		return nil, f
	}
	return e, nil
}

func invalidEPR(v Version, ns string, h HeaderBlock, why string) *Fault {
	f := InvalidAddressingHeader(v, ns, h.Name, "InvalidEPR")
	f.Reason += ": " + h.Name.Local + ": " + why
	return f
}

// collapse applies the xs:anyURI whitespace facet (collapse).
func collapse(s string) string {
	return strings.Join(strings.FieldsFunc(s, isXMLSpace), " ")
}

func isXMLSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' }

// faultContext reads, leniently, what addresses a fault about m's
// addressing headers: the namespace and the first MessageID, ReplyTo and
// FaultTo that can be read.
func faultContext(m *Message) Addressing {
	var a Addressing
	for _, h := range m.Headers {
		if !IsAddressingHeader(h.Name) || !h.Targeted(true) || (a.NS != "" && h.Name.Space != a.NS) {
			continue
		}
		a.NS = h.Name.Space
		switch h.Name.Local {
		case "MessageID":
			if id, f := uriHeader(m.Version, h); f == nil && a.MessageID == "" {
				a.MessageID = id
			}
		case "ReplyTo", "FaultTo":
			epr, f := readEPR(m.Version, a.NS, h)
			if f != nil {
				continue
			}
			if h.Name.Local == "ReplyTo" && a.ReplyTo == nil {
				a.ReplyTo = epr
			} else if h.Name.Local == "FaultTo" && a.FaultTo == nil {
				a.FaultTo = epr
			}
		}
	}
	return a
}
