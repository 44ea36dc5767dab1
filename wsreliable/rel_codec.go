package wsreliable

import (
	"encoding/xml"
	"strings"
	"time"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// IsRel reports whether m is for the WS-Reliability 1.1 engine: it
// carries a Request header targeted at this node, or a PollRequest header
// on a message without a body element. A message whose only WS-Reliability
// content is another header (a Response, which receivers do not process)
// or a PollRequest piggy-backed on an application body is not: the engine
// would drop its body. The caller forwards it as a plain request (or
// refuses it when reliable messaging is required).
func IsRel(m *soap.Message) bool {
	for _, h := range targetedHeaders(m, NSRel) {
		if h.Name.Local == "Request" || h.Name.Local == "PollRequest" && !m.Payload.Valid() {
			return true
		}
	}
	return false
}

// RelUnderstood reports whether DecodeRel processes the header n.
func RelUnderstood(n xml.Name) bool {
	return n.Space == NSRel && (n.Local == "Request" || n.Local == "PollRequest")
}

// DecodeRel reads the WS-Reliability 1.1 headers of m: Request (MessageId
// with groupId and SequenceNum, ExpiryTime, ReplyPattern with ReplyTo,
// AckRequested, DuplicateElimination, MessageOrder) into a Message event,
// PollRequest (RefToMessageIds with SequenceNumRange, ReplyTo) into a
// PollRequest event. Errors are *soap.Fault with the WS-Reliability
// subcode: InvalidRequest (Request malformed or repeated, a required child
// missing), InvalidMessageId (groupId missing), InvalidMessageParameters
// (a SequenceNum attribute malformed), InvalidExpiryTime (not an
// xs:dateTime), InvalidReplyPattern (unknown Value), InvalidPollRequest.
func DecodeRel(m *soap.Message, ctx DecodeContext) ([]Event, error) {
	var evs []Event
	seen := map[string]bool{}
	for _, h := range targetedHeaders(m, NSRel) {
		local := h.Name.Local
		if seen[local] {
			return nil, relFault(m, InvalidRequest, "repeated "+local)
		}
		seen[local] = true
		var ev Event
		var code FaultCode
		var why string
		switch local {
		case "Request":
			ev, code, why = decodeRequest(h.Element, ctx, m)
		case "PollRequest":
			ev, code, why = decodePoll(h.Element, ctx)
		default:
			continue
		}
		if code != NoFault {
			return nil, relFault(m, code, why)
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

func relFault(m *soap.Message, c FaultCode, why string) error {
	return (&Fault{Code: c, Why: why}).SOAP(m.Version)
}

func decodeRequest(e xmldoc.Element, ctx DecodeContext, m *soap.Message) (Event, FaultCode, string) {
	mid, exp, rp := e.Child(NSRel, "MessageId"), e.Child(NSRel, "ExpiryTime"), e.Child(NSRel, "ReplyPattern")
	if !mid.Valid() || !exp.Valid() || !rp.Valid() {
		return nil, InvalidRequest, "Request needs MessageId, ExpiryTime and ReplyPattern."
	}
	ev := Message{Ref: ctx.Ref, Proto: Rel, Payload: ctx.payload(m), Meta: ctx.Meta,
		AckRequested: e.Child(NSRel, "AckRequested").Valid(),
		DupElim:      e.Child(NSRel, "DuplicateElimination").Valid(),
		Ordered:      e.Child(NSRel, "MessageOrder").Valid()}
	gid, _ := mid.Attr("", "groupId")
	if ev.Group = strings.TrimSpace(gid); ev.Group == "" {
		return nil, InvalidMessageID, "MessageId needs a groupId."
	}
	if code, why := decodeSequenceNum(mid.Child(NSRel, "SequenceNum"), &ev); code != NoFault {
		return nil, code, why
	}
	t, ok := parseDateTime(text(exp))
	if !ok {
		return nil, InvalidExpiryTime, "ExpiryTime is not an xs:dateTime."
	}
	ev.Expiry = t
	switch text(rp.Child(NSRel, "Value")) {
	case "Response":
		ev.ReplyPattern = Response
	case "Callback":
		ev.ReplyPattern = Callback
	case "Poll":
		ev.ReplyPattern = Poll
	default:
		return nil, InvalidReplyPattern, "ReplyPattern Value must be Response, Callback or Poll."
	}
	ev.ReplyTo = serviceRef(rp.Child(NSRel, "ReplyTo"))
	return ev, NoFault, ""
}

// decodeSequenceNum reads SequenceNum's attributes into ev; no SequenceNum
// makes a message alone in its group.
func decodeSequenceNum(sn xmldoc.Element, ev *Message) (FaultCode, string) {
	if !sn.Valid() {
		ev.NoSequenceNum = true
		return NoFault, ""
	}
	num, _ := sn.Attr("", "number")
	n, ok := parseUint(num)
	if !ok {
		return InvalidMessageParameters, "SequenceNum number must be an xs:unsignedLong."
	}
	ev.Number = n
	if v, has := sn.Attr("", "last"); has {
		if ev.Last, ok = parseBool(v); !ok {
			return InvalidMessageParameters, "SequenceNum last must be an xs:boolean."
		}
	}
	if v, has := sn.Attr("", "groupExpiryTime"); has {
		if ev.GroupExpiry, ok = parseDateTime(v); !ok {
			return InvalidExpiryTime, "groupExpiryTime is not an xs:dateTime."
		}
	}
	if v, has := sn.Attr("", "groupMaxIdleDuration"); has {
		d, ok := parseDuration(strings.TrimSpace(v))
		if !ok || d <= 0 {
			return InvalidMessageParameters, "groupMaxIdleDuration must be a positive xs:duration."
		}
		ev.GroupMaxIdle = d
	}
	if !ev.GroupExpiry.IsZero() && ev.GroupMaxIdle > 0 {
		return InvalidMessageParameters, "groupExpiryTime and groupMaxIdleDuration exclude each other."
	}
	return NoFault, ""
}

// serviceRef reads a reference-1.1 ServiceRefType: its content is a
// wsrel:BareURI by default, or a WS-Addressing endpoint reference.
func serviceRef(e xmldoc.Element) string {
	if !e.Valid() {
		return ""
	}
	if u := e.Child(NSRel, "BareURI"); u.Valid() {
		return text(u)
	}
	if a := eprAddress(e); a != "" {
		return a
	}
	if c := e.FirstChild(); c.Valid() {
		if a := eprAddress(c); a != "" {
			return a
		}
		return text(c)
	}
	return text(e)
}

func decodePoll(e xmldoc.Element, ctx DecodeContext) (Event, FaultCode, string) {
	p := PollRequest{Ref: ctx.Ref, ReplyTo: serviceRef(e.Child(NSRel, "ReplyTo")), Meta: ctx.Meta}
	for _, r := range childrenNamed(e, NSRel, "RefToMessageIds") {
		gid, _ := r.Attr("", "groupId")
		ref := PollRef{Group: strings.TrimSpace(gid)}
		if ref.Group == "" {
			return nil, InvalidPollRequest, "RefToMessageIds needs a groupId."
		}
		var ranges []Range
		for _, sr := range childrenNamed(r, NSRel, "SequenceNumRange") {
			from, _ := sr.Attr("", "from")
			to, _ := sr.Attr("", "to")
			f, ok1 := parseUint(from)
			t, ok2 := parseUint(to)
			if !ok1 || !ok2 || f > t {
				return nil, InvalidPollRequest, "SequenceNumRange needs from <= to."
			}
			ranges = append(ranges, Range{f, t})
		}
		ref.Ranges = NewRangeSet(ranges...)
		p.Refs = append(p.Refs, ref)
	}
	if len(p.Refs) == 0 {
		return nil, InvalidPollRequest, "PollRequest needs RefToMessageIds."
	}
	return p, NoFault, ""
}

// parseDateTime reads an xs:dateTime; without a time zone it is UTC.
func parseDateTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// writeRelResponse writes the WS-Reliability Response header: one
// NonSequenceReply or SequenceReplies per group, faults in the fault
// attribute (ws-reliability-1.1.xsd, ResponseType).
func writeRelResponse(b *strings.Builder, acks []Ack) {
	b.WriteString(`<wsrel:Response>`)
	for _, a := range acks {
		if a.NonSequence {
			b.WriteString(`<wsrel:NonSequenceReply groupId="` + escape(a.Group) + `"`)
			if len(a.Faults) > 0 {
				b.WriteString(` fault="wsrel:` + a.Faults[0].Code.Name().Local + `"`)
			}
			b.WriteString(`/>`)
			continue
		}
		b.WriteString(`<wsrel:SequenceReplies groupId="` + escape(a.Group) + `">`)
		for _, r := range a.Ranges {
			b.WriteString(`<wsrel:ReplyRange from="` + u64(r.Lower) + `" to="` + u64(r.Upper) + `"/>`)
		}
		for _, f := range a.Faults {
			b.WriteString(`<wsrel:ReplyRange from="` + u64(f.Range.Lower) + `" to="` + u64(f.Range.Upper) +
				`" fault="wsrel:` + f.Code.Name().Local + `"/>`)
		}
		b.WriteString(`</wsrel:SequenceReplies>`)
	}
	b.WriteString(`</wsrel:Response>`)
}
