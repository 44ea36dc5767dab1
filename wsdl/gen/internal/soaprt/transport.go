package soaprt

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

const (
	wsgwEnv11 = "http://schemas.xmlsoap.org/soap/envelope/"
	wsgwEnv12 = "http://www.w3.org/2003/05/soap-envelope"
)

// SOAPTransport is an http.RoundTripper that fits the requests of
// github.com/hooklift/gowsdl/soap (always SOAP 1.1, SOAPAction as the
// binding of the first port gowsdl saw) to the binding of one port:
//
//   - SOAP 1.1 port: it sets SOAPAction to this port's action for the
//     operation, quoted (WS-I Basic Profile 1.1, R2744).
//   - SOAP 1.2 port: it rewrites the request envelope to the SOAP 1.2
//     namespace and sends Content-Type application/soap+xml with the action
//     parameter (SOAP 1.2 Part 2, 7.1.4; RFC 3902) instead of SOAPAction;
//     the SOAP 1.2 reply is rewritten to SOAP 1.1 on the way in, a fault
//     included: Code/Value becomes faultcode (Sender: Client, Receiver:
//     Server, others keep their name), the first Reason/Text (English
//     preferred) faultstring, Role faultactor, Detail detail. The HTTP
//     status is kept, so a fault reaches the caller as gowsdl's
//     *soap.HTTPError whose ResponseBody is the SOAP 1.1 fault, as it does
//     on a SOAP 1.1 port.
//
// The operation is recognised by the body's first element.
type SOAPTransport struct {
	// Base sends the rewritten request; nil means http.DefaultTransport.
	Base http.RoundTripper
	// SOAP12 selects SOAP 1.2; false is SOAP 1.1.
	SOAP12 bool
	// Actions maps the body's first element, in Clark notation
	// ("{namespace}local"), to the operation's action in this port's
	// binding. A body not listed keeps the action gowsdl sent.
	Actions map[string]string
}

var _ http.RoundTripper = (*SOAPTransport)(nil)

// RoundTrip rewrites req for the port's binding, sends it, and rewrites a
// SOAP 1.2 reply to SOAP 1.1.
func (t *SOAPTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	if req.Body == nil {
		return base.RoundTrip(req)
	}
	if mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type")); strings.HasPrefix(mt, "multipart/") {
		req.Body.Close()
		return nil, errors.New("soap transport: multipart (MTOM, attachments) requests are not rewritten")
	}
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("soap transport: reading request: %w", err)
	}
	out := req.Clone(req.Context())
	action := wsgwGowsdlAction(req.Header.Get("SOAPAction"))
	if a, ok := t.Actions[wsgwBodyName(body)]; ok {
		action = a
	}
	if t.SOAP12 {
		body = wsgwRequestNS.ReplaceAll(body, []byte(`${1}"`+wsgwEnv12+`"`))
		ct := "application/soap+xml; charset=utf-8"
		if action != "" {
			ct += "; action=" + strconv.Quote(action)
		}
		out.Header.Del("SOAPAction")
		out.Header.Set("Content-Type", ct)
	} else {
		out.Header.Set("SOAPAction", strconv.Quote(action))
	}
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.ContentLength = int64(len(body))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	resp, err := base.RoundTrip(out)
	if err != nil || !t.SOAP12 {
		return resp, err
	}
	return wsgwReplyTo11(resp)
}

// wsgwGowsdlAction undoes gowsdl's spelling of an empty action: two
// apostrophes.
func wsgwGowsdlAction(h string) string {
	h = strings.TrimSpace(h)
	if h == "''" {
		return ""
	}
	if u, err := strconv.Unquote(h); err == nil {
		return u
	}
	return h
}

// wsgwRequestNS matches the SOAP 1.1 envelope namespace declarations that
// encoding/xml writes (always double-quoted; a quote in text or attribute
// values is escaped, so the pattern only matches markup).
var wsgwRequestNS = regexp.MustCompile(`(xmlns(?::[\w.\-]+)?=)"` + regexp.QuoteMeta(wsgwEnv11) + `"`)

// wsgwReplyNS matches SOAP 1.2 envelope namespace declarations in a reply,
// written by any toolkit.
var wsgwReplyNS = regexp.MustCompile(`(xmlns(?::[\w.\-]+)?\s*=\s*)(["'])` + regexp.QuoteMeta(wsgwEnv12) + `["']`)

// wsgwBodyName returns the Clark name of the first child of the envelope's
// Body, or "".
func wsgwBodyName(env []byte) string {
	d := xml.NewDecoder(bytes.NewReader(env))
	depth, inBody := 0, false
	for {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 2 && t.Name.Local == "Body" {
				inBody = true
			} else if depth == 3 && inBody {
				return "{" + t.Name.Space + "}" + t.Name.Local
			}
		case xml.EndElement:
			depth--
			if depth < 2 && inBody {
				return ""
			}
		}
	}
}

// wsgwReplyTo11 rewrites a SOAP 1.2 reply to SOAP 1.1; other replies pass.
func wsgwReplyTo11(resp *http.Response) (*http.Response, error) {
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "application/soap+xml" {
		return resp, nil
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("soap transport: reading reply: %w", err)
	}
	b = wsgwReplyNS.ReplaceAll(b, []byte(`${1}${2}`+wsgwEnv11+`${2}`))
	b, err = wsgwFaultTo11(b)
	if err != nil {
		return nil, fmt.Errorf("soap transport: rewriting SOAP 1.2 reply: %w", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	resp.Header.Del("Content-Length")
	resp.Header.Set("Content-Type", "text/xml; charset=utf-8")
	return resp, nil
}
