package soaprt

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"

	"github.com/hooklift/gowsdl/soap"
)

// wsgwFault12 is a SOAP 1.2 Fault (SOAP 1.2 Part 1, 5.4) whose namespace
// has already been rewritten: child names match in any namespace.
type wsgwFault12 struct {
	Code struct {
		Value string `xml:"Value"`
	} `xml:"Code"`
	Reason struct {
		Text []struct {
			Lang  string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
			Value string `xml:",chardata"`
		} `xml:"Text"`
	} `xml:"Reason"`
	Role   string `xml:"Role"`
	Detail *struct {
		Inner []byte `xml:",innerxml"`
	} `xml:"Detail"`
}

// wsgwFaultTo11 replaces the envelope's Body/Fault, already in the SOAP 1.1
// namespace but of SOAP 1.2 shape, by a SOAP 1.1 Fault (SOAP 1.1, 4.4).
func wsgwFaultTo11(env []byte) ([]byte, error) {
	d := xml.NewDecoder(bytes.NewReader(env))
	depth, inBody := 0, false
	for {
		start := d.InputOffset()
		tok, err := d.Token()
		if err != nil {
			return env, nil // no fault found; gowsdl reports bad XML itself
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 2:
				inBody = t.Name.Space == wsgwEnv11 && t.Name.Local == "Body"
			case depth == 3 && inBody && t.Name.Space == wsgwEnv11 && t.Name.Local == "Fault":
				var f wsgwFault12
				if err := d.DecodeElement(&f, &t); err != nil {
					return nil, err
				}
				var out bytes.Buffer
				out.Write(env[:start])
				f.write11(&out)
				out.Write(env[d.InputOffset():])
				return out.Bytes(), nil
			case depth == 3:
				return env, nil
			}
		case xml.EndElement:
			depth--
		}
	}
}

// write11 writes f as a SOAP 1.1 Fault.
func (f *wsgwFault12) write11(b *bytes.Buffer) {
	code := f.Code.Value
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[i+1:]
	}
	switch strings.TrimSpace(code) {
	case "Sender":
		code = "Client"
	case "Receiver", "":
		code = "Server"
	default:
		code = strings.TrimSpace(code)
	}
	reason := ""
	for _, t := range f.Reason.Text {
		if strings.HasPrefix(strings.ToLower(t.Lang), "en") {
			reason = t.Value
			break
		}
	}
	if reason == "" && len(f.Reason.Text) > 0 {
		reason = f.Reason.Text[0].Value
	}
	b.WriteString(`<wsgw11:Fault xmlns:wsgw11="` + wsgwEnv11 + `"><faultcode>wsgw11:`)
	xml.EscapeText(b, []byte(code))
	b.WriteString(`</faultcode><faultstring>`)
	xml.EscapeText(b, []byte(reason))
	b.WriteString(`</faultstring>`)
	if f.Role != "" {
		b.WriteString(`<faultactor>`)
		xml.EscapeText(b, []byte(strings.TrimSpace(f.Role)))
		b.WriteString(`</faultactor>`)
	}
	if f.Detail != nil {
		b.WriteString(`<detail>`)
		b.Write(f.Detail.Inner)
		b.WriteString(`</detail>`)
	}
	b.WriteString(`</wsgw11:Fault>`)
}

// SOAPFaultOf returns the SOAP fault that err, an error of a generated
// operation, carries: err itself when it is a *soap.SOAPFault (a fault
// sent with HTTP status 200), or the SOAP 1.1 fault in the body of a
// *soap.HTTPError (gowsdl reports a fault sent with an error status, as
// SOAP 1.1 and 1.2 servers send it, as an HTTPError; a SOAP 1.2 port's
// transport has already rewritten the body to SOAP 1.1).
func SOAPFaultOf(err error) (*soap.SOAPFault, bool) {
	var f *soap.SOAPFault
	if errors.As(err, &f) {
		return f, true
	}
	var he *soap.HTTPError
	if !errors.As(err, &he) {
		return nil, false
	}
	var env struct {
		Body struct {
			Fault *struct {
				Code   string `xml:"faultcode"`
				String string `xml:"faultstring"`
				Actor  string `xml:"faultactor"`
			} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Fault"`
		} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
	}
	if xml.Unmarshal(he.ResponseBody, &env) != nil || env.Body.Fault == nil {
		return nil, false
	}
	bf := env.Body.Fault
	return &soap.SOAPFault{Code: strings.TrimSpace(bf.Code), String: bf.String, Actor: strings.TrimSpace(bf.Actor)}, true
}
