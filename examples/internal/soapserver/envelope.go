package soapserver

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// Version is a SOAP version.
type Version int

const (
	V11 Version = iota // SOAP 1.1
	V12                // SOAP 1.2
)

// Envelope namespaces (SOAP 1.1, 4.1.2; SOAP 1.2 Part 1, 5.1).
const (
	NS11 = "http://schemas.xmlsoap.org/soap/envelope/"
	NS12 = "http://www.w3.org/2003/05/soap-envelope"
)

func (v Version) namespace() string {
	if v == V12 {
		return NS12
	}
	return NS11
}

func (v Version) contentType() string {
	if v == V12 {
		return "application/soap+xml; charset=utf-8"
	}
	return "text/xml; charset=utf-8"
}

// request is a request read up to the start of its first body element.
type request struct {
	version Version
	dec     *xml.Decoder
	body    xml.StartElement
}

func (r *request) decodeBody(v any) error {
	if err := r.dec.DecodeElement(v, &r.body); err != nil {
		return &Fault{Code: CodeSender, Reason: fmt.Sprintf("reading %s: %v", r.body.Name.Local, err)}
	}
	return nil
}

// readEnvelope reads the envelope up to its first body element. On error the
// returned request still carries the version, when it was known.
func readEnvelope(rd io.Reader) (*request, error) {
	req := &request{dec: xml.NewDecoder(rd)}
	start, err := nextStart(req.dec)
	if err != nil {
		return req, err
	}
	switch {
	case start.Name.Local != "Envelope":
		return req, &Fault{Code: CodeSender, Reason: "document element is not a SOAP Envelope"}
	case start.Name.Space == NS12:
		req.version = V12
	case start.Name.Space != NS11:
		// SOAP 1.1, 4.4.2; SOAP 1.2 Part 1, 5.4.7.
		return req, &Fault{Code: CodeVersionMismatch, Reason: "unsupported envelope namespace " + start.Name.Space}
	}
	ns := req.version.namespace()
	for {
		el, err := nextStart(req.dec)
		if err != nil {
			return req, err
		}
		switch {
		case el.Name.Space == ns && el.Name.Local == "Header":
			if err := checkHeader(req.dec, req.version); err != nil {
				return req, err
			}
		case el.Name.Space == ns && el.Name.Local == "Body":
			first, err := nextStart(req.dec)
			if err != nil {
				return req, errors.New("empty SOAP Body")
			}
			req.body = first
			return req, nil
		default:
			return req, &Fault{Code: CodeSender, Reason: "unexpected element " + el.Name.Local + " in Envelope"}
		}
	}
}

// nextStart returns the next start element, failing at an end element or
// EOF. Directives (DOCTYPE) are refused.
func nextStart(dec *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := dec.Token()
		if err != nil {
			return xml.StartElement{}, fmt.Errorf("reading envelope: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, nil
		case xml.EndElement:
			return xml.StartElement{}, fmt.Errorf("reading envelope: unexpected end of %s", t.Name.Local)
		case xml.Directive:
			return xml.StartElement{}, errors.New("DTDs are not allowed in SOAP messages")
		}
	}
}

// checkHeader reads the Header's blocks. The example services understand
// none, so a block targeted at them (they are the ultimate receiver) with
// mustUnderstand set gets a MustUnderstand fault (SOAP 1.1, 4.2.3; SOAP 1.2
// Part 1, 2.4 and 5.4.8).
func checkHeader(dec *xml.Decoder, v Version) error {
	ns := v.namespace()
	for {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("reading header: %w", err)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			if mustUnderstandHere(t, ns) {
				return &Fault{Code: CodeMustUnderstand, Reason: "header block {" + t.Name.Space + "}" + t.Name.Local + " not understood"}
			}
			if err := dec.Skip(); err != nil {
				return fmt.Errorf("reading header: %w", err)
			}
		}
	}
}

// mustUnderstandHere reports a header block with mustUnderstand set that
// is addressed to this node: no role/actor (the ultimate receiver), or
// next, or ultimateReceiver.
func mustUnderstandHere(el xml.StartElement, ns string) bool {
	must, role := false, ""
	for _, a := range el.Attr {
		if a.Name.Space != ns {
			continue // an unqualified actor is not SOAP's (SOAP 1.1, 4.2.2)
		}
		switch a.Name.Local {
		case "mustUnderstand":
			must = a.Value == "1" || a.Value == "true"
		case "role", "actor":
			role = a.Value
		}
	}
	switch role {
	case "", ns + "role/next", ns + "role/ultimateReceiver", "http://schemas.xmlsoap.org/soap/actor/next":
		return must
	}
	return false
}
