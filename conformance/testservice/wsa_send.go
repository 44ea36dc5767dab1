package testservice

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/wsgw/wsgw/soap"
)

// exchange is one WS-Addressing request and where its answers go.
type exchange struct {
	s       *Service
	w       http.ResponseWriter
	r       *http.Request
	m       *soap.Message
	a       soap.Addressing
	replyTo *soap.EPR // nil: anonymous
	faultTo *soap.EPR // FaultTo, else ReplyTo
}

// reply sends a reply with action and body content to [reply endpoint]
// (WS-Addressing 1.0 Core 3.4).
func (x *exchange) reply(action string, body []byte) {
	to := x.replyTo
	if bad := x.unusable(to); bad != nil {
		x.fault(bad)
		return
	}
	out := reply{v: x.m.Version}
	out.header.Write(x.replyHeaders(action, to))
	out.body.Write(body)
	x.deliver(to, out.marshal(), http.StatusOK, action)
}

// fault sends f to [fault endpoint]. A destination that cannot be used
// gets DestinationUnreachable in the HTTP response instead.
func (x *exchange) fault(f *soap.Fault) {
	v := x.m.Version
	f.WithVersion(v)
	to := x.faultTo
	if bad := x.unusable(to); bad != nil {
		f, to = bad, nil
	}
	if x.a.NS != "" {
		f = f.WithAddressing(x.a)
		f.Header = append(f.Header, x.eprHeaders(to)...)
	}
	x.deliver(to, f.Marshal(v), f.HTTPStatus(v), soap.WSAFaultAction(x.a.NS))
}

// unusable returns the DestinationUnreachable fault for an address the
// service will not send to (SOAP Binding 6.4.3; test1260), nil otherwise.
func (x *exchange) unusable(to *soap.EPR) *soap.Fault {
	if to.IsAnonymous() || to.IsNone() {
		return nil
	}
	u, err := url.Parse(to.Address)
	if err == nil && x.s.allow(u) {
		return nil
	}
	ns := x.a.NS
	if ns == "" {
		ns = soap.WSANS
	}
	return soap.DestinationUnreachable(x.m.Version, ns, to.Address)
}

// replyHeaders returns the addressing headers of a reply to the request
// (Core 3.4): Action, MessageID, RelatesTo, To and the reference
// parameters of the destination.
func (x *exchange) replyHeaders(action string, to *soap.EPR) []byte {
	var b bytes.Buffer
	ns := x.a.NS
	if ns == "" {
		return nil
	}
	wsaText(&b, ns, "Action", action)
	wsaText(&b, ns, "MessageID", newMessageID())
	if x.a.MessageID != "" {
		wsaText(&b, ns, "RelatesTo", x.a.MessageID)
	}
	b.Write(x.eprHeaders(to))
	return b.Bytes()
}

// eprHeaders returns wsa:To for a non-anonymous destination and the
// destination's reference parameters, each marked IsReferenceParameter
// (SOAP Binding 2.3).
func (x *exchange) eprHeaders(to *soap.EPR) []byte {
	var b bytes.Buffer
	if to == nil {
		return nil
	}
	ns := x.a.NS
	if !to.IsAnonymous() && !to.IsNone() {
		wsaText(&b, ns, "To", to.Address)
	}
	extra := ` xmlns:wsa="` + ns + `" wsa:IsReferenceParameter="true"`
	for _, p := range to.ReferenceParameters {
		copyElement(&b, p, rootScope(map[string]string{ns: "wsa"}), xml.Name{}, extra)
	}
	return b.Bytes()
}

func wsaText(b *bytes.Buffer, ns, local, text string) {
	b.WriteString(`<wsa:` + local + ` xmlns:wsa="` + ns + `">`)
	escapeText(b, text)
	b.WriteString(`</wsa:` + local + `>`)
}

// deliver sends msg to to: the HTTP response when to is anonymous (with
// status), nothing but HTTP 202 when it is none, else HTTP 202 and then a
// POST of msg to the address.
func (x *exchange) deliver(to *soap.EPR, msg []byte, status int, action string) {
	v := x.m.Version
	if to.IsAnonymous() {
		x.w.Header().Set("Content-Type", v.ContentType())
		x.w.Header().Set("Content-Length", strconv.Itoa(len(msg)))
		x.w.WriteHeader(status)
		_, _ = x.w.Write(msg)
		return
	}
	x.w.WriteHeader(http.StatusAccepted)
	if to.IsNone() {
		return
	}
	if f, ok := x.w.(http.Flusher); ok {
		f.Flush()
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(x.r.Context()), 10*time.Second)
	defer cancel()
	if err := x.post(ctx, to.Address, msg, action); err != nil {
		x.s.log.Warn("delivering a WS-Addressing message", "to", to.Address, "err", err)
	}
}

// post sends msg to addr in the message's version.
func (x *exchange) post(ctx context.Context, addr string, msg []byte, action string) error {
	v := x.m.Version
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, addr, bytes.NewReader(msg))
	if err != nil {
		return err
	}
	if v == soap.V12 {
		req.Header.Set("Content-Type", soap.MediaType12+`; charset=utf-8; action="`+action+`"`)
	} else {
		req.Header.Set("Content-Type", soap.MediaType11+"; charset=utf-8")
		req.Header.Set("SOAPAction", `"`+action+`"`)
	}
	resp, err := x.s.client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("posting to %s: %s", addr, resp.Status)
	}
	return nil
}

// newMessageID returns a fresh urn:uuid (RFC 4122 version 4).
func newMessageID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
