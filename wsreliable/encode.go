package wsreliable

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/wsgw/wsgw/soap"
)

// WS-RM 1.2 and WS-MC 1.1 actions (WS-RM 1.2, 3.4-3.9 and appendix; WS-MC 3.1).
const (
	ActionCreateSequence            = NSRM + "/CreateSequence"
	ActionCreateSequenceResponse    = NSRM + "/CreateSequenceResponse"
	ActionCloseSequence             = NSRM + "/CloseSequence"
	ActionCloseSequenceResponse     = NSRM + "/CloseSequenceResponse"
	ActionTerminateSequence         = NSRM + "/TerminateSequence"
	ActionTerminateSequenceResponse = NSRM + "/TerminateSequenceResponse"
	ActionSequenceAcknowledgement   = NSRM + "/SequenceAcknowledgement"
	ActionAckRequested              = NSRM + "/AckRequested"
	ActionFault                     = NSRM + "/fault"
	ActionMakeConnection            = NSMC + "/MakeConnection"

	// actionMCFault is the action of WS-MakeConnection 1.1 faults
	// (UnsupportedSelection, MissingSelection), not WS-RM's.
	actionMCFault = NSMC + "/fault"
)

// faultAction is the wsa:Action of RM fault f: WS-MC's for its faults,
// WS-RM 1.2's (4) for a 1.2 fault, "" for a WS-RM February 2005 fault,
// which takes WS-Addressing's own fault action (its section 4: the fault
// action of the WS-Addressing in use; soap.Fault.WithAddressing).
func faultAction(f *Fault) string {
	switch f.Code.In(f.Proto).Space {
	case NSMC:
		return actionMCFault
	case NSRM200502:
		return ""
	}
	return ActionFault
}

// EncodeContext is what an encoder needs besides the engine's output.
type EncodeContext struct {
	// Version is the SOAP version to answer in (the request's).
	Version soap.Version
	// Request holds the request's WS-Addressing properties: a reply
	// carries wsa:RelatesTo its MessageID, in its WS-Addressing namespace.
	Request soap.Addressing
	// WSA is the WS-Addressing namespace of a message the gateway sends
	// on its own (EncodeOutbound): the one the group's client spoke. ""
	// takes Request.NS, else the namespace the protocol's specification
	// names (WS-RM 1.2: 1.0; February 2005: 2004/08).
	WSA string
	// Self is the gateway's address for this service, given as
	// Accept/AcksTo when an Offer is accepted.
	Self string
	// MessageID is the wsa:MessageID to give a message the gateway sends
	// ("" for none).
	MessageID string
	// To is the wsa:To of an answer sent to the request's reply or fault
	// endpoint rather than on its HTTP response (WS-Addressing 1.0 Core
	// 3.4: the [destination] of a reply is that endpoint's address); ""
	// for an answer on the response.
	To string
}

// namespaces returns the namespaces a message about protocol p is written
// in: WS-Addressing (wsaNS) and WS-RM (the version of p).
func (c EncodeContext) namespaces(p Protocol) envNS {
	return envNS{wsa: firstNonEmpty(firstNonEmpty(c.WSA, c.Request.NS), versionOf(p).wsa), rm: versionOf(p).ns}
}

// EncodeReplies writes the HTTP answer to one request from every Reply the
// engine gave for its Ref: a fault if any is one (the first), otherwise one
// envelope with each acknowledgement as a header block
// (SequenceAcknowledgement, or the WS-Reliability Response element) and the
// protocol response as the body, in the WS-RM version of the replies and
// the WS-Addressing namespace of the request. Status 202 and no body when
// there is nothing to say (WS-RM over HTTP, one-way).
func EncodeReplies(ctx EncodeContext, replies []Reply) (status int, body []byte) {
	for _, r := range replies {
		if r.Kind == ReplyFault {
			f := r.Fault.SOAP(ctx.Version)
			if r.Proto.isRM() && ctx.Request.NS != "" {
				// WS-RM 1.2, 4 (WS-MC 1.1 for its faults): the fault
				// action; February 2005, 4: WS-Addressing's, which
				// WithAddressing adds with RelatesTo.
				if a := faultAction(r.Fault); a != "" {
					f.Header = append(f.Header, `<wsa:Action xmlns:wsa="`+ctx.Request.NS+`">`+a+`</wsa:Action>`...)
				}
				if ctx.To != "" {
					f.Header = append(f.Header, `<wsa:To xmlns:wsa="`+ctx.Request.NS+`">`+escape(ctx.To)+`</wsa:To>`...)
				}
				f = f.WithAddressing(ctx.Request)
			}
			return f.HTTPStatus(ctx.Version), f.Marshal(ctx.Version)
		}
	}
	p := RM
	if len(replies) > 0 && replies[0].Proto != 0 {
		p = replies[0].Proto
	}
	ver, ns := versionOf(p), ctx.namespaces(p)
	var hdr, bdy strings.Builder
	action := ""
	var relAcks []Ack
	for _, r := range replies {
		for _, a := range r.Acks {
			if a.Proto == Rel {
				relAcks = append(relAcks, a)
				continue
			}
			writeRMAck(&hdr, a, "")
			action = firstNonEmpty(action, ver.action("SequenceAcknowledgement"))
		}
		switch r.Kind {
		case ReplyCreated:
			action = ver.action("CreateSequenceResponse")
			writeCreateResponse(&bdy, r, firstNonEmpty(ctx.Self, anonymousOf(ns.wsa)))
		case ReplyClosed:
			action = ActionCloseSequenceResponse
			bdy.WriteString(`<wsrm:CloseSequenceResponse><wsrm:Identifier>` + escape(r.Group) + `</wsrm:Identifier></wsrm:CloseSequenceResponse>`)
		case ReplyTerminated:
			action = ActionTerminateSequenceResponse
			bdy.WriteString(`<wsrm:TerminateSequenceResponse><wsrm:Identifier>` + escape(r.Group) + `</wsrm:Identifier></wsrm:TerminateSequenceResponse>`)
		case ReplyPending:
			if r.Pending != nil {
				return http.StatusOK, EncodeOutbound(ctx, *r.Pending, r.MorePending)
			}
		}
	}
	if len(relAcks) > 0 {
		writeRelResponse(&hdr, relAcks)
	}
	if hdr.Len()+bdy.Len() == 0 {
		return http.StatusAccepted, nil
	}
	if action != "" {
		hdr.WriteString(wsaHeaders(action, ctx.Request.MessageID, ctx.To))
	}
	return http.StatusOK, envelope(ctx.Version, ns, hdr.String(), bdy.String())
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// writeCreateResponse writes a CreateSequenceResponse (3.4) in the
// version of r: WS-RM February 2005 has no IncompleteSequenceBehavior.
// acksTo is the Accept's AcksTo address when an Offer was accepted.
func writeCreateResponse(b *strings.Builder, r Reply, acksTo string) {
	b.WriteString(`<wsrm:CreateSequenceResponse><wsrm:Identifier>` + escape(r.Group) + `</wsrm:Identifier>`)
	if r.Expires > 0 {
		b.WriteString(`<wsrm:Expires>` + xsDuration(r.Expires) + `</wsrm:Expires>`)
	}
	if r.Proto != RM200502 {
		b.WriteString(`<wsrm:IncompleteSequenceBehavior>` + r.Incomplete.String() + `</wsrm:IncompleteSequenceBehavior>`)
	}
	if r.AcceptOffer {
		b.WriteString(`<wsrm:Accept><wsrm:AcksTo><wsa:Address>` + escape(acksTo) + `</wsa:Address></wsrm:AcksTo></wsrm:Accept>`)
	}
	b.WriteString(`</wsrm:CreateSequenceResponse>`)
}

// EncodeOutbound writes a message the gateway sends (Outbound): a
// SequenceAcknowledgement (or WS-RM fault) to AcksTo, in the version of its
// sequence; a WS-Reliability Response to a Callback ReplyTo;
// CreateSequence (AcksTo and Offer-less: acknowledgements come back on the
// HTTP response), a sequence message (its Payload is the Body content),
// CloseSequence, TerminateSequence (the sending side speaks WS-RM 1.2
// only). pending adds the WS-MC MessagePending header (3.2).
func EncodeOutbound(ctx EncodeContext, o Outbound, pending bool) []byte {
	ver, ns := versionOf(o.Proto), ctx.namespaces(o.Proto)
	var hdr, bdy strings.Builder
	action := ""
	switch o.Kind {
	case OutAck:
		if o.Proto == Rel {
			writeRelResponse(&hdr, o.Acks)
			break
		}
		if o.Fault != nil {
			f := o.Fault.SOAP(ctx.Version)
			if a := firstNonEmpty(faultAction(o.Fault), soap.WSAFaultAction(ns.wsa)); a != "" {
				f.Header = append(f.Header, `<wsa:Action xmlns:wsa="`+ns.wsa+`">`+a+`</wsa:Action>`...)
			}
			if !isAnonymous(o.To) {
				f.Header = append(f.Header, `<wsa:To xmlns:wsa="`+ns.wsa+`">`+escape(o.To)+`</wsa:To>`...)
			}
			return f.Marshal(ctx.Version)
		}
		for _, a := range o.Acks {
			writeRMAck(&hdr, a, "")
		}
		action = ver.action("SequenceAcknowledgement")
	case OutCreate:
		action = ActionCreateSequence
		bdy.WriteString(`<wsrm:CreateSequence><wsrm:AcksTo><wsa:Address>` + soap.WSAAnonymous + `</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence>`)
	case OutMessage:
		hdr.WriteString(`<wsrm:Sequence ` + mustUnderstand(ctx.Version) + `><wsrm:Identifier>` + escape(o.Group) +
			`</wsrm:Identifier><wsrm:MessageNumber>` + u64(o.Number) + `</wsrm:MessageNumber></wsrm:Sequence>`)
		if o.AckRequested {
			hdr.WriteString(`<wsrm:AckRequested><wsrm:Identifier>` + escape(o.Group) + `</wsrm:Identifier></wsrm:AckRequested>`)
		}
		bdy.Write(o.Payload)
		action = o.Action
	case OutClose, OutTerminate:
		name := map[OutKind]string{OutClose: "CloseSequence", OutTerminate: "TerminateSequence"}[o.Kind]
		action = NSRM + "/" + name
		bdy.WriteString(`<wsrm:` + name + `><wsrm:Identifier>` + escape(o.Group) + `</wsrm:Identifier><wsrm:LastMsgNumber>` +
			u64(o.LastMsgNumber) + `</wsrm:LastMsgNumber></wsrm:` + name + `>`)
	}
	if pending {
		hdr.WriteString(`<wsmc:MessagePending pending="true"/>`)
	}
	if action != "" {
		hdr.WriteString(wsaHeaders(action, "", o.To))
		if ctx.MessageID != "" {
			hdr.WriteString(`<wsa:MessageID>` + escape(ctx.MessageID) + `</wsa:MessageID>`)
		}
	}
	return envelope(ctx.Version, ns, hdr.String(), bdy.String())
}

func mustUnderstand(v soap.Version) string {
	if v == soap.V12 {
		return `env:mustUnderstand="true"`
	}
	return `env:mustUnderstand="1"`
}

// wsaHeaders writes wsa:Action, and wsa:RelatesTo / wsa:To when given.
func wsaHeaders(action, relatesTo, to string) string {
	s := `<wsa:Action>` + escape(action) + `</wsa:Action>`
	if relatesTo != "" {
		s += `<wsa:RelatesTo>` + escape(relatesTo) + `</wsa:RelatesTo>`
	}
	if to != "" && !isAnonymous(to) {
		s += `<wsa:To>` + escape(to) + `</wsa:To>`
	}
	return s
}

// envNS are the namespaces of the prefixes wsa and wsrm in an envelope.
type envNS struct{ wsa, rm string }

// envelope writes an envelope of version v declaring the prefixes env,
// wsa and wsrm (the namespaces of ns), wsrel (WS-Reliability 1.1) and
// wsmc.
func envelope(v soap.Version, ns envNS, header, body string) []byte {
	if v != soap.V12 {
		v = soap.V11
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	b.WriteString(`<env:Envelope xmlns:env="` + v.Namespace() + `" xmlns:wsa="` + ns.wsa +
		`" xmlns:wsrm="` + ns.rm + `" xmlns:wsmc="` + NSMC + `" xmlns:wsrel="` + NSRel + `">`)
	if header != "" {
		b.WriteString(`<env:Header>` + header + `</env:Header>`)
	}
	b.WriteString(`<env:Body>` + body + `</env:Body></env:Envelope>` + "\n")
	return []byte(b.String())
}

// xsDuration writes d as an xs:duration in seconds.
func xsDuration(d time.Duration) string {
	s := d.Seconds()
	if s == float64(int64(s)) {
		return fmt.Sprintf("PT%dS", int64(s))
	}
	return fmt.Sprintf("PT%gS", s)
}
