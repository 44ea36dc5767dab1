package wsreliable

import "time"

// relMessage handles a WS-Reliability 1.1 message with a Request header:
// checks, then duplicate elimination, ordering, group termination by last
// message, and the acknowledgement by reply pattern.
func (e *Engine) relMessage(m Message) {
	if m.Group == "" {
		e.fault(m.Ref, Rel, &Fault{Code: InvalidMessageID})
		return
	}
	if code := e.relCheck(m); code != NoFault {
		e.relAnswer(m, nil, code)
		return
	}
	g := e.in[m.Group]
	if g != nil && foreign(g.Caller, m.Caller) {
		// Another caller's group: as a groupId that names no group of
		// this protocol (relGroupCheck), InvalidMessageId, answered in
		// the reply and recorded nowhere (the group is left untouched).
		e.relAnswer(m, nil, InvalidMessageID)
		return
	}
	if g == nil {
		if e.roomFor(m.Caller) != "" {
			e.relAnswer(m, nil, MessageProcessingFailure)
			return
		}
		g = e.newRelGroup(m)
	}
	if code := relGroupCheck(g, m); code != NoFault {
		e.relAnswer(m, g, code)
		return
	}
	g.Pattern, g.ReplyTo = m.ReplyPattern, m.ReplyTo
	e.setMeta(g, m.Meta)
	dup := g.Received.Contains(m.Number)
	switch {
	case dup && g.DupElim:
		// Duplicate: acknowledged, not delivered again.
	case dup && e.room > 0:
		e.deliver(g, m.Number, m.Payload) // no DuplicateElimination asked
	case dup:
		// No room in the delivery queue: this copy is not delivered
		// (an earlier one was).
	case !e.canAccept(g, m.Number, len(m.Payload)):
		e.relAnswer(m, g, MessageProcessingFailure)
		return
	default:
		if m.Expiry.After(g.KeepUntil) {
			g.KeepUntil = m.Expiry
		}
		if m.Last {
			g.Last, g.HasLast = m.Number, true
		}
		// A fault recorded for this number refused an earlier copy (no
		// room, bad parameters): the message is taken now, and a Poll
		// must say so, not report the old refusal.
		g.clearFaults(m.Number)
		e.accept(g, m.Number, m.Payload, m.Expiry)
		e.relComplete(g)
	}
	e.relAnswer(m, g, NoFault)
}

// relCheck checks one message on its own.
func (e *Engine) relCheck(m Message) FaultCode {
	switch {
	case m.Expiry.IsZero() || !e.now.Before(m.Expiry):
		return InvalidExpiryTime
	case m.ReplyPattern > Poll,
		m.ReplyPattern == Callback && (m.ReplyTo == "" || e.cfg.RefuseCallback),
		m.ReplyPattern == Poll && e.cfg.RefusePoll:
		return InvalidReplyPattern
	case m.Ordered && e.cfg.RefuseOrdering:
		return FeatureNotSupported
	case m.Ordered && m.NoSequenceNum, m.NoSequenceNum && (m.Last || m.Number != 0):
		return InvalidMessageParameters
	case !m.GroupExpiry.IsZero() && !e.now.Before(m.GroupExpiry):
		return InvalidExpiryTime
	}
	return NoFault
}

// relGroupCheck checks a message against its group.
func relGroupCheck(g *inGroup, m Message) FaultCode {
	switch {
	case g.Proto != Rel:
		return InvalidMessageID
	case g.State == ended && g.Reason != NoFault && !g.Received.Contains(m.Number):
		return GroupAborted
	case g.NonSeq != m.NoSequenceNum, g.Ordered != m.Ordered:
		return InvalidMessageParameters
	case g.HasLast && (m.Number > g.Last || m.Last && m.Number != g.Last):
		return InvalidMessageParameters
	case !m.GroupExpiry.IsZero() && !g.askedExpiry().IsZero() && !m.GroupExpiry.Equal(g.askedExpiry()):
		return InvalidMessageParameters
	}
	return NoFault
}

// newRelGroup creates m's group. Its lifetime is the groupExpiryTime and
// groupMaxIdleDuration asked, within SequenceExpires and IdleTimeout
// (choice: WS-Reliability has no way to refuse them, so a group asking
// longer is aborted at the engine's bound: its later messages get
// GroupAborted); without them, the engine's.
func (e *Engine) newRelGroup(m Message) *inGroup {
	g := e.newGroup(m.Group, Rel, m.Meta, m.Caller)
	g.Ordered = m.Ordered
	// MessageOrder implies duplicate elimination: a copy delivered twice
	// would break the order.
	g.DupElim = m.DupElim || m.Ordered
	g.NonSeq = m.NoSequenceNum
	g.Expires = e.now.Add(e.cfg.SequenceExpires)
	if !m.GroupExpiry.IsZero() && m.GroupExpiry.Before(g.Expires) {
		g.Expires = m.GroupExpiry
	} else {
		g.OwnExpiry, g.Asked = true, m.GroupExpiry
	}
	g.MaxIdle = e.cfg.IdleTimeout
	if m.GroupMaxIdle > 0 && m.GroupMaxIdle < g.MaxIdle {
		g.MaxIdle = m.GroupMaxIdle
	}
	return g
}

// askedExpiry is the groupExpiryTime g's sender gave (zero: none).
func (g *inGroup) askedExpiry() time.Time {
	if g.OwnExpiry {
		return g.Asked
	}
	return g.Expires
}

// relComplete ends a group whose last message arrived and every number
// up to it too (group termination by last message). Its duplicate
// elimination state is kept until the group's last ExpiryTime, and
// DupWindow more: a message of it that expires waiting for delivery is
// found expired at or after its ExpiryTime, and its failure is reported
// through the group (ProcessingFailed), which must still be known.
func (e *Engine) relComplete(g *inGroup) {
	if g.State == ended {
		return
	}
	complete := g.NonSeq
	if g.HasLast && len(g.Received) == 1 && g.Received[0].Lower == g.Base && g.Received[0].Upper == g.Last {
		complete = true
	}
	if complete && len(g.held) == 0 {
		e.end(g, NoFault, g.KeepUntil.Add(e.cfg.DupWindow))
	}
}

// relAnswer acknowledges m (or reports code) by m's reply pattern:
// Response in the reply, Callback sent to ReplyTo, Poll kept for
// PollRequest. A fault goes by the pattern too, except InvalidReplyPattern
// and faults before a group exists, which go in the reply.
func (e *Engine) relAnswer(m Message, g *inGroup, code FaultCode) {
	a := Ack{Proto: Rel, Group: m.Group, NonSequence: m.NoSequenceNum}
	r := Range{m.Number, m.Number}
	if code != NoFault {
		a.Faults = []RangeFault{{r, code}}
	} else {
		a.Ranges = RangeSet{r}
	}
	reply := Reply{Ref: m.Ref, Kind: ReplyAccepted, Proto: Rel, Group: m.Group}
	pattern := m.ReplyPattern
	if code == InvalidReplyPattern || (g == nil && pattern == Poll) {
		pattern = Response
	}
	switch {
	case code == NoFault && !m.AckRequested:
	case pattern == Response:
		reply.Acks = []Ack{a}
	case pattern == Callback:
		o := Outbound{Kind: OutAck, Proto: Rel, To: m.ReplyTo, Group: m.Group, Acks: []Ack{a}, Meta: m.Meta}
		if g != nil {
			o.Meta = g.Meta
		}
		e.send(o)
	case pattern == Poll && code != NoFault:
		g.addFault(m.Number, code)
		e.dirtyIn[g.ID] = true
	}
	e.reply(reply)
}

// onPoll answers a PollRequest: for each group asked about, the numbers
// received in the ranges asked and the faults recorded there. A group the
// engine does not know (never received, or forgotten) is left out: the
// sender has no acknowledgement and resends. So is another caller's
// group (foreign): a stranger learns nothing of it.
func (e *Engine) onPoll(ev PollRequest) {
	if len(ev.Refs) == 0 {
		e.fault(ev.Ref, Rel, &Fault{Code: InvalidPollRequest})
		return
	}
	var acks []Ack
	for _, ref := range mergePollRefs(ev.Refs) {
		g := e.in[ref.Group]
		if g == nil || g.Proto != Rel || foreign(g.Caller, ev.Caller) {
			continue // unknown, or another caller's: as unknown
		}
		acks = append(acks, pollAck(g, ref.Ranges))
	}
	if ev.ReplyTo != "" {
		e.send(Outbound{Kind: OutAck, Proto: Rel, To: ev.ReplyTo, Acks: acks, Meta: ev.Meta})
		e.reply(Reply{Ref: ev.Ref, Kind: ReplyAccepted, Proto: Rel})
		return
	}
	e.reply(Reply{Ref: ev.Ref, Kind: ReplyPoll, Proto: Rel, Acks: acks})
}

// mergePollRefs returns refs with one entry per group, in the order of
// their first mention, asking for every range asked of it (everything,
// when one of them asks for the whole group). A group named again would
// otherwise be answered again, whole: a PollRequest naming one group with
// many gaps thousands of times would make an answer thousands of times
// its size.
func mergePollRefs(refs []PollRef) []PollRef {
	var out []PollRef
	at := map[string]int{}
	var ranges [][]Range
	whole := map[string]bool{}
	for _, r := range refs {
		i, seen := at[r.Group]
		if !seen {
			i = len(out)
			at[r.Group] = i
			out = append(out, PollRef{Group: r.Group})
			ranges = append(ranges, nil)
		}
		if len(r.Ranges) == 0 {
			whole[r.Group] = true
		}
		ranges[i] = append(ranges[i], r.Ranges...)
	}
	for i := range out {
		if !whole[out[i].Group] {
			out[i].Ranges = NewRangeSet(ranges[i]...)
		}
	}
	return out
}

func pollAck(g *inGroup, asked RangeSet) Ack {
	a := Ack{Proto: Rel, Group: g.ID, NonSequence: g.NonSeq}
	inAsked := func(n uint64) bool { return len(asked) == 0 || asked.Contains(n) }
	var failed []Range
	for _, f := range g.Faults {
		if inAsked(f.Range.Lower) {
			a.Faults = append(a.Faults, f)
			failed = append(failed, f.Range)
		}
	}
	received := g.Received
	if len(asked) > 0 {
		received = received.Intersect(asked)
	}
	a.Ranges = received.Subtract(NewRangeSet(failed...))
	return a
}

// onProcessingFailed records an application failure of a delivered
// message and reports it where the group's acknowledgements go.
func (e *Engine) onProcessingFailed(ev ProcessingFailed) {
	g := e.in[ev.Group]
	if g == nil || g.Proto != Rel {
		return
	}
	code := MessageProcessingFailure
	if ev.Permanent {
		code = PermanentProcessingFailure
	}
	g.addFault(ev.Number, code)
	e.dirtyIn[g.ID] = true
	if g.Pattern == Callback && g.ReplyTo != "" {
		a := Ack{Proto: Rel, Group: g.ID, NonSequence: g.NonSeq, Faults: []RangeFault{{Range{ev.Number, ev.Number}, code}}}
		e.send(Outbound{Kind: OutAck, Proto: Rel, To: g.ReplyTo, Group: g.ID, Acks: []Ack{a}})
	}
}
