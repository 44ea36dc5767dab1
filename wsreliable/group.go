package wsreliable

import (
	"bytes"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/wsgw/wsgw/caller"
)

// groupState is the life of an inbound group or sequence.
type groupState uint8

const (
	open groupState = iota
	// closed: WS-RM CloseSequence received; no new messages.
	closed
	// ended: terminated (WS-RM TerminateSequence, expiry, idleness) or, for
	// WS-Reliability, complete or aborted. The state is kept until
	// KeepUntil so duplicates are still recognised (and acknowledged), then
	// forgotten.
	ended
)

// inGroup is one inbound WS-RM sequence or WS-Reliability group: the
// protocol-neutral core state. It is persisted whole (JSON) under
// "in/<id>"; its size is bounded by the gaps in Received, not by the
// number of messages. Held messages are persisted one record each.
type inGroup struct {
	ID      string   `json:"id"`
	Proto   Protocol `json:"proto"`
	Ordered bool     `json:"ordered,omitempty"`
	// HoldAll: WS-RM DiscardEntireSequence; nothing is delivered until the
	// sequence is complete (closed or terminated without a gap).
	HoldAll bool `json:"holdAll,omitempty"`
	DupElim bool `json:"dupElim,omitempty"`
	// NonSeq: a WS-Reliability message without SequenceNum.
	NonSeq bool `json:"nonSeq,omitempty"`
	// Base is the first message number: 1 for WS-RM, 0 for WS-Reliability.
	Base   uint64     `json:"base"`
	State  groupState `json:"state"`
	Reason FaultCode  `json:"reason,omitempty"` // why an ended group ended early
	// Last is the last message number, when known (HasLast): the
	// LastMessage of WS-RM February 2005, CloseSequence's LastMsgNumber
	// (1.2), WS-Reliability's @last.
	Last    uint64 `json:"last,omitempty"`
	HasLast bool   `json:"hasLast,omitempty"`
	// Received is every number accepted (the duplicate elimination window
	// and the acknowledgement ranges).
	Received RangeSet `json:"received"`
	// Next is, for an ordered group, the next number to deliver.
	Next uint64 `json:"next"`

	AcksTo string `json:"acksTo,omitempty"` // WS-RM
	Offer  string `json:"offer,omitempty"`  // WS-RM offered sequence accepted

	Expires time.Time `json:"expires,omitzero"` // group expiry
	// OwnExpiry: a WS-Reliability group's Expires is the engine's bound
	// (SequenceExpires), not the groupExpiryTime its sender asked, which
	// is Asked (zero: none); its later messages must carry Asked.
	OwnExpiry  bool          `json:"ownExpiry,omitempty"`
	Asked      time.Time     `json:"asked,omitzero"`
	MaxIdle    time.Duration `json:"maxIdle,omitempty"`   // idle termination
	LastActive time.Time     `json:"lastActive,omitzero"` // last message
	// KeepUntil: a WS-Reliability group's last ExpiryTime (duplicate
	// elimination lasts that long); for an ended group, when to forget it.
	KeepUntil time.Time `json:"keepUntil,omitzero"`

	// WS-Reliability: where acknowledgements and later faults go.
	Pattern ReplyPattern `json:"pattern,omitempty"`
	ReplyTo string       `json:"replyTo,omitempty"`
	// Faults are WS-Reliability faults reported for numbers of the group
	// (kept for PollRequest); bounded by maxFaults.
	Faults []RangeFault `json:"faults,omitempty"`
	// Flush: every held message is to be delivered, in number order
	// across the gaps (a sequence closed or ended with NoDiscard, or
	// complete with DiscardEntireSequence); MaxRelease may spread that over
	// several Readies.
	Flush bool `json:"flush,omitempty"`
	// Meta is the driver's data about the group (Message.Meta).
	Meta []byte `json:"meta,omitempty"`
	// Caller created the group: it counts against the caller's
	// MaxGroupsPerCaller while open (rebuilt by Restore).
	Caller caller.ID `json:"caller,omitempty"`

	held map[uint64]heldMsg // ordered hold-back buffer (restored from records)
}

// heldMsg is a message accepted (and acknowledged) but not yet delivered.
type heldMsg struct {
	Group   string    `json:"group"`
	Number  uint64    `json:"n"`
	Payload []byte    `json:"payload"`
	Expiry  time.Time `json:"expiry,omitzero"`
}

const maxFaults = 64

// foreign reports whether who may not use what owner created: one rule
// for WS-RM sequences (rmGroup), WS-Reliability groups (relMessage,
// onPoll) and offered sequences' acknowledgements (onAckReceived). What
// an authenticated caller created is bound to it (WS-RM 1.2, 5.1.3 and
// 5.2: bound to the security context it was created in); WS-Reliability
// 1.1 names no binding, and the same one is used (choice). What an
// address-only caller created is not bound: an address proves nothing a
// stranger could not repeat, and a client may come back from another.
func foreign(owner, who caller.ID) bool { return owner.Authenticated() && who != owner }

func (e *Engine) newGroup(id string, p Protocol, meta []byte, who caller.ID) *inGroup {
	g := &inGroup{ID: id, Proto: p, held: map[uint64]heldMsg{}, LastActive: e.now, Meta: bytes.Clone(meta), Caller: who}
	if p.isRM() {
		g.Base, g.Next = 1, 1
	}
	e.in[id] = g
	e.addOpen(g)
	e.dirtyIn[id] = true
	return g
}

// roomFor says why a new group of who would exceed MaxGroups or
// MaxGroupsPerCaller; "" when there is room.
func (e *Engine) roomFor(who caller.ID) string {
	switch {
	case len(e.openIDs) >= e.cfg.MaxGroups:
		return "too many sequences"
	case e.callers.Full(who, e.cfg.MaxGroupsPerCaller):
		return "too many sequences of this caller (at most " + strconv.Itoa(e.cfg.MaxGroupsPerCaller) + ")"
	}
	return ""
}

// opensGapBeyondBound reports whether accepting n would open a gap beyond
// MaxHeld in g's received set (which is persisted whole with each message:
// unbounded gaps cost memory and quadratic writes). A number that fills
// or extends a range is always welcome.
func (e *Engine) opensGapBeyondBound(g *inGroup, n uint64) bool {
	return len(g.Received) >= e.cfg.MaxHeld && len(g.Received.Add(n)) > len(g.Received)
}

// canAccept reports whether accepting n would overflow the hold-back
// buffer or open a gap beyond the bound (opensGapBeyondBound).
//
// size is the message's payload size: a message that would be held is
// refused as well when the engine's held payloads would exceed
// MaxHeldBytes.
//
// A message that would be delivered at once needs room in the delivery
// queue instead (SetDeliveryRoom).
func (e *Engine) canAccept(g *inGroup, n uint64, size int) bool {
	if e.opensGapBeyondBound(g, n) {
		return false
	}
	if (!g.Ordered && !g.HoldAll) || (n == g.Next && !g.HoldAll) {
		return e.room > 0
	}
	return len(g.held) < e.cfg.MaxHeld && e.heldBytes+int64(size) <= e.cfg.MaxHeldBytes
}

// acceptControl records n, a message with nothing to deliver (WS-RM
// February 2005's LastMessage action: Message.Control), as received: it
// is acknowledged, never delivered nor held, and an ordered group's
// delivery passes over it (nextHeld skips numbers received and not held).
func (e *Engine) acceptControl(g *inGroup, n uint64) {
	g.Received = g.Received.Add(n)
	g.LastActive = e.now
	e.dirtyIn[g.ID] = true
	if g.Ordered && !g.HoldAll {
		e.drain(g)
	}
}

// hold adds h to g's hold-back buffer.
func (e *Engine) hold(g *inGroup, h heldMsg) {
	if old, ok := g.held[h.Number]; ok {
		e.heldBytes -= int64(len(old.Payload))
	}
	g.held[h.Number] = h
	e.heldBytes += int64(len(h.Payload))
}

// unhold removes n from g's hold-back buffer.
func (e *Engine) unhold(g *inGroup, n uint64) {
	if h, ok := g.held[n]; ok {
		e.heldBytes -= int64(len(h.Payload))
		delete(g.held, n)
	}
}

// clearHeld empties g's hold-back buffer.
func (e *Engine) clearHeld(g *inGroup) {
	for _, h := range g.held {
		e.heldBytes -= int64(len(h.Payload))
	}
	clear(g.held)
}

// accept records n as received and delivers it, or holds it back until the
// numbers before it are delivered (ordered groups).
func (e *Engine) accept(g *inGroup, n uint64, payload []byte, expiry time.Time) {
	g.Received = g.Received.Add(n)
	g.LastActive = e.now
	e.dirtyIn[g.ID] = true
	if !g.Ordered && !g.HoldAll {
		e.deliver(g, n, payload)
		return
	}
	if n != g.Next || g.HoldAll {
		h := heldMsg{Group: g.ID, Number: n, Payload: payload, Expiry: expiry}
		e.hold(g, h)
		e.rd.Persist = append(e.rd.Persist, heldRecord(h))
		e.rdBytes += int64(len(payload))
		return
	}
	e.deliver(g, n, payload)
	g.Next++
	e.drain(g)
}

// drain delivers the held messages of g that are deliverable now, while
// the Ready has room (MaxRelease); with more left, g is released further
// by the next Ready (releasing). A WS-Reliability group may complete once
// nothing is held.
func (e *Engine) drain(g *inGroup) {
	delete(e.releasing, g.ID)
	for {
		n, ok := e.nextHeld(g)
		if !ok {
			if g.Proto == Rel {
				e.relComplete(g)
			}
			return
		}
		if e.readyFull() {
			e.releasing[g.ID] = true
			return
		}
		h := g.held[n]
		e.unhold(g, n)
		e.rd.Persist = append(e.rd.Persist, Record{Key: heldKey(g.ID, n), Scope: g.ID})
		e.deliver(g, n, h.Payload)
		g.Next = n + 1
		e.dirtyIn[g.ID] = true
	}
}

// nextHeld returns the number of g's held message to deliver next, if one
// is deliverable: the lowest when flushing, else the next in order.
func (e *Engine) nextHeld(g *inGroup) (uint64, bool) {
	switch {
	case g.Flush && len(g.held) > 0:
		return minKey(g.held), true
	case g.Flush, g.HoldAll, !g.Ordered:
		return 0, false
	}
	// Received but no longer held: it expired before its turn
	// (expireHeld); the gap it leaves is skipped.
	for _, held := g.held[g.Next]; !held && g.Received.Contains(g.Next); _, held = g.held[g.Next] {
		g.Next++
		e.dirtyIn[g.ID] = true
	}
	_, ok := g.held[g.Next]
	return g.Next, ok
}

// releaseMore goes on releasing the held messages that did not fit in an
// earlier Ready.
func (e *Engine) releaseMore() {
	for _, id := range sortedKeys(e.releasing) {
		if e.readyFull() {
			return
		}
		if g := e.in[id]; g != nil {
			e.drain(g)
		} else {
			delete(e.releasing, id)
		}
	}
}

// readyFull reports whether the Ready has no room for more released
// messages (MaxRelease, MaxReleaseBytes), or the delivery queue none
// (SetDeliveryRoom).
func (e *Engine) readyFull() bool {
	return len(e.rd.Deliver) >= e.cfg.MaxRelease || e.rdBytes >= e.cfg.MaxReleaseBytes || e.room <= 0
}

func (e *Engine) deliver(g *inGroup, n uint64, payload []byte) {
	e.rd.Deliver = append(e.rd.Deliver, Delivery{Proto: g.Proto, Group: g.ID, Number: n, Payload: payload})
	e.rdBytes += int64(len(payload))
	if e.room > 0 && e.room != math.MaxInt {
		e.room--
	}
}

// setMeta makes meta (when given) g's Meta.
func (e *Engine) setMeta(g *inGroup, meta []byte) {
	if meta != nil && !bytes.Equal(g.Meta, meta) {
		g.Meta = bytes.Clone(meta)
		e.dirtyIn[g.ID] = true
	}
}

// dropHeld discards the hold-back buffer (a gap that will never fill).
func (e *Engine) dropHeld(g *inGroup) {
	for _, n := range sortedNums(g.held) {
		e.rd.Persist = append(e.rd.Persist, Record{Key: heldKey(g.ID, n), Scope: g.ID})
	}
	e.clearHeld(g)
	e.dirtyIn[g.ID] = true
}

// end terminates g; its state is kept for keep, then forgotten. Held
// messages are dropped, unless they are being flushed (endIncomplete).
// The sequence g's CreateSequence offered goes with it (dropOffered).
func (e *Engine) end(g *inGroup, reason FaultCode, keepUntil time.Time) {
	if len(g.held) > 0 && !g.Flush {
		e.dropHeld(g)
	}
	if g.State != ended {
		e.removeOpen(g)
	}
	g.State, g.Reason = ended, reason
	if keepUntil.Before(e.now) {
		keepUntil = e.now
	}
	if limit := e.now.Add(e.cfg.MaxKeep); keepUntil.After(limit) {
		keepUntil = limit
	}
	g.KeepUntil = keepUntil
	e.dirtyIn[g.ID] = true
	e.pushEnded(g)
	e.dropOffered(g)
}

// forget removes g and its records, and the sequence g's CreateSequence
// offered if it is still there (dropOffered).
func (e *Engine) forget(g *inGroup) {
	e.dropHeld(g)
	delete(e.in, g.ID)
	delete(e.dirtyIn, g.ID)
	e.rd.Persist = append(e.rd.Persist, Record{Key: inKey(g.ID), Scope: g.ID})
	e.dropPending(g.AcksTo, g.ID)
	e.dropPending(g.ReplyTo, g.ID)
	e.dropOffered(g)
}

// dropOffered removes the sequence g's CreateSequence offered when nothing
// on it waits for an acknowledgement (one with messages in flight ends by
// its own acknowledgements or retransmission limit): it lives no longer
// than the sequence that offered it, so that its Identifier is free again
// once that one has ended (choice: a client that offers the same
// Identifier in every CreateSequence, as published samples do, is not
// refused after its earlier sequence was terminated).
func (e *Engine) dropOffered(g *inGroup) {
	if g.Offer == "" {
		return
	}
	if s := e.out[e.outByID[g.Offer]]; s != nil && len(s.unacked) == 0 {
		e.removeSeq(s)
	}
}

// ack returns g's acknowledgement (WS-RM 1.2 3.9 semantics; February 2005
// has no Final, so only a 1.2 sequence's is).
func (g *inGroup) ack() Ack {
	a := Ack{Proto: g.Proto, Group: g.ID, Ranges: g.Received, Final: g.State != open && g.Proto == RM}
	if len(g.Received) == 0 {
		a.None = true
	}
	return a
}

// addFault records c for n (the latest fault of a number replaces an
// earlier one: a sender resending a refused message fills nothing up).
func (g *inGroup) addFault(n uint64, c FaultCode) {
	for i := range g.Faults {
		if g.Faults[i].Range == (Range{n, n}) {
			g.Faults[i].Code = c
			return
		}
	}
	if len(g.Faults) < maxFaults {
		g.Faults = append(g.Faults, RangeFault{Range{n, n}, c})
	}
}

// clearFaults forgets the faults recorded for n.
func (g *inGroup) clearFaults(n uint64) {
	g.Faults = slices.DeleteFunc(g.Faults, func(f RangeFault) bool { return f.Range.Lower <= n && n <= f.Range.Upper })
}

func minKey[V any](m map[uint64]V) uint64 {
	first, lowest := true, uint64(0)
	for n := range m {
		if first || n < lowest {
			first, lowest = false, n
		}
	}
	return lowest
}

func sortedNums[V any](m map[uint64]V) []uint64 {
	out := make([]uint64, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}
