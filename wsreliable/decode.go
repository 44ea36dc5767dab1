package wsreliable

import (
	"strconv"
	"strings"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// DecodeContext is what the driver knows about a request that the wire
// does not say.
type DecodeContext struct {
	// Ref numbers the request; every event decoded from it carries it.
	Ref uint64
	// NewID is the Identifier to give a sequence a CreateSequence in this
	// request creates (the driver generates it: the engine and its codecs
	// make no random numbers).
	NewID string
	// Payload is what a reliable message delivers; nil means the whole
	// envelope as received (m.Doc.Raw()).
	Payload []byte
	// Meta is given to the events that take one (Message.Meta).
	Meta []byte
}

func (c DecodeContext) payload(m *soap.Message) []byte {
	if c.Payload != nil {
		return c.Payload
	}
	return m.Doc.Raw()
}

// children calls f for each child element of e.
func children(e xmldoc.Element, f func(xmldoc.Element) bool) {
	for c := e.FirstChild(); c.Valid(); c = c.NextSibling() {
		if !f(c) {
			return
		}
	}
}

// childrenNamed returns e's children named {space}local.
func childrenNamed(e xmldoc.Element, space, local string) []xmldoc.Element {
	var out []xmldoc.Element
	children(e, func(c xmldoc.Element) bool {
		if n := c.Name(); n.Space == space && n.Local == local {
			out = append(out, c)
		}
		return true
	})
	return out
}

// text is e's character data with XML Schema whitespace collapsed (the
// samples carry " 3" and line breaks inside values).
func text(e xmldoc.Element) string { return strings.TrimSpace(e.Text()) }

// parseUint reads an xs:unsignedLong (whitespace trimmed).
func parseUint(s string) (uint64, bool) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	return n, err == nil
}

// parseBool reads an xs:boolean.
func parseBool(s string) (bool, bool) {
	switch strings.TrimSpace(s) {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	return false, false
}

// targetedHeaders returns the header blocks targeted at this node as
// ultimate receiver whose namespace is ns.
func targetedHeaders(m *soap.Message, ns string) []soap.HeaderBlock {
	var out []soap.HeaderBlock
	for _, h := range m.Headers {
		if h.Name.Space == ns && h.Targeted(true) {
			out = append(out, h)
		}
	}
	return out
}

// eprAddress is the wsa:Address of an endpoint reference element, in
// either WS-Addressing namespace.
func eprAddress(e xmldoc.Element) string {
	if a := e.Child(soap.WSANS, "Address"); a.Valid() {
		return text(a)
	}
	return text(e.Child(soap.WSANS2004, "Address"))
}
