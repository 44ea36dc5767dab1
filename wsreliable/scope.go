package wsreliable

import (
	"container/heap"
	"slices"
	"time"
)

// Several engines may share one service's records, each holding part of
// them: a driver running on several nodes gives each node the groups of
// some scopes and moves them when nodes come and go. Every record has a
// scope (Record.Scope): an inbound group's records have its identifier;
// an outbound sequence's records, and the tokens acknowledged on it, the
// sequence's Key (Submit.Key), or the offering group's identifier for a
// sequence a CreateSequence offered; the engine's own record (its
// sequence counter) has none. A driver keeps records by scope and moves
// a scope from engine to engine: Release on the one that gives it up,
// Adopt with the scope's records on the one that takes it. Records carry
// everything, so an engine that adopts a scope continues where the other
// left off: it holds back, delivers and acknowledges as the other would
// have, resends what was unacknowledged on the sequences it adopts, and
// knows their tokens (in flight or acknowledged) as the other did.

// newLocal names a new outbound sequence (Config.LocalPrefix, then the
// engine's counter).
func (e *Engine) newLocal() string {
	e.nextLocal++
	e.metaDirty = true
	return e.cfg.LocalPrefix + "s" + u64(e.nextLocal)
}

// scope is the scope of s's records (see above).
func (s *outSeq) scope() string {
	if s.Of != "" {
		return s.Of
	}
	return s.Key
}

// ackToken remembers token, acknowledged, until until.
func (e *Engine) ackToken(token string, until time.Time, scope string) {
	e.acked[token] = until
	if scope != "" {
		e.ackedScope[token] = scope
	}
	heap.Push(&e.ackedQ, endedEntry{at: until, id: token})
}

// Adopt adds to a running engine the groups, outbound sequences and
// acknowledged tokens in records (the records of scopes another engine
// held, read after it released them or died), as Restore would on a New
// engine: held messages stay held, those deliverable are released by the
// next Ready, unacknowledged outbound messages are resent at the next
// Tick. A group, sequence or token the engine holds already is kept as
// it is (its records are passed over); the engine's own record is
// refused. Call it between Readies (HasReady false).
func (e *Engine) Adopt(records []Record) error { return e.load(records, false) }

// Released is what Release dropped.
type Released struct {
	// Groups are the inbound groups dropped, sorted.
	Groups []string
	// Tokens are the tokens dropped that were in flight, sorted: whoever
	// waits for their fate will not learn it from this engine.
	Tokens []string
}

// Release drops from memory everything whose scope in reports true:
// inbound groups (with their held messages), outbound sequences (with
// their unacknowledged messages and tokens), acknowledged tokens, and
// what waits for a MakeConnection about them. Nothing is persisted: the
// records stay as they are, for the engine that adopts the scope.
// Call it between Readies (HasReady false): what is dirty would be lost.
func (e *Engine) Release(in func(scope string) bool) Released {
	var r Released
	for _, id := range sortedKeys(e.in) {
		if !in(id) {
			continue
		}
		g := e.in[id]
		e.clearHeld(g)
		e.removeOpen(g)
		delete(e.in, id)
		delete(e.dirtyIn, id)
		delete(e.releasing, id)
		e.dropPending(g.AcksTo, id)
		e.dropPending(g.ReplyTo, id)
		r.Groups = append(r.Groups, id)
	}
	for _, local := range sortedKeys(e.out) {
		s := e.out[local]
		if !in(s.scope()) {
			continue
		}
		for _, n := range sortedNums(s.unacked) {
			delete(e.inFlight, s.unacked[n].Token)
			r.Tokens = append(r.Tokens, s.unacked[n].Token)
		}
		delete(e.out, local)
		delete(e.dirtyOut, local)
		if dest := destKey(s.To, s.Key); e.outByTo[dest] == local {
			delete(e.outByTo, dest)
		}
		delete(e.outByID, s.ID)
		for _, addr := range sortedKeys(e.pending.byAddr) {
			e.pending.set(addr, slices.DeleteFunc(e.pending.byAddr[addr], func(o Outbound) bool { return o.Local == local }))
		}
	}
	for _, token := range sortedKeys(e.ackedScope) {
		if in(e.ackedScope[token]) {
			delete(e.acked, token) // its ackedQ entry is stale now (popToken)
			delete(e.ackedScope, token)
		}
	}
	slices.Sort(r.Tokens)
	return r
}
