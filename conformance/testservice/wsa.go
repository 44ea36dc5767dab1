package testservice

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/wsgw/wsgw/soap"
)

// The WS-Addressing test suite's actions, body elements and fault subcode.
const (
	ActionEchoIn  = "http://example.org/action/echoIn"
	ActionEchoOut = "http://example.org/action/echoOut"
	ActionNotify  = "http://example.org/action/notify"
	NSEcho        = "http://example.org/echo"
	NSNotify      = "http://example.org/notify"
)

// EmptyEchoString is the subcode of the fault echo answers to an empty
// string.
var EmptyEchoString = xml.Name{Space: NSEcho, Local: "EmptyEchoString"}

// serveWSA handles POST /wsa: the echo and notify services.
func (s *Service) serveWSA(w http.ResponseWriter, r *http.Request) {
	v, httpAction, err := soap.ParseContentType(r.Header)
	if err != nil {
		writeFault(w, err, versionHint(r.Header))
		return
	}
	m, err := soap.ReadMessageSized(r.Body, r.ContentLength, s.limits)
	if err != nil {
		writeFault(w, err, v)
		return
	}
	if err := m.CheckMustUnderstand(true, soap.IsAddressingHeader); err != nil {
		// Raised before addressing is processed: the HTTP response (test1238).
		f := err.(*soap.Fault)
		if a, aerr := soap.ReadAddressing(m); aerr == nil {
			f = f.WithAddressing(a)
		}
		f.WriteHTTP(w, m.Version)
		return
	}
	x := &exchange{s: s, w: w, r: r, m: m}
	a, err := soap.ReadAddressing(m)
	if err != nil {
		x.a, x.replyTo, x.faultTo = lenientAddressing(m)
		x.fault(err.(*soap.Fault))
		return
	}
	x.a, x.replyTo, x.faultTo = a, a.ReplyTo, a.FaultTo
	if x.faultTo == nil {
		x.faultTo = x.replyTo
	}
	if err := soap.CheckAction(m.Version, a, httpAction); err != nil {
		x.fault(err.(*soap.Fault))
		return
	}
	x.dispatch()
}

// dispatch runs the operation the message's Action (else its body
// element) names.
func (x *exchange) dispatch() {
	action, p := x.a.Action, x.m.Payload
	if action == "" {
		switch p.Name() {
		case xml.Name{Space: NSEcho, Local: "echoIn"}:
			action = ActionEchoIn
		case xml.Name{Space: NSNotify, Local: "notify"}:
			action = ActionNotify
		}
	}
	switch action {
	case ActionNotify:
		x.s.log.Debug("notify", "text", p.Text(), "messageID", x.a.MessageID)
		x.w.WriteHeader(http.StatusAccepted)
	case ActionEchoIn:
		text := p.Text()
		if strings.TrimSpace(text) == "" {
			// In SOAP 1.1 the subcode is the faultcode, as the test suite
			// expects (test1133) and WS-Addressing's own faults do.
			f := soap.Sender("empty echo string", EmptyEchoString)
			f.SubcodeFaultcode = true
			x.fault(f)
			return
		}
		var b bytes.Buffer
		b.WriteString(`<echo:echoOut xmlns:echo="` + NSEcho + `">`)
		escapeText(&b, text)
		b.WriteString(`</echo:echoOut>`)
		x.reply(ActionEchoOut, b.Bytes())
	default:
		ns := x.a.NS
		if ns == "" {
			ns = soap.WSANS
		}
		x.fault(soap.ActionNotSupported(x.m.Version, ns, action))
	}
}

// lenientAddressing recovers what it can of the addressing properties of
// a message ReadAddressing refused (a duplicate or missing header): the
// namespace, a MessageID, ReplyTo and FaultTo that occur once, so that the
// fault goes where the sender asked (SOAP Binding 6; test1149).
func lenientAddressing(m *soap.Message) (a soap.Addressing, replyTo, faultTo *soap.EPR) {
	count := map[xml.Name]int{}
	for _, h := range m.Headers {
		if soap.IsAddressingHeader(h.Name) && h.Targeted(true) {
			if a.NS == "" {
				a.NS = h.Name.Space
			}
			count[h.Name]++
		}
	}
	for _, h := range m.Headers {
		if h.Name.Space != a.NS || a.NS == "" || !h.Targeted(true) || count[h.Name] != 1 {
			continue
		}
		switch h.Name.Local {
		case "MessageID":
			a.MessageID = strings.TrimSpace(h.Element.Text())
		case "ReplyTo":
			replyTo = lenientEPR(a.NS, h)
		case "FaultTo":
			faultTo = lenientEPR(a.NS, h)
		}
	}
	if faultTo == nil {
		faultTo = replyTo
	}
	return a, replyTo, faultTo
}

func lenientEPR(ns string, h soap.HeaderBlock) *soap.EPR {
	e := &soap.EPR{Address: strings.TrimSpace(h.Element.Child(ns, "Address").Text())}
	for p := h.Element.Child(ns, "ReferenceParameters").FirstChild(); p.Valid(); p = p.NextSibling() {
		e.ReferenceParameters = append(e.ReferenceParameters, p)
	}
	return e
}
