package wssecurity

import (
	"encoding/xml"
	"strings"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// Header is what Parse read of the wsse:Security header block targeted at
// this node.
type Header struct {
	Block         soap.HeaderBlock
	UsernameToken *UsernameToken // nil when the header has none
	Timestamp     *Timestamp     // nil when the header has none
}

// Lengths bounded beyond the guarded reader's limits (choice): a name or
// password longer than these is no credential anyone configured, and a
// short bound keeps the password hash functions' input small.
const (
	MaxUsernameLen = 256
	MaxPasswordLen = 1024
	MaxNonceLen    = 128 // decoded bytes
	maxTimeLen     = 64  // an xs:dateTime's text
)

// Parse reads the wsse:Security header block of m targeted at this node:
// a block with no role (or ultimateReceiver), or for role next. SOAP
// Message Security 1.1, 5: a message may carry several Security blocks for
// different recipients, but no two for the same one; two targeted here are
// refused. Blocks for other roles are someone else's and are left alone.
// It returns nil and no error when m has no such block.
//
// Inside it, Parse reads one wsse:UsernameToken (UsernameToken Profile 1.1,
// 3.1) and one wsu:Timestamp (SOAP Message Security 1.1, 10); other
// children (signatures, binary tokens) are not this package's and are
// ignored (choice: a gateway that only authenticates leaves them to the
// backend). Every error is a *soap.Fault of m's version:
// wsse:InvalidSecurity for the header's structure and the Timestamp,
// wsse:InvalidSecurityToken for a malformed UsernameToken.
func Parse(m *soap.Message) (*Header, error) {
	var found *soap.HeaderBlock
	for i := range m.Headers {
		b := &m.Headers[i]
		if !IsSecurityHeader(b.Name) || !b.Targeted(true) {
			continue
		}
		if found != nil {
			return nil, invalidSecurity(m.Version, "more than one wsse:Security header block is targeted at this node (SOAP Message Security 1.1, 5)")
		}
		found = b
	}
	if found == nil {
		return nil, nil
	}
	h := &Header{Block: *found}
	for c := found.Element.FirstChild(); c.Valid(); c = c.NextSibling() {
		var err error
		switch c.Name() {
		case xml.Name{Space: NSWSSE, Local: "UsernameToken"}:
			if h.UsernameToken != nil {
				return nil, invalidSecurity(m.Version, "more than one wsse:UsernameToken in the wsse:Security header (choice: one identity per message)")
			}
			h.UsernameToken, err = parseUsernameToken(m.Version, c)
		case xml.Name{Space: NSWSU, Local: "Timestamp"}:
			if h.Timestamp != nil {
				return nil, invalidSecurity(m.Version, "more than one wsu:Timestamp in the wsse:Security header (WS-I BSP 1.1, R3227)")
			}
			h.Timestamp, err = parseTimestamp(m.Version, c)
		}
		if err != nil {
			return nil, err
		}
	}
	return h, nil
}

// text returns the character content of a simple-content element e; child
// elements, or more than max bytes, are refused with a fault of code.
func text(v soap.Version, code xml.Name, e xmldoc.Element, max int) (string, error) {
	if e.HasChildElements() {
		return "", soap.NewFault(v, code, qname(e.Name())+" must hold text, not elements")
	}
	s := e.Text()
	if len(s) > max {
		return "", soap.NewFault(v, code, qname(e.Name())+" is longer than the limit")
	}
	return s, nil
}

// trimXMLSpace removes the XML whitespace (XML 1.0, 2.3 [3]) around s.
func trimXMLSpace(s string) string { return strings.Trim(s, " \t\r\n") }

func qname(n xml.Name) string {
	switch n.Space {
	case NSWSSE:
		return "wsse:" + n.Local
	case NSWSU:
		return "wsu:" + n.Local
	case NSWSSE11:
		return "wsse11:" + n.Local
	}
	return "{" + n.Space + "}" + n.Local
}

func invalidSecurity(v soap.Version, reason string) *soap.Fault {
	return soap.NewFault(v, soap.WSSEInvalidSecurity, reason)
}

func invalidToken(v soap.Version, reason string) *soap.Fault {
	return soap.NewFault(v, soap.WSSEInvalidSecurityToken, reason)
}
