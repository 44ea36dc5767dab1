package soap

import (
	"encoding/xml"
	"io"
	"strings"

	"github.com/wsgw/wsgw/soap/xmldoc"
)

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

// ReadMessage reads one envelope from r with the guarded reader (xmldoc,
// limits lim) and checks its SOAP structure. Every error is a *Fault:
//
//   - input the reader refuses (not well-formed, over a limit, a DOCTYPE or
//     a processing instruction, a read error): Sender (1.1 Client) with
//     subcode wsgw:MalformedMessage or wsgw:LimitExceeded;
//   - a root that is not a SOAP 1.1 or 1.2 Envelope (unknown namespace or
//     other local name): VersionMismatch;
//   - a bad envelope structure or SOAP attribute value: Sender with
//     wsgw:MalformedMessage.
//
// Fault.Version is the envelope's version when its root start tag could be
// read (for input the reader refuses: when the root start tag is within the
// first 4 KiB), 0 otherwise, an unknown envelope namespace included: the
// caller answers in f.VersionOr(version named by the Content-Type). See
// doc.go.
func ReadMessage(r io.Reader, lim xmldoc.Limits) (*Message, error) {
	return ReadMessageSized(r, -1, lim)
}

// ReadMessageSized is ReadMessage with the expected size of the input (an
// HTTP Content-Length; negative when unknown), which sizes the reader's
// buffer once instead of growing it. The size is a hint, not a limit.
func ReadMessageSized(r io.Reader, size int64, lim xmldoc.Limits) (*Message, error) {
	doc, input, err := xmldoc.ReadSized(r, size, lim)
	if err != nil {
		return nil, readFault(err, sniffVersion(input))
	}
	m, f := checkEnvelope(doc)
	if f != nil {
		return nil, f
	}
	return m, nil
}

// ReadMessageBytes is ReadMessage over b, which it indexes without copying;
// b must not be modified afterwards.
func ReadMessageBytes(b []byte, lim xmldoc.Limits) (*Message, error) {
	doc, err := xmldoc.ParseBytes(b, lim)
	if err != nil {
		return nil, readFault(err, sniffVersion(b))
	}
	m, f := checkEnvelope(doc)
	if f != nil {
		return nil, f
	}
	return m, nil
}

// checkEnvelope checks SOAP 1.1 note 4.1-4.3 / SOAP 1.2 Part 1 5.1-5.3.
func checkEnvelope(doc *xmldoc.Doc) (*Message, *Fault) {
	env := doc.Root()
	name := env.Name()
	v := VersionOf(name.Space)
	if v == 0 || name.Local != "Envelope" {
		return nil, VersionMismatch("root element {" + name.Space + "}" + name.Local +
			" is not a SOAP 1.1 or SOAP 1.2 Envelope").WithVersion(v)
	}
	m := &Message{Doc: doc, Version: v, Envelope: env}
	if f := checkFrame(v, env); f != nil {
		return nil, f
	}
	c := env.FirstChild()
	if c.Valid() && c.Name() == (xml.Name{Space: name.Space, Local: "Header"}) {
		m.Header = c
		c = c.NextSibling()
	}
	if !c.Valid() || c.Name() != (xml.Name{Space: name.Space, Local: "Body"}) {
		what := "end of Envelope"
		if c.Valid() {
			what = "element " + qstr(c.Name())
		}
		return nil, malformed(v, "found "+what+" where the Body was expected (an Envelope holds an optional Header, then one Body)")
	}
	m.Body = c
	if next := c.NextSibling(); next.Valid() {
		if v == V12 {
			return nil, malformed(v, "element "+qstr(next.Name())+" after the Body (SOAP 1.2 Part 1, 5.1)")
		}
		return nil, malformed(v, "element "+qstr(next.Name())+" after the Body (WS-I Basic Profile 1.1, R1011)")
	}
	for _, e := range []xmldoc.Element{m.Header, m.Body} {
		if e.Valid() {
			if f := checkFrame(v, e); f != nil {
				return nil, f
			}
		}
	}
	if m.Header.Valid() {
		hs, f := readHeaders(v, m.Header)
		if f != nil {
			return nil, f
		}
		m.Headers = hs
	}
	m.Payload = m.Body.FirstChild()
	return m, nil
}

// checkFrame checks the attributes and character content of the Envelope,
// Header or Body e: attributes must be namespace-qualified (SOAP 1.1 note
// 4.1; SOAP 1.2 Part 1, 5.1-5.3), and in SOAP 1.2 none may be in the
// envelope namespace (env:encodingStyle included, 5.1.1); text must be
// whitespace.
func checkFrame(v Version, e xmldoc.Element) *Fault {
	ns := v.Namespace()
	for _, a := range e.Attrs() {
		switch {
		case a.Name.Space == "":
			return malformed(v, "attribute "+a.Name.Local+" on "+e.Name().Local+" must be namespace-qualified")
		case v == V12 && a.Name.Space == ns:
			return malformed(v, "attribute env:"+a.Name.Local+" is not allowed on "+e.Name().Local+" (SOAP 1.2 Part 1, 5.1.1)")
		}
	}
	if strings.Trim(e.Text(), " \t\r\n") != "" {
		return malformed(v, e.Name().Local+" holds character data; only elements are allowed")
	}
	return nil
}

func malformed(v Version, reason string) *Fault {
	return NewFault(v, FaultMalformedMessage, reason)
}

func qstr(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return "{" + n.Space + "}" + n.Local
}
