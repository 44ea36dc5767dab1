package wsreliable

import (
	"encoding/xml"
	"strconv"
	"strings"
	"time"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// IsRM reports whether m is for the RM engine: a WS-RM (1.2 or February
// 2005) or WS-MakeConnection 1.1 body (a protocol message), a Sequence
// header targeted here (a sequence message), or RM headers targeted here
// on a message without a body element (AckRequested or
// SequenceAcknowledgement sent alone, WS-RM February 2005's empty-bodied
// LastMessage).
//
// An application message outside any sequence whose only RM content is a
// piggy-backed header (AckRequested, SequenceAcknowledgement,
// MessagePending: WS-RM 1.2, 3.2) is not: its body is the application's,
// and the engine has nothing to do with it but would drop it. The caller
// forwards it as a plain request (or refuses it with WSRMRequired when
// reliable messaging is required); its piggy-backed headers are not
// processed.
func IsRM(m *soap.Message) bool {
	if isRMSpace(m.Payload.Name().Space) {
		return true
	}
	for _, h := range m.Headers {
		s := h.Name.Space
		if !isRMSpace(s) || !h.Targeted(true) {
			continue
		}
		if !m.Payload.Valid() || (s != NSMC && h.Name.Local == "Sequence") {
			return true
		}
	}
	return false
}

// isRMSpace reports whether s is a namespace of the RM engine's protocols.
func isRMSpace(s string) bool { return s == NSRM || s == NSRM200502 || s == NSMC }

// RMUnderstood reports whether the gateway, running DecodeRM, processes the
// header n (for soap.Message.CheckMustUnderstand).
func RMUnderstood(n xml.Name) bool {
	switch n.Space {
	case NSRM, NSRM200502:
		return n.Local == "Sequence" || n.Local == "AckRequested" || n.Local == "SequenceAcknowledgement"
	case NSMC:
		return n.Local == "MessagePending"
	}
	return soap.IsAddressingHeader(n)
}

// DecodeRM reads the WS-RM / WS-MakeConnection 1.1 content of m into
// engine events, in the WS-RM version its elements' namespace names
// (rmversion.go): header blocks first (Sequence, AckRequested,
// SequenceAcknowledgement: WS-RM 1.2, 3.7-3.9; February 2005, 3.1-3.3),
// then the body (CreateSequence, 3.4 of both; CloseSequence, 1.2 3.5;
// TerminateSequence, 1.2 3.6, February 2005 3.5; CreateSequenceResponse;
// MakeConnection WS-MC 3.1). A Created event has an empty Local: the
// driver fills in the sequence it asked for (a CreateSequenceResponse is
// an answer: arriving as a request, the driver refuses it). Any other body
// element in a WS-RM or WS-MC namespace is a Sender fault.
//
// Errors are *soap.Fault in m's version: a malformed RM element, more
// than one Sequence header, or WS-RM elements of both versions in one
// message is a Sender fault wsgw:MalformedMessage.
func DecodeRM(m *soap.Message, ctx DecodeContext) ([]Event, error) {
	ver, err := requestVersion(m)
	if err != nil {
		return nil, err
	}
	var evs []Event
	ackReq := map[string]bool{}
	sequences := 0
	for _, h := range targetedHeaders(m, ver.ns) {
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
			id := text(h.Element.Child(ver.ns, "Identifier"))
			if id == "" {
				return nil, malformed(m, "AckRequested without Identifier")
			}
			ackReq[id] = true
		}
	}
	for _, h := range targetedHeaders(m, ver.ns) {
		ev, err := decodeRMHeader(m, h.Element, ver, ctx, ackReq)
		if err != nil {
			return nil, err
		}
		if ev != nil {
			evs = append(evs, ev)
		}
	}
	for _, id := range sortedKeys(ackReq) {
		if !hasSequence(evs, id) {
			evs = append(evs, AckRequest{Ref: ctx.Ref, Proto: ver.proto, Group: id})
		}
	}
	ev, err := decodeRMBody(m, ver, ctx)
	if err != nil {
		return nil, err
	}
	if ev != nil {
		evs = append(evs, ev)
	}
	return evs, nil
}

// requestVersion is the WS-RM version of m's RM elements (the headers
// targeted here and the body): 1.2 when it has none (a WS-MakeConnection
// request). Both versions in one message is malformed: its events would
// be of two protocols, and its answer could speak only one.
func requestVersion(m *soap.Message) (*rmVersion, error) {
	seen := map[string]bool{}
	if s := m.Payload.Name().Space; s == NSRM || s == NSRM200502 {
		seen[s] = true
	}
	for _, h := range m.Headers {
		if s := h.Name.Space; (s == NSRM || s == NSRM200502) && h.Targeted(true) {
			seen[s] = true
		}
	}
	switch {
	case seen[NSRM] && seen[NSRM200502]:
		return nil, malformed(m, "elements of WS-ReliableMessaging 1.2 and February 2005 in one message")
	case seen[NSRM200502]:
		return rm200502, nil
	}
	return rm12, nil
}

func hasSequence(evs []Event, id string) bool {
	for _, ev := range evs {
		if msg, ok := ev.(Message); ok && msg.Group == id {
			return true
		}
	}
	return false
}

func malformed(m *soap.Message, why string) error {
	return soap.NewFault(m.Version, soap.FaultMalformedMessage, "Malformed WS-RM element: "+why+".")
}

func decodeRMHeader(m *soap.Message, e xmldoc.Element, ver *rmVersion, ctx DecodeContext, ackReq map[string]bool) (Event, error) {
	switch e.Name().Local {
	case "Sequence":
		return decodeSequence(m, e, ver, ctx, ackReq)
	case "SequenceAcknowledgement":
		a, err := decodeRMAck(m, e, ver)
		if err != nil {
			return nil, err
		}
		return AckReceived{Ref: ctx.Ref, Proto: ver.proto, Group: a.Group, Ranges: a.Ranges, Nacks: a.Nacks, None: a.None, Final: a.Final}, nil
	}
	return nil, nil
}

// decodeSequence reads a Sequence header (WS-RM 1.2, 3.7; February 2005,
// 3.1 with LastMessage) into a Message. A February 2005 message with the
// LastMessage action is the last one (with or without the LastMessage
// element) and carries nothing to deliver (Control): its Body must be
// empty (WCF B1202), else it is malformed (choice: an application body
// under that action would otherwise be dropped unseen).
func decodeSequence(m *soap.Message, e xmldoc.Element, ver *rmVersion, ctx DecodeContext, ackReq map[string]bool) (Event, error) {
	id := text(e.Child(ver.ns, "Identifier"))
	n, ok := parseUint(text(e.Child(ver.ns, "MessageNumber")))
	if id == "" || !ok || n == 0 {
		return nil, malformed(m, "Sequence needs an Identifier and a MessageNumber of at least 1")
	}
	msg := Message{Ref: ctx.Ref, Proto: ver.proto, Group: id, Number: n, AckRequested: ackReq[id], Payload: ctx.payload(m), Meta: ctx.Meta}
	if ver == rm200502 {
		msg.Last = e.Child(ver.ns, "LastMessage").Valid()
		if wsaAction(m) == ActionLastMessage {
			if m.Payload.Valid() {
				return nil, malformed(m, "a message with the LastMessage action has an empty Body")
			}
			msg.Last, msg.Control, msg.Payload = true, true, nil
		}
	}
	return msg, nil
}

// decodeRMAck reads a SequenceAcknowledgement (1.2, 3.9; February 2005,
// 3.2). In February 2005 the range 0-0 is an acknowledgement of nothing
// (WCF B1402), None and Final do not exist, and ranges and Nacks are a
// choice, as in 1.2.
func decodeRMAck(m *soap.Message, e xmldoc.Element, ver *rmVersion) (Ack, error) {
	a := Ack{Proto: ver.proto, Group: text(e.Child(ver.ns, "Identifier"))}
	if a.Group == "" {
		return a, malformed(m, "SequenceAcknowledgement without Identifier")
	}
	var ranges []Range
	for _, r := range childrenNamed(e, ver.ns, "AcknowledgementRange") {
		lo, ok1 := r.Attr("", "Lower")
		hi, ok2 := r.Attr("", "Upper")
		l, ok3 := parseUint(lo)
		u, ok4 := parseUint(hi)
		if ok1 && ok2 && ok3 && ok4 && l == 0 && u == 0 && ver == rm200502 {
			a.None = true
			continue
		}
		if !ok1 || !ok2 || !ok3 || !ok4 || l == 0 || l > u {
			return a, malformed(m, "AcknowledgementRange needs 1 <= Lower <= Upper")
		}
		ranges = append(ranges, Range{l, u})
	}
	a.Ranges = NewRangeSet(ranges...)
	for _, n := range childrenNamed(e, ver.ns, "Nack") {
		v, ok := parseUint(text(n))
		if !ok || v == 0 {
			return a, malformed(m, "Nack needs a message number")
		}
		a.Nacks = append(a.Nacks, v)
	}
	if ver == rm12 {
		a.None = e.Child(ver.ns, "None").Valid()
		a.Final = e.Child(ver.ns, "Final").Valid()
	}
	if len(a.Nacks) > 0 && (len(a.Ranges) > 0 || a.None || a.Final) {
		return a, malformed(m, "Nack with AcknowledgementRange, None or Final")
	}
	return a, nil
}

func decodeRMBody(m *soap.Message, ver *rmVersion, ctx DecodeContext) (Event, error) {
	b := m.Payload
	switch b.Name().Space {
	case NSMC:
		if b.Name().Local == "MakeConnection" {
			if hasOtherChild(b, NSMC, "Address") {
				return nil, (&Fault{Code: UnsupportedSelection, Proto: RM}).SOAP(m.Version)
			}
			return MakeConnection{Ref: ctx.Ref, Address: text(b.Child(NSMC, "Address"))}, nil
		}
		return nil, unprocessedBody(m)
	case ver.ns:
	default:
		return nil, nil
	}
	id := text(b.Child(ver.ns, "Identifier"))
	switch local := b.Name().Local; {
	case local == "CreateSequence":
		return decodeCreate(m, b, ver, ctx)
	case local == "CreateSequenceResponse":
		return Created{ID: id, Refused: id == ""}, nil
	case local == "TerminateSequence", local == "CloseSequence" && ver == rm12:
		if id == "" {
			return nil, malformed(m, local+" without Identifier")
		}
		last, _ := parseUint(text(b.Child(ver.ns, "LastMsgNumber")))
		if local == "CloseSequence" {
			return Close{Ref: ctx.Ref, Group: id, LastMsgNumber: last}, nil
		}
		return Terminate{Ref: ctx.Ref, Proto: ver.proto, Group: id, LastMsgNumber: last}, nil
	}
	return nil, unprocessedBody(m)
}

// unprocessedBody is the fault for a WS-RM or WS-MC body element that is
// not a request an RM Destination processes (an unknown element, a
// response such as CloseSequenceResponse, or CloseSequence in WS-RM
// February 2005, which has none): answering 202 would tell the sender its
// request was taken. Neither version has a fault for it (4), so it is a
// Sender fault naming the element.
func unprocessedBody(m *soap.Message) error {
	n := m.Payload.Name()
	return soap.Sender("The body element {" + n.Space + "}" + n.Local +
		" is not a WS-ReliableMessaging 1.2 or February 2005, or WS-MakeConnection 1.1, request this endpoint processes.").WithVersion(m.Version)
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

// decodeCreate reads a CreateSequence (3.4 of both versions). AcksTo is an
// endpoint reference of either WS-Addressing namespace (February 2005
// names 2004/08; WCF, Sandesha2 and gSOAP send 1.0 too). A February 2005
// Offer has no Endpoint, and the Expires of its Offer is not used (choice,
// as WCF B1102: nothing is sent on the offered sequence).
func decodeCreate(m *soap.Message, b xmldoc.Element, ver *rmVersion, ctx DecodeContext) (Event, error) {
	acks := b.Child(ver.ns, "AcksTo")
	if !acks.Valid() {
		return nil, malformed(m, "CreateSequence without AcksTo")
	}
	ev := CreateSequence{Ref: ctx.Ref, Proto: ver.proto, NewID: ctx.NewID, AcksTo: eprAddress(acks), Meta: ctx.Meta}
	if x := b.Child(ver.ns, "Expires"); x.Valid() {
		d, ok := parseDuration(text(x))
		if !ok {
			return nil, malformed(m, "Expires is not an xs:duration")
		}
		ev.Expires = d
	}
	if o := b.Child(ver.ns, "Offer"); o.Valid() {
		ev.Offer = text(o.Child(ver.ns, "Identifier"))
		if ver == rm12 {
			ev.OfferEndpoint = eprAddress(o.Child(ver.ns, "Endpoint"))
		}
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
	for _, h := range m.Headers {
		if rmNamespaceOf(h.Element) != "" && h.Name.Local == "SequenceFault" && h.Targeted(true) {
			pf.Group = findIdentifier(h.Element) // in wsrm:Detail (1.2) or not (February 2005)
		}
	}
	if pf.Group == "" {
		pf.Group = findIdentifier(m.Payload)
	}
	return pf, true
}

// findIdentifier returns the text of the first wsrm:Identifier (either
// version) under e.
func findIdentifier(e xmldoc.Element) string {
	var id string
	children(e, func(c xmldoc.Element) bool {
		if rmNamespaceOf(c) != "" && c.Name().Local == "Identifier" {
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
