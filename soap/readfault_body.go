package soap

import (
	"bytes"
	"encoding/xml"
	"strings"

	"github.com/wsgw/wsgw/soap/xmldoc"
)

// Fault returns the fault m carries, when its Body holds a Fault element
// (SOAP 1.1 note 4.4; SOAP 1.2 Part 1, 5.4): for reading replies, e.g. in
// tests and the conformance kit. The result is the reverse of Marshal:
//
//   - SOAP 1.2: Code ("" when the Value is not a SOAP 1.2 code) and the
//     Subcode chain (QNames resolved), the first
//     Reason Text, Role, Detail's content, and the names of the
//     env:NotUnderstood header blocks.
//   - SOAP 1.1: a faultcode in the envelope namespace gives Code (Client ->
//     Sender, Server -> Receiver; "Client.X" dot notation keeps its first
//     part); any other faultcode is taken as the outermost subcode (see
//     doc.go), with the code of its row in the fault table, Sender for a
//     WS-Addressing one, else Receiver. faultstring, faultactor and detail
//     give Reason, Role and Detail.
//
// Detail holds the raw bytes of the detail element's content as sent; they
// may use prefixes declared on ancestors. ok is false when the Body holds
// no Fault.
func (m *Message) Fault() (f *Fault, ok bool) {
	e := m.Payload
	if !e.Valid() || e.Name() != (xml.Name{Space: m.Version.Namespace(), Local: "Fault"}) {
		return nil, false
	}
	f = &Fault{Version: m.Version}
	if m.Version == V12 {
		f.read12(m, e)
	} else {
		f.read11(m, e)
	}
	return f, true
}

func (f *Fault) read12(m *Message, e xmldoc.Element) {
	ns := NS12
	for c := e.FirstChild(); c.Valid(); c = c.NextSibling() {
		switch c.Name() {
		case xml.Name{Space: ns, Local: "Code"}:
			f.readCode12(c)
		case xml.Name{Space: ns, Local: "Reason"}:
			if t := child(c, ns, "Text"); t.Valid() {
				f.Reason = t.Text()
			}
		case xml.Name{Space: ns, Local: "Role"}:
			f.Role = strings.TrimSpace(c.Text())
		case xml.Name{Space: ns, Local: "Detail"}:
			f.Detail = content(m.Doc, c)
		}
	}
	for _, h := range m.Headers {
		if h.Name == (xml.Name{Space: ns, Local: "NotUnderstood"}) {
			if q, ok := h.Element.Attr("", "qname"); ok {
				if n, ok := h.Element.ResolveQName(strings.TrimSpace(q)); ok {
					f.NotUnderstood = append(f.NotUnderstood, n)
				}
			}
		}
	}
}

// readCode12 reads Code/Value and the Subcode/Value chain.
func (f *Fault) readCode12(code xmldoc.Element) {
	if v := child(code, NS12, "Value"); v.Valid() {
		if n, ok := v.ResolveQName(strings.TrimSpace(v.Text())); ok && n.Space == NS12 {
			f.Code = Code(n.Local)
		}
	}
	for s := child(code, NS12, "Subcode"); s.Valid(); s = child(s, NS12, "Subcode") {
		v := child(s, NS12, "Value")
		if !v.Valid() {
			break
		}
		if n, ok := v.ResolveQName(strings.TrimSpace(v.Text())); ok {
			f.Subcodes = append(f.Subcodes, n)
		}
	}
}

func (f *Fault) read11(m *Message, e xmldoc.Element) {
	for c := e.FirstChild(); c.Valid(); c = c.NextSibling() {
		switch c.Name() {
		case xml.Name{Local: "faultcode"}:
			f.readCode11(c)
		case xml.Name{Local: "faultstring"}:
			f.Reason = c.Text()
		case xml.Name{Local: "faultactor"}:
			f.Role = strings.TrimSpace(c.Text())
		case xml.Name{Local: "detail"}:
			f.readDetail11(m, c)
		}
	}
}

// readDetail11 reads a SOAP 1.1 detail: the wsgw:Subcode entries that lead
// it (see SubcodeFaultcode) go back into Subcodes, the rest into Detail.
func (f *Fault) readDetail11(m *Message, detail xmldoc.Element) {
	f.Detail = content(m.Doc, detail)
	if len(f.Subcodes) > 0 || len(f.Detail) == 0 {
		return // the faultcode was a subcode
	}
	// content slices Raw, whose capacity ends with it: so this is the
	// offset of Detail in Raw.
	base := len(m.Doc.Raw()) - cap(f.Detail)
	for c := detail.FirstChild(); c.Valid(); c = c.NextSibling() {
		if c.Name() != (xml.Name{Space: FaultNS, Local: subcodeElem}) {
			break
		}
		n, ok := c.ResolveQName(strings.TrimSpace(c.Text()))
		if !ok {
			break
		}
		f.Subcodes = append(f.Subcodes, n)
		_, end := c.Span()
		f.Detail = f.Detail[end-base:]
		base = end
	}
	if len(f.Detail) == 0 {
		f.Detail = nil
	}
}

// readCode11 maps a SOAP 1.1 faultcode to Code and Subcodes.
func (f *Fault) readCode11(c xmldoc.Element) {
	n, ok := c.ResolveQName(strings.TrimSpace(c.Text()))
	if !ok {
		f.Code = CodeReceiver
		return
	}
	if n.Space == NS11 {
		base, _, _ := strings.Cut(n.Local, ".")
		switch base {
		case "Client":
			f.Code = CodeSender
		case "Server":
			f.Code = CodeReceiver
		default:
			f.Code = Code(base)
		}
		return
	}
	f.Subcodes = []xml.Name{n}
	switch {
	case isWSA(n.Space) && n.Local == "EndpointUnavailable":
		f.Code = CodeReceiver
	case isWSA(n.Space):
		f.Code = CodeSender
	default:
		f.Code = NewFault(0, n, "").Code
	}
}

// child returns the first child of e named {space}local.
func child(e xmldoc.Element, space, local string) xmldoc.Element {
	for c := e.FirstChild(); c.Valid(); c = c.NextSibling() {
		if c.Name() == (xml.Name{Space: space, Local: local}) {
			return c
		}
	}
	return xmldoc.Element{}
}

// content returns the raw bytes between e's start and end tags ("" for an
// empty-element tag). The start tag ends at the first '>' outside quotes.
func content(doc *xmldoc.Doc, e xmldoc.Element) []byte {
	start, end := e.Span()
	raw := doc.Raw()[start:end]
	var quote byte
	for i := 1; i < len(raw); i++ {
		switch b := raw[i]; {
		case quote != 0:
			if b == quote {
				quote = 0
			}
		case b == '"' || b == '\'':
			quote = b
		case b == '>':
			if raw[i-1] == '/' {
				return nil
			}
			inner := raw[i+1:]
			if j := bytes.LastIndexByte(inner, '<'); j >= 0 {
				return inner[:j]
			}
			return nil
		}
	}
	return nil
}
