package wsreliable

import (
	"encoding/xml"
	"strconv"
	"strings"
	"time"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// IsRM reports whether m is for the RM engine: a WS-RM 1.2 or
// WS-MakeConnection 1.1 body (a protocol message), a Sequence header
// targeted here (a sequence message), or RM headers targeted here on a
// message without a body element (AckRequested or SequenceAcknowledgement
// sent alone); the same in the refused 2005/02 namespace.
//
// An application message outside any sequence whose only RM content is a
// piggy-backed header (AckRequested, SequenceAcknowledgement,
// MessagePending: WS-RM 1.2, 3.2) is not: its body is the application's,
// and the engine has nothing to do with it but would drop it. The caller
// forwards it as a plain request (or refuses it with WSRMRequired when
// reliable messaging is required); its piggy-backed headers are not
// processed.
func IsRM(m *soap.Message) bool {
	if s := m.Payload.Name().Space; s == NSRM || s == NSMC || s == NSRM200502 {
		return true
	}
	for _, h := range m.Headers {
		s := h.Name.Space
		if (s != NSRM && s != NSMC && s != NSRM200502) || !h.Targeted(true) {
			continue
		}
		if !m.Payload.Valid() || (s != NSMC && h.Name.Local == "Sequence") {
			return true
		}
	}
	return false
}

// RMUnderstood reports whether the gateway, running DecodeRM, processes the
// header n (for soap.Message.CheckMustUnderstand).
func RMUnderstood(n xml.Name) bool {
	switch n.Space {
	case NSRM:
		return n.Local == "Sequence" || n.Local == "AckRequested" || n.Local == "SequenceAcknowledgement"
	case NSMC:
		return n.Local == "MessagePending"
	}
	return soap.IsAddressingHeader(n)
}

// DecodeRM reads the WS-RM 1.2 / WS-MakeConnection 1.1 content of m into
// engine events: header blocks first (Sequence, AckRequested,
// SequenceAcknowledgement: WS-RM 1.2, 3.7-3.9), then the body
// (CreateSequence 3.4, CloseSequence 3.5, TerminateSequence 3.6,
// CreateSequenceResponse, MakeConnection WS-MC 3.1). A Created event has
// an empty Local: the driver fills in the sequence it asked for (a
// CreateSequenceResponse is an answer: arriving as a request, the driver
// refuses it). Any other body element in the WS-RM or WS-MC namespace is a
// Sender fault.
//
// Errors are *soap.Fault in m's version: a malformed RM element, or more
// than one Sequence header, is a Sender fault wsgw:MalformedMessage; the WS-RM February 2005 namespace is
// answered WSRMRequired (doc.go says why).
func DecodeRM(m *soap.Message, ctx DecodeContext) ([]Event, error) {
	if uses200502(m) {
		return nil, (&Fault{Code: WSRMRequired, Why: "WS-ReliableMessaging 2005/02 is not supported; use " + NSRM + "."}).SOAP(m.Version)
	}
	var evs []Event
	ackReq := map[string]bool{}
	sequences := 0
	for _, h := range targetedHeaders(m, NSRM) {
		if h.Name.Local == "Sequence" {
			// WS-RM 1.2, 3.7: a message is one message of one sequence.
			// Accepting it once per header would deliver its one body
			// as several messages; WS-RM 1.2 has no fault for this (4
			// lists none), so it is a Sender fault.
			if sequences++; sequences > 1 {
				return nil, malformed(m, "more than one Sequence header (a message belongs to one sequence)")
			}
		}
		if h.Name.Local == "AckRequested" {
			id := text(h.Element.Child(NSRM, "Identifier"))
			if id == "" {
				return nil, malformed(m, "AckRequested without Identifier")
			}
			ackReq[id] = true
		}
	}
	for _, h := range targetedHeaders(m, NSRM) {
		ev, err := decodeRMHeader(m, h.Element, ctx, ackReq)
		if err != nil {
			return nil, err
		}
		if ev != nil {
			evs = append(evs, ev)
		}
	}
	for _, id := range sortedKeys(ackReq) {
		if !hasSequence(evs, id) {
			evs = append(evs, AckRequest{Ref: ctx.Ref, Group: id})
		}
	}
	ev, err := decodeRMBody(m, ctx)
	if err != nil {
		return nil, err
	}
	if ev != nil {
		evs = append(evs, ev)
	}
	return evs, nil
}

func hasSequence(evs []Event, id string) bool {
	for _, ev := range evs {
		if msg, ok := ev.(Message); ok && msg.Group == id {
			return true
		}
	}
	return false
}

func uses200502(m *soap.Message) bool {
	for _, h := range m.Headers {
		if h.Name.Space == NSRM200502 && h.Targeted(true) {
			return true
		}
	}
	return m.Payload.Name().Space == NSRM200502
}

func malformed(m *soap.Message, why string) error {
	return soap.NewFault(m.Version, soap.FaultMalformedMessage, "Malformed WS-RM element: "+why+".")
}

func decodeRMHeader(m *soap.Message, e xmldoc.Element, ctx DecodeContext, ackReq map[string]bool) (Event, error) {
	switch e.Name().Local {
	case "Sequence":
		id := text(e.Child(NSRM, "Identifier"))
		n, ok := parseUint(text(e.Child(NSRM, "MessageNumber")))
		if id == "" || !ok || n == 0 {
			return nil, malformed(m, "Sequence needs an Identifier and a MessageNumber of at least 1")
		}
		return Message{Ref: ctx.Ref, Proto: RM, Group: id, Number: n, AckRequested: ackReq[id], Payload: ctx.payload(m), Meta: ctx.Meta}, nil
	case "SequenceAcknowledgement":
		a, err := decodeRMAck(m, e)
		if err != nil {
			return nil, err
		}
		return AckReceived{Ref: ctx.Ref, Group: a.Group, Ranges: a.Ranges, Nacks: a.Nacks, None: a.None, Final: a.Final}, nil
	}
	return nil, nil
}

// decodeRMAck reads a SequenceAcknowledgement (3.9).
func decodeRMAck(m *soap.Message, e xmldoc.Element) (Ack, error) {
	a := Ack{Proto: RM, Group: text(e.Child(NSRM, "Identifier"))}
	if a.Group == "" {
		return a, malformed(m, "SequenceAcknowledgement without Identifier")
	}
	for _, r := range childrenNamed(e, NSRM, "AcknowledgementRange") {
		lo, ok1 := r.Attr("", "Lower")
		hi, ok2 := r.Attr("", "Upper")
		l, ok3 := parseUint(lo)
		u, ok4 := parseUint(hi)
		if !ok1 || !ok2 || !ok3 || !ok4 || l == 0 || l > u {
			return a, malformed(m, "AcknowledgementRange needs 1 <= Lower <= Upper")
		}
		a.Ranges = a.Ranges.AddRange(Range{l, u})
	}
	for _, n := range childrenNamed(e, NSRM, "Nack") {
		v, ok := parseUint(text(n))
		if !ok || v == 0 {
			return a, malformed(m, "Nack needs a message number")
		}
		a.Nacks = append(a.Nacks, v)
	}
	a.None = e.Child(NSRM, "None").Valid()
	a.Final = e.Child(NSRM, "Final").Valid()
	if len(a.Nacks) > 0 && (len(a.Ranges) > 0 || a.None || a.Final) {
		return a, malformed(m, "Nack with AcknowledgementRange, None or Final")
	}
	return a, nil
}

func decodeRMBody(m *soap.Message, ctx DecodeContext) (Event, error) {
	b := m.Payload
	switch b.Name().Space {
	case NSMC:
		if b.Name().Local == "MakeConnection" {
			if hasOtherChild(b, NSMC, "Address") {
				return nil, (&Fault{Code: UnsupportedSelection}).SOAP(m.Version)
			}
			return MakeConnection{Ref: ctx.Ref, Address: text(b.Child(NSMC, "Address"))}, nil
		}
		return nil, unprocessedBody(m)
	case NSRM:
	default:
		return nil, nil
	}
	id := text(b.Child(NSRM, "Identifier"))
	switch b.Name().Local {
	case "CreateSequence":
		return decodeCreate(m, b, ctx)
	case "CreateSequenceResponse":
		return Created{ID: id, Refused: id == ""}, nil
	case "CloseSequence", "TerminateSequence":
		if id == "" {
			return nil, malformed(m, b.Name().Local+" without Identifier")
		}
		last, _ := parseUint(text(b.Child(NSRM, "LastMsgNumber")))
		if b.Name().Local == "CloseSequence" {
			return Close{Ref: ctx.Ref, Group: id, LastMsgNumber: last}, nil
		}
		return Terminate{Ref: ctx.Ref, Group: id, LastMsgNumber: last}, nil
	}
	return nil, unprocessedBody(m)
}

// unprocessedBody is the fault for a WS-RM or WS-MC body element that is
// not a request an RM Destination processes (an unknown element, or a
// response such as CloseSequenceResponse): answering 202 would tell the
// sender its request was taken. WS-RM 1.2 has no fault for it (4), so it is
// a Sender fault naming the element.
func unprocessedBody(m *soap.Message) error {
	n := m.Payload.Name()
	return soap.Sender("The body element {" + n.Space + "}" + n.Local +
		" is not a WS-ReliableMessaging 1.2 or WS-MakeConnection 1.1 request this endpoint processes.").WithVersion(m.Version)
}

// hasOtherChild reports whether e has an element child other than {space}local.
func hasOtherChild(e xmldoc.Element, space, local string) bool {
	other := false
	children(e, func(c xmldoc.Element) bool {
		if n := c.Name(); n.Space != space || n.Local != local {
			other = true
		}
		return !other
	})
	return other
}

func decodeCreate(m *soap.Message, b xmldoc.Element, ctx DecodeContext) (Event, error) {
	acks := b.Child(NSRM, "AcksTo")
	if !acks.Valid() {
		return nil, malformed(m, "CreateSequence without AcksTo")
	}
	ev := CreateSequence{Ref: ctx.Ref, NewID: ctx.NewID, AcksTo: eprAddress(acks), Meta: ctx.Meta}
	if x := b.Child(NSRM, "Expires"); x.Valid() {
		d, ok := parseDuration(text(x))
		if !ok {
			return nil, malformed(m, "Expires is not an xs:duration")
		}
		ev.Expires = d
	}
	if o := b.Child(NSRM, "Offer"); o.Valid() {
		ev.Offer = text(o.Child(NSRM, "Identifier"))
		ev.OfferEndpoint = eprAddress(o.Child(NSRM, "Endpoint"))
		if ev.Offer == "" {
			return nil, malformed(m, "Offer without Identifier")
		}
	}
	return ev, nil
}

// DecodePeerFault reads a WS-RM fault reply (for an outbound sequence):
// the code and the Identifier from its detail (SOAP 1.2) or
// wsrm:SequenceFault header (SOAP 1.1). ok is false for other faults.
func DecodePeerFault(m *soap.Message) (PeerFault, bool) {
	f, ok := m.Fault()
	if !ok {
		return PeerFault{}, false
	}
	var code FaultCode
	for _, sc := range f.Subcodes {
		if c := FaultCodeOf(sc); c != NoFault {
			code = c
		}
	}
	if code == NoFault {
		return PeerFault{}, false
	}
	pf := PeerFault{Code: code}
	for _, h := range targetedHeaders(m, NSRM) {
		if h.Name.Local == "SequenceFault" {
			pf.Group = text(h.Element.Child(NSRM, "Detail").Child(NSRM, "Identifier"))
		}
	}
	if pf.Group == "" {
		pf.Group = findIdentifier(m.Payload)
	}
	return pf, true
}

// findIdentifier returns the text of the first wsrm:Identifier under e.
func findIdentifier(e xmldoc.Element) string {
	var id string
	children(e, func(c xmldoc.Element) bool {
		if n := c.Name(); n.Space == NSRM && n.Local == "Identifier" {
			id = text(c)
		} else {
			id = findIdentifier(c)
		}
		return id == ""
	})
	return id
}

// parseDuration reads an xs:duration. Years count 365 days and months 30
// (the RM specs use durations only for lifetimes and idleness).
func parseDuration(s string) (time.Duration, bool) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if !strings.HasPrefix(s, "P") || len(s) < 2 || strings.HasSuffix(s, "T") {
		return 0, false
	}
	s = s[1:]
	var total float64
	inTime := false
	units := map[bool]map[byte]float64{
		false: {'Y': 365 * 24 * 3600, 'M': 30 * 24 * 3600, 'D': 24 * 3600},
		true:  {'H': 3600, 'M': 60, 'S': 1},
	}
	for len(s) > 0 {
		if s[0] == 'T' {
			if inTime {
				return 0, false
			}
			inTime, s = true, s[1:]
			continue
		}
		i := strings.IndexAny(s, "YMDHS")
		if i <= 0 {
			return 0, false
		}
		v, err := strconv.ParseFloat(s[:i], 64)
		u, ok := units[inTime][s[i]]
		if err != nil || !ok || v < 0 || (s[i] != 'S' && strings.Contains(s[:i], ".")) {
			return 0, false
		}
		total += v * u
		s = s[i+1:]
	}
	if total > float64(1<<62)/1e9 {
		return 0, false
	}
	d := time.Duration(total * float64(time.Second))
	if neg {
		d = -d
	}
	return d, true
}
