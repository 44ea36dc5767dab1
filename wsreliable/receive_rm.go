package wsreliable

import (
	"bytes"
	"strings"

	"github.com/wsgw/wsgw/caller"
	"github.com/wsgw/wsgw/soap"
)

// MCAnonymousPrefix is the WS-MakeConnection 1.1 anonymous URI template
// (3.1): an address of this form is reached only by MakeConnection.
const MCAnonymousPrefix = NSMC + "/anonymous?id="

func isMCAnonymous(addr string) bool { return strings.HasPrefix(addr, MCAnonymousPrefix) }

func isAnonymous(addr string) bool {
	return addr == "" || addr == soap.WSAAnonymous || addr == soap.WSAAnonymous2004
}

// onCreate handles CreateSequence (WS-RM 1.2 and February 2005, 3.4): the
// new sequence speaks the version of the request.
func (e *Engine) onCreate(ev CreateSequence) {
	p := ev.Proto.orRM()
	refuse := func(why string) {
		e.fault(ev.Ref, p, &Fault{Code: CreateSequenceRefused, Why: why})
	}
	switch {
	case ev.NewID == "" || e.in[ev.NewID] != nil:
		refuse("identifier not unique")
		return
	case e.roomFor(ev.Caller) != "":
		refuse(e.roomFor(ev.Caller))
		return
	case ev.AcksTo == soap.WSANone:
		refuse("AcksTo is the none address")
		return
	case ev.Offer != "" && (ev.Offer == ev.NewID || e.in[ev.Offer] != nil || e.outByID[ev.Offer] != ""):
		refuse("offered identifier not unique")
		return
	}
	g := e.newGroup(ev.NewID, p, ev.Meta, ev.Caller)
	g.AcksTo = ev.AcksTo
	// DiscardFollowingFirstGap (WS-RM 1.2, 3.4): what lies beyond the
	// first gap of an incomplete sequence is discarded, that is, never
	// processed: it cannot be delivered before the gap fills, which is
	// in-order delivery (everything delivered is the gap-free prefix).
	g.Ordered = e.cfg.InOrder || e.cfg.Incomplete == DiscardFollowingFirstGap
	g.DupElim = e.cfg.Assurance != AtLeastOnce
	grant := e.cfg.SequenceExpires
	if ev.Expires > 0 && ev.Expires < grant {
		grant = ev.Expires
	}
	g.Expires = e.now.Add(grant)
	g.MaxIdle = e.cfg.IdleTimeout
	g.HoldAll = e.cfg.Incomplete == DiscardEntireSequence
	if ev.Offer != "" {
		g.Offer = ev.Offer
		e.acceptOffer(g.ID, ev.Offer, ev.OfferEndpoint, ev.Meta, ev.Caller)
	}
	e.reply(Reply{Ref: ev.Ref, Kind: ReplyCreated, Proto: p, Group: g.ID, Expires: grant,
		Incomplete: e.cfg.Incomplete, AcceptOffer: ev.Offer != ""})
}

// rmGroup finds the open-or-ended WS-RM sequence id of version p for who,
// or answers the fault: a sequence of the other version is unknown to p,
// and so is one an authenticated caller created to anyone else. WS-RM 1.2,
// 5.1.3 (Sequence Spoofing Threats: a sequence's messages, Close,
// Terminate and AckRequested must come from the party that created it)
// and 5.2 (binding a sequence to the security context it was created
// in): the sequence is bound to its creator's identity. (choice)
// UnknownSequence (4.3) rather than an access fault, so that a stranger
// learns nothing of other callers' sequences, not even that they exist.
// (choice) A sequence created by an unauthenticated caller (known by its
// address only) is not bound: a client may come back from another
// address, and an address proves nothing a stranger could not repeat.
func (e *Engine) rmGroup(ref uint64, id string, p Protocol, who caller.ID) *inGroup {
	g := e.in[id]
	if g == nil || g.Proto != p || foreign(g.Caller, who) {
		e.fault(ref, p, &Fault{Code: UnknownSequence, Group: id})
		return nil
	}
	return g
}

// rmMessage handles a message with a Sequence header (WS-RM 1.2, 3.7;
// February 2005, 3.1).
func (e *Engine) rmMessage(m Message) {
	p := m.Proto
	g := e.rmGroup(m.Ref, m.Group, p, m.Caller)
	if g == nil {
		return
	}
	switch {
	case m.Number == 0 || m.Number > e.cfg.MaxMessageNumber:
		e.fault(m.Ref, p, &Fault{Code: MessageNumberRollover, Group: g.ID, Number: m.Number, Max: e.cfg.MaxMessageNumber})
		return
	case g.State == ended:
		e.fault(m.Ref, p, &Fault{Code: SequenceTerminated, Group: g.ID})
		return
	case p == RM200502 && e.beyondLast(g, m):
		e.fault(m.Ref, p, &Fault{Code: LastMessageNumberExceeded, Group: g.ID, Number: m.Number})
		return
	}
	e.setMeta(g, m.Meta)
	dup := g.Received.Contains(m.Number)
	switch {
	case dup && (g.DupElim || m.Control):
		// Duplicate: acknowledged again, not delivered (2.4 ExactlyOnce/AtMostOnce).
	case !dup && g.State == closed:
		e.fault(m.Ref, p, &Fault{Code: SequenceClosed, Group: g.ID})
		return
	case dup && e.room > 0:
		e.deliver(g, m.Number, m.Payload) // AtLeastOnce: every copy
		g.LastActive = e.now
	case dup:
		// AtLeastOnce, no room in the delivery queue: this copy is not
		// delivered (an earlier one was).
	case e.opensGapBeyondBound(g, m.Number):
		// Not accepted, not acknowledged: the sender retransmits later.
	case m.Control:
		e.acceptControl(g, m.Number)
	case !e.canAccept(g, m.Number, len(m.Payload)):
		// Hold-back buffer full: not accepted, not acknowledged; the
		// sender retransmits later.
	default:
		e.accept(g, m.Number, m.Payload, m.Expiry)
	}
	if m.Last && !g.HasLast && g.Received.Contains(m.Number) {
		g.Last, g.HasLast = m.Number, true
		e.dirtyIn[g.ID] = true
	}
	e.rmAck(m.Ref, g)
}

// beyondLast reports whether m of a WS-RM February 2005 sequence is
// beyond its last message: a number above the one that came with
// LastMessage (LastMessageNumberExceeded, 4.6), or a LastMessage below a
// number received already or other than the one known (choice: the same
// fault, since one of the two messages is beyond the other's end).
func (e *Engine) beyondLast(g *inGroup, m Message) bool {
	if g.HasLast {
		return m.Number > g.Last || m.Last && m.Number != g.Last
	}
	return m.Last && g.Received.Max() > m.Number
}

// rmAck sends g's acknowledgement: in the reply when AcksTo is anonymous,
// else (once per Ready) to AcksTo, the reply carrying nothing.
func (e *Engine) rmAck(ref uint64, g *inGroup) {
	if isAnonymous(g.AcksTo) {
		e.reply(Reply{Ref: ref, Kind: ReplyAccepted, Proto: g.Proto, Group: g.ID, Acks: []Ack{g.ack()}})
		return
	}
	e.reply(Reply{Ref: ref, Kind: ReplyAccepted, Proto: g.Proto, Group: g.ID})
	e.queueAckTo(g)
}

// queueAckTo queues one acknowledgement of g to AcksTo per Ready, with the
// state at the time Ready is taken.
func (e *Engine) queueAckTo(g *inGroup) {
	if e.ackTo[g.ID] {
		for i := range e.rd.Send {
			if o := &e.rd.Send[i]; o.Kind == OutAck && o.Group == g.ID {
				o.Acks = []Ack{g.ack()}
			}
		}
		return
	}
	e.ackTo[g.ID] = true
	e.send(Outbound{Kind: OutAck, Proto: g.Proto, To: g.AcksTo, Group: g.ID, Acks: []Ack{g.ack()}})
}

// onAckRequest handles AckRequested (1.2, 3.8; February 2005, 3.3).
func (e *Engine) onAckRequest(ev AckRequest) {
	if g := e.rmGroup(ev.Ref, ev.Group, ev.Proto.orRM(), ev.Caller); g != nil {
		e.rmAck(ev.Ref, g)
	}
}

// onClose handles CloseSequence (3.5): no new messages; the reply carries
// the Final acknowledgement. An ordered sequence's held messages can no
// longer be delivered in order and are discarded (Incomplete).
func (e *Engine) onClose(ev Close) {
	g := e.rmGroup(ev.Ref, ev.Group, RM, ev.Caller)
	if g == nil {
		return
	}
	if g.State == ended {
		e.fault(ev.Ref, RM, &Fault{Code: SequenceTerminated, Group: g.ID})
		return
	}
	g.State = closed
	g.Last, g.HasLast = max(ev.LastMsgNumber, g.Received.Max()), true
	e.endIncomplete(g)
	e.dirtyIn[g.ID] = true
	e.reply(Reply{Ref: ev.Ref, Kind: ReplyClosed, Proto: RM, Group: g.ID, Acks: []Ack{g.ack()}})
}

// onTerminate handles TerminateSequence (1.2, 3.6; February 2005, 3.5).
// The state is kept for DupWindow so that late retransmissions get
// SequenceTerminated rather than UnknownSequence, then forgotten. WS-RM
// February 2005 has no TerminateSequenceResponse: the request is
// accepted with nothing to say (HTTP 202, as WCF treats it: a one-way
// message).
func (e *Engine) onTerminate(ev Terminate) {
	p := ev.Proto.orRM()
	g := e.rmGroup(ev.Ref, ev.Group, p, ev.Caller)
	if g == nil {
		return
	}
	if g.State != ended {
		if ev.LastMsgNumber > 0 && !g.HasLast {
			g.Last, g.HasLast = ev.LastMsgNumber, true
		}
		e.endIncomplete(g)
		e.end(g, NoFault, e.now.Add(e.cfg.DupWindow))
	}
	if p == RM200502 {
		e.reply(Reply{Ref: ev.Ref, Kind: ReplyAccepted, Proto: p, Group: g.ID})
		return
	}
	e.reply(Reply{Ref: ev.Ref, Kind: ReplyTerminated, Proto: p, Group: g.ID, Acks: []Ack{g.ack()}})
}

// endIncomplete applies IncompleteSequenceBehavior (WS-RM 1.2, 3.4) to
// what is held when a sequence is closed or terminated, since no gap can
// fill any more: NoDiscard delivers it (in number order, across the gaps),
// DiscardFollowingFirstGap drops it (everything held is after the first
// gap), DiscardEntireSequence delivers it only if the sequence is complete.
func (e *Engine) endIncomplete(g *inGroup) {
	if len(g.held) == 0 {
		return
	}
	complete := len(g.Received) == 1 && g.Received[0].Lower == 1 && (!g.HasLast || g.Received[0].Upper >= g.Last)
	switch {
	case e.cfg.Incomplete == NoDiscard, e.cfg.Incomplete == DiscardEntireSequence && complete:
		g.Flush = true
		e.dirtyIn[g.ID] = true
		e.drain(g)
	default:
		e.dropHeld(g)
	}
}

// onMakeConnection handles MakeConnection (WS-MakeConnection 1.1, 3.1-3.2).
func (e *Engine) onMakeConnection(ev MakeConnection) {
	if ev.Address == "" {
		e.fault(ev.Ref, RM, &Fault{Code: MissingSelection})
		return
	}
	o, ok, more := e.pending.take(ev.Address)
	if !ok {
		e.reply(Reply{Ref: ev.Ref, Kind: ReplyPending, Proto: RM})
		return
	}
	e.reply(Reply{Ref: ev.Ref, Kind: ReplyPending, Proto: RM, Group: o.Group, Pending: &o, MorePending: more})
}

// acceptOffer creates the outbound sequence a CreateSequence offered
// (WS-RM 1.2, 3.4 Offer): it is open at once, with the offered Identifier.
// It carries the gateway's messages to the offering endpoint, and is the
// client's (Offered): Submit never picks it, whatever its Endpoint, since
// its Identifier is the client's choice and the client acknowledges it (a
// client offering a destination's address as Endpoint would otherwise get
// the gateway's messages for that destination on a sequence the client
// controls, and could acknowledge them unsent).
//
// The offered sequence is its creator's, as the sequence offering it
// (who: rmGroup, foreign): only who acknowledges it (onAckReceived).
func (e *Engine) acceptOffer(group, id, endpoint string, meta []byte, who caller.ID) {
	s := &outSeq{Local: e.newLocal(), To: endpoint, ID: id, Of: group, State: sending, Next: 1, Meta: bytes.Clone(meta),
		Offered: true, Caller: who, unacked: map[uint64]*outMsg{}}
	e.out[s.Local], e.outByID[id] = s, s.Local
	e.dirtyOut[s.Local] = true
}
