package gateway

import (
	"bytes"
	"encoding/xml"
	"io"
	"slices"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// payload is the request as forwarded: slices of the bytes read from the
// client, in order. It is the whole message, or the message less the
// header blocks this hop removes (see forwardedPayload); the bytes are
// never copied.
type payload [][]byte

// Len returns the number of bytes forwarded.
func (p payload) Len() int64 {
	var n int64
	for _, b := range p {
		n += int64(len(b))
	}
	return n
}

// Reader returns a new reader over the payload.
func (p payload) Reader() io.Reader {
	if len(p) == 1 {
		return bytes.NewReader(p[0])
	}
	rs := make([]io.Reader, len(p))
	for i, b := range p {
		rs[i] = bytes.NewReader(b)
	}
	return io.MultiReader(rs...)
}

// forwardedPayload returns what the gateway forwards of msg. The gateway is
// a SOAP intermediary of the services it forwards (SOAP 1.2 Part 1, 2.7):
// a header block targeted at it (role next; SOAP 1.1 actor next) that it
// does not let through to the backend (understood) is removed, unless
// SOAP 1.2 relay="true" asks for it to be relayed (2.7.2, Table 3); SOAP
// 1.1 (4.2.2) says such an entry must not be forwarded. Blocks without a
// role are the ultimate receiver's, the backend's, and go through untouched,
// as do blocks for roles the gateway does not play. The consumed blocks
// (a wsse:Security header the gateway checked, security.go) are removed
// too.
func forwardedPayload(msg *soap.Message, understood func(xml.Name) bool, consumed ...xmldoc.Element) payload {
	raw := msg.Doc.Raw()
	var p payload
	from := 0
	for _, h := range msg.Headers {
		notForwarded := h.Targeted(false) && !understood(h.Name) && !h.Relay
		if !notForwarded && !slices.Contains(consumed, h.Element) {
			continue
		}
		start, end := h.Element.Span()
		p = append(p, raw[from:start])
		from = end
	}
	return append(p, raw[from:])
}
