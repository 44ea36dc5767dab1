package wsreliable

import (
	"bytes"
	"container/heap"
	"slices"
	"time"

	"github.com/wsgw/wsgw/caller"
)

// outState is the life of an outbound sequence.
type outState uint8

const (
	creating outState = iota // CreateSequence sent, no response yet
	sending                  // open
	closing                  // CloseSequence sent, waiting for the Final ack
)

// outSeq is one outbound WS-RM 1.2 sequence (the gateway as RM Source).
// Persisted as JSON under "out/<local>"; unacknowledged messages one
// record each. Retransmission timers are not persisted: after a restart
// everything unacknowledged is resent at the first Tick.
type outSeq struct {
	Local string   `json:"local"`
	To    string   `json:"to"`
	Key   string   `json:"key,omitempty"` // Submit.Key: one sequence per (To, Key)
	ID    string   `json:"id,omitempty"`  // "" while creating
	State outState `json:"state"`
	Next  uint64   `json:"next"` // next number to assign
	Acked RangeSet `json:"acked"`
	// Finish: close and terminate once everything is acknowledged.
	Finish bool `json:"finish,omitempty"`
	// LastSubmit is when a message was last submitted (OutboundIdle).
	LastSubmit time.Time `json:"lastSubmit,omitzero"`
	// Meta is the driver's data about the sequence (Submit.Meta).
	Meta []byte `json:"meta,omitempty"`
	// Of is the inbound group whose CreateSequence offered the sequence.
	Of string `json:"of,omitempty"`
	// Offered: the sequence a client's CreateSequence offered (WS-RM 1.2,
	// 3.4 Offer), its Identifier the client's choice. Submit never uses
	// it (its To is the client's, not a destination of the gateway's),
	// and only it takes acknowledgements that come in a request.
	Offered bool `json:"offered,omitempty"`
	// Caller created the offered sequence (the CreateSequence's caller):
	// only it may acknowledge it (foreign).
	Caller caller.ID `json:"caller,omitempty"`

	unacked map[uint64]*outMsg
	attempt int       // CreateSequence or CloseSequence tries
	due     time.Time // next CreateSequence/CloseSequence retry
}

// outMsg is a message sent (or waiting for the window) and not acknowledged.
type outMsg struct {
	Local   string    `json:"local"`
	Number  uint64    `json:"n"`
	Token   string    `json:"token"`
	Payload []byte    `json:"payload"`
	Action  string    `json:"action,omitempty"`
	attempt int       // tries so far
	due     time.Time // next try; zero: not sent yet
}

func (e *Engine) backoff(attempt int) time.Duration {
	d := e.cfg.RetransmitBase
	for i := 1; i < attempt && d < e.cfg.RetransmitMax; i++ {
		d *= 2
	}
	return min(d, e.cfg.RetransmitMax)
}

// onSubmit numbers a message on the destination's sequence (creating one
// with CreateSequence, WS-RM 1.2 3.4, when there is none), unless its
// token is in flight or acknowledged already.
func (e *Engine) onSubmit(ev Submit) {
	fate := Fate{Token: ev.Token, To: ev.To}
	switch m := e.inFlight[ev.Token]; {
	case ev.Token == "":
		fate.Kind, fate.Reason = FateFailed, "no token"
		e.rd.Fates = append(e.rd.Fates, fate)
		return
	case m != nil:
		fate.Kind, fate.To, fate.Local, fate.Number = FateNumbered, e.out[m.Local].To, m.Local, m.Number
		e.rd.Fates = append(e.rd.Fates, fate)
		return
	}
	if _, ok := e.acked[ev.Token]; ok {
		fate.Kind = FateAcknowledged
		e.rd.Fates = append(e.rd.Fates, fate)
		return
	}
	dest := destKey(ev.To, ev.Key)
	s := e.out[e.outByTo[dest]]
	if s != nil && !s.Finish && len(s.unacked) >= e.cfg.MaxBacklog {
		fate.Kind, fate.Reason = FateFailed, "backlog full"
		e.rd.Fates = append(e.rd.Fates, fate)
		return
	}
	if len(e.acked) >= e.cfg.MaxBacklog {
		// Forgetting an acknowledged token early would let its
		// caller's retry send the message again: a new one waits.
		fate.Kind, fate.Reason = FateFailed, "too many acknowledged messages waiting to be settled"
		e.rd.Fates = append(e.rd.Fates, fate)
		return
	}
	if s == nil || s.Finish {
		s = &outSeq{Local: e.newLocal(), To: ev.To, Key: ev.Key, Next: 1, Meta: bytes.Clone(ev.Meta), unacked: map[uint64]*outMsg{}}
		e.out[s.Local], e.outByTo[dest] = s, s.Local
		e.sendCreate(s)
	}
	m := &outMsg{Local: s.Local, Number: s.Next, Token: ev.Token, Payload: ev.Payload, Action: ev.Action}
	s.Next++
	s.LastSubmit = e.now
	s.unacked[m.Number] = m
	e.inFlight[m.Token] = m
	e.rd.Persist = append(e.rd.Persist, outMsgRecord(m, s.scope()))
	fate.Kind, fate.Local, fate.Number = FateNumbered, s.Local, m.Number
	e.rd.Fates = append(e.rd.Fates, fate)
	e.dirtyOut[s.Local] = true
	e.pump(s)
}

func (e *Engine) sendCreate(s *outSeq) {
	s.attempt++
	s.due = e.now.Add(e.backoff(s.attempt))
	e.send(Outbound{Kind: OutCreate, Proto: RM, To: s.To, Local: s.Local, Attempt: s.attempt})
}

// pump sends messages never sent that fit in the window.
func (e *Engine) pump(s *outSeq) {
	if s.State != sending {
		return
	}
	window := 0
	for _, n := range sortedNums(s.unacked) {
		m := s.unacked[n]
		if window >= e.cfg.SendWindow {
			return
		}
		window++
		if m.due.IsZero() {
			e.transmit(s, m)
		}
	}
}

func (e *Engine) transmit(s *outSeq, m *outMsg) {
	m.attempt++
	m.due = e.now.Add(e.backoff(m.attempt))
	e.send(Outbound{Kind: OutMessage, Proto: RM, To: s.To, Group: s.ID, Local: s.Local, Token: m.Token,
		Number: m.Number, Payload: m.Payload, Action: m.Action, Attempt: m.attempt, AckRequested: m.attempt > 1 || m.Number == s.Next-1})
}

// onCreated handles the CreateSequenceResponse (or refusal) of s.
func (e *Engine) onCreated(ev Created) {
	s := e.out[ev.Local]
	if s == nil || s.State != creating {
		return
	}
	if ev.Refused || ev.ID == "" {
		e.failSeq(s, "CreateSequence refused")
		return
	}
	s.ID, s.State, s.attempt = ev.ID, sending, 0
	e.outByID[ev.ID] = s.Local
	e.dirtyOut[s.Local] = true
	e.pump(s)
}

// onAckReceived applies a SequenceAcknowledgement (3.9) to an outbound
// sequence: acknowledged messages are released; Nacks resent at once; an
// ack for a number never sent is InvalidAcknowledgement (4.5).
//
// An acknowledgement that came in a request (Ref set) is a client's: it
// may be about a sequence the client's Offer made, never about one of the
// gateway's sequences to its destinations, whose acknowledgements come
// on the answers to what the gateway sends (its CreateSequence gives the
// anonymous AcksTo), with no Ref. Taking it would let anyone who learns
// or guesses a destination's Identifier mark messages acknowledged that
// the destination never received: UnknownSequence (choice: to the
// client, that sequence is not one it can acknowledge). An offered
// sequence created by an authenticated caller is acknowledged by that
// caller only (WS-RM 1.2, 5.1.3 and 5.2, as rmGroup): another caller's
// acknowledgement gets UnknownSequence and changes nothing.
func (e *Engine) onAckReceived(ev AckReceived) {
	p := ev.Proto.orRM()
	s := e.out[e.outByID[ev.Group]]
	if s == nil || ev.Ref != 0 && (!s.Offered || foreign(s.Caller, ev.Caller)) {
		e.fault(ev.Ref, p, &Fault{Code: UnknownSequence, Group: ev.Group})
		return
	}
	if ev.Ranges.Max() >= s.Next {
		a := Ack{Proto: p, Group: ev.Group, Ranges: ev.Ranges}
		f := &Fault{Code: InvalidAcknowledgement, Group: ev.Group, Ack: &a}
		e.fault(ev.Ref, p, f)
		if ev.Ref == 0 {
			e.send(Outbound{Kind: OutAck, Proto: RM, To: s.To, Group: s.ID, Fault: f})
		}
		return
	}
	s.Acked = s.Acked.Union(ev.Ranges)
	for _, n := range sortedNums(s.unacked) {
		if m := s.unacked[n]; s.Acked.Contains(n) {
			delete(s.unacked, n)
			e.rd.Persist = append(e.rd.Persist, Record{Key: outMsgKey(s.Local, n), Scope: s.scope()})
			e.tokenAcked(s, m)
		}
	}
	// Each number once, however often the peer names it (a Nack list is
	// the peer's to make as long as it likes).
	for _, n := range slices.Compact(slices.Sorted(slices.Values(ev.Nacks))) {
		if m := s.unacked[n]; m != nil && !m.due.IsZero() {
			e.transmit(s, m)
		}
	}
	e.dirtyOut[s.Local] = true
	e.reply(Reply{Ref: ev.Ref, Kind: ReplyAccepted, Proto: p})
	if s.State == closing && ev.Final {
		e.terminateSeq(s)
		return
	}
	e.pump(s)
	e.maybeClose(s)
}

// onFinish marks the sequence to (To, Key) for closing when all is
// acknowledged.
func (e *Engine) onFinish(ev Finish) {
	s := e.out[e.outByTo[destKey(ev.To, ev.Key)]]
	if s == nil {
		return
	}
	s.Finish = true
	e.dirtyOut[s.Local] = true
	e.maybeClose(s)
}

// maybeClose sends CloseSequence (3.5) once a finishing sequence has
// everything acknowledged.
func (e *Engine) maybeClose(s *outSeq) {
	if !s.Finish || s.State != sending || len(s.unacked) > 0 {
		return
	}
	s.State, s.attempt = closing, 0
	e.sendClose(s)
}

func (e *Engine) sendClose(s *outSeq) {
	s.attempt++
	s.due = e.now.Add(e.backoff(s.attempt))
	e.dirtyOut[s.Local] = true
	e.send(Outbound{Kind: OutClose, Proto: RM, To: s.To, Group: s.ID, Local: s.Local, LastMsgNumber: s.Next - 1, Attempt: s.attempt})
}

// terminateSeq sends TerminateSequence (3.6) and forgets s.
func (e *Engine) terminateSeq(s *outSeq) {
	e.send(Outbound{Kind: OutTerminate, Proto: RM, To: s.To, Group: s.ID, Local: s.Local, LastMsgNumber: s.Next - 1})
	e.removeSeq(s)
}

func (e *Engine) removeSeq(s *outSeq) {
	for _, n := range sortedNums(s.unacked) {
		e.rd.Persist = append(e.rd.Persist, Record{Key: outMsgKey(s.Local, n), Scope: s.scope()})
		delete(e.inFlight, s.unacked[n].Token)
	}
	delete(e.out, s.Local)
	delete(e.dirtyOut, s.Local)
	if dest := destKey(s.To, s.Key); e.outByTo[dest] == s.Local {
		delete(e.outByTo, dest)
	}
	delete(e.outByID, s.ID)
	e.rd.Persist = append(e.rd.Persist, Record{Key: outKey(s.Local), Scope: s.scope()})
}

// failSeq reports every unacknowledged message as failed and drops s.
func (e *Engine) failSeq(s *outSeq, why string) {
	for _, n := range sortedNums(s.unacked) {
		e.rd.Fates = append(e.rd.Fates, Fate{Token: s.unacked[n].Token, Kind: FateFailed, To: s.To, Local: s.Local, Number: n, Reason: why})
	}
	if s.ID != "" {
		e.send(Outbound{Kind: OutTerminate, Proto: RM, To: s.To, Group: s.ID, Local: s.Local, LastMsgNumber: s.Next - 1})
	}
	e.removeSeq(s)
}

// onPeerFault: a WS-RM fault about an outbound sequence ends it.
func (e *Engine) onPeerFault(ev PeerFault) {
	if s := e.out[e.outByID[ev.Group]]; s != nil {
		e.failSeq(s, ev.Code.String())
	}
}

// tickOut retransmits what is due, with exponential backoff
// (RetransmitBase doubling to RetransmitMax), and gives up after
// MaxRetransmits tries: the whole sequence fails, since a receiver
// delivering in order could never pass the gap. An idle sequence
// (OutboundIdle) is finished.
func (e *Engine) tickOut(s *outSeq) {
	if idle := e.cfg.OutboundIdle; idle > 0 && s.State == sending && !s.Finish && len(s.unacked) == 0 &&
		!s.LastSubmit.IsZero() && !e.now.Before(s.LastSubmit.Add(idle)) {
		s.Finish = true
		e.dirtyOut[s.Local] = true
		e.maybeClose(s)
		return
	}
	switch s.State {
	case creating, closing:
		if e.now.Before(s.due) {
			return
		}
		if s.attempt >= e.cfg.MaxRetransmits {
			e.failSeq(s, "no response to "+map[outState]string{creating: "CreateSequence", closing: "CloseSequence"}[s.State])
			return
		}
		if s.State == creating {
			e.sendCreate(s)
		} else {
			e.sendClose(s)
		}
		return
	}
	e.pump(s) // after a restart, nothing has been sent yet
	for _, n := range sortedNums(s.unacked) {
		m := s.unacked[n]
		if m.due.IsZero() || e.now.Before(m.due) {
			continue
		}
		if m.attempt >= e.cfg.MaxRetransmits {
			e.failSeq(s, "retransmissions exhausted")
			return
		}
		e.transmit(s, m)
	}
}

// tokenAcked remembers the token of m, acknowledged on s, until Forget or
// MaxKeep, and reports it. (The tokens remembered are bounded by refusing
// new Submits beyond MaxBacklog of them, never by forgetting one early.)
func (e *Engine) tokenAcked(s *outSeq, m *outMsg) {
	delete(e.inFlight, m.Token)
	until := e.now.Add(e.cfg.MaxKeep)
	e.ackToken(m.Token, until, s.scope())
	e.rd.Persist = append(e.rd.Persist, tokenRecord(m.Token, until, s.scope()))
	e.rd.Fates = append(e.rd.Fates, Fate{Token: m.Token, Kind: FateAcknowledged, To: e.out[m.Local].To, Local: m.Local, Number: m.Number})
}

// onForget forgets an acknowledged token.
func (e *Engine) onForget(ev Forget) {
	if _, ok := e.acked[ev.Token]; ok {
		scope := e.ackedScope[ev.Token]
		delete(e.acked, ev.Token)
		delete(e.ackedScope, ev.Token)
		e.rd.Persist = append(e.rd.Persist, Record{Key: tokenKey(ev.Token), Scope: scope})
	}
}

// forgetTokensDue forgets the acknowledged tokens whose MaxKeep has passed.
func (e *Engine) forgetTokensDue() {
	for e.popToken(e.now) {
	}
}

// popToken forgets the acknowledged token due first, if due by now, and
// reports whether it forgot one.
func (e *Engine) popToken(now time.Time) bool {
	for len(e.ackedQ) > 0 {
		top := e.ackedQ[0]
		if now.Before(top.at) {
			return false
		}
		heap.Pop(&e.ackedQ)
		if until, ok := e.acked[top.id]; !ok || !until.Equal(top.at) {
			continue // forgotten, or acknowledged again since
		}
		e.onForget(Forget{Token: top.id})
		return true
	}
	return false
}

// destKey names the destination of an outbound sequence: its address
// and the Submit's Key.
func destKey(to, key string) string {
	if key == "" {
		return to
	}
	return to + "\x00" + key
}

// OutboundSequence describes one outbound sequence of the engine.
type OutboundSequence struct {
	Local string // the engine's name
	To    string
	Key   string // the Key of the Submits it carries
	ID    string // the peer's Identifier, "" while CreateSequence is unanswered
	// Unacked counts the messages not yet acknowledged.
	Unacked int
	// Finishing: closing and terminating once all is acknowledged.
	Finishing bool
	// Offered: the sequence a client's CreateSequence offered (To is the
	// client's Offer Endpoint); it lives as long as the client's sequence
	// and is never finished by Finish.
	Offered bool
}

// OutboundSequences returns the engine's outbound sequences, by Local.
func (e *Engine) OutboundSequences() []OutboundSequence {
	out := make([]OutboundSequence, 0, len(e.out))
	for _, local := range sortedKeys(e.out) {
		s := e.out[local]
		out = append(out, OutboundSequence{Local: s.Local, To: s.To, Key: s.Key, ID: s.ID, Unacked: len(s.unacked), Finishing: s.Finish,
			Offered: s.Offered})
	}
	return out
}
