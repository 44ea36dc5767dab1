package wsreliable

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Record keys. Values are JSON of the engine's own types.
//
//	meta                      the counter of outbound sequence names
//	in/<group>                an inbound group or sequence (inGroup)
//	held/<group>\n<number>    a message held back for ordering (heldMsg)
//	out/<local>               an outbound sequence (outSeq)
//	outm/<local>\n<number>    an unacknowledged outbound message (outMsg)
//	tok/<token>               an acknowledged Submit token not yet forgotten
//	                          (tokenRec)
//
// Numbers are 20-digit zero-padded, so a prefix scan returns them in order.
const keyMeta = "meta"

func inKey(id string) string             { return "in/" + id }
func heldKey(id string, n uint64) string { return "held/" + id + "\n" + pad(n) }
func outKey(local string) string         { return "out/" + local }
func outMsgKey(local string, n uint64) string {
	return "outm/" + local + "\n" + pad(n)
}
func tokenKey(token string) string { return "tok/" + token }
func pad(n uint64) string          { return fmt.Sprintf("%020d", n) }

// tokenRec is the record of an acknowledged token: when it is forgotten
// without a Forget, and the scope of the sequence it was sent on.
type tokenRec struct {
	Until time.Time `json:"until"`
	Scope string    `json:"scope,omitempty"`
}

func tokenRecord(token string, until time.Time, scope string) Record {
	b, _ := json.Marshal(tokenRec{Until: until, Scope: scope})
	return Record{Key: tokenKey(token), Value: b, Scope: scope}
}

func (e *Engine) inRecord(id string) Record {
	b, _ := json.Marshal(e.in[id]) // plain data: cannot fail
	return Record{Key: inKey(id), Value: b, Scope: id}
}

func (e *Engine) outRecord(local string) Record {
	s := e.out[local]
	b, _ := json.Marshal(s)
	return Record{Key: outKey(local), Value: b, Scope: s.scope()}
}

func heldRecord(h heldMsg) Record {
	b, _ := json.Marshal(h)
	return Record{Key: heldKey(h.Group, h.Number), Value: b, Scope: h.Group}
}

func outMsgRecord(m *outMsg, scope string) Record {
	b, _ := json.Marshal(m)
	return Record{Key: outMsgKey(m.Local, m.Number), Value: b, Scope: scope}
}

// Restore rebuilds the engine's state from every record the driver
// persisted (in any order), after a crash or restart, on a New engine.
// Nothing is re-delivered: a delivery was persisted with its mark. Held
// messages stay held (those a crash interrupted the release of are
// released by the next Ready); unacknowledged outbound messages and
// CreateSequence or CloseSequence requests are resent at the first Tick,
// and their tokens, like the acknowledged ones, are known again.
func (e *Engine) Restore(records []Record) error { return e.load(records, true) }

// loaded is what load read from records, before it joins the engine.
type loaded struct {
	groups map[string]*inGroup
	held   []heldMsg
	seqs   map[string]*outSeq
	msgs   []*outMsg
}

// load adds the state in records to the engine: all of it on a New engine
// (restore), or, on a running one (Adopt), the groups, sequences and
// tokens it does not hold already. Everything is added in sorted order, so
// the result depends on the records alone.
func (e *Engine) load(records []Record, restore bool) error {
	l := loaded{groups: map[string]*inGroup{}, seqs: map[string]*outSeq{}}
	for _, r := range records {
		if err := e.loadRecord(&l, r, restore); err != nil {
			return fmt.Errorf("restoring record %q: %w", r.Key, err)
		}
	}
	ids := sortedKeys(l.groups)
	for _, id := range ids {
		g := l.groups[id]
		e.in[id] = g
		if g.State != ended {
			e.addOpen(g)
		}
	}
	for _, id := range ids {
		if g := e.in[id]; g != nil && g.State == ended && l.groups[id] == g {
			e.pushEnded(g)
		}
	}
	for _, h := range l.held {
		if g := l.groups[h.Group]; g != nil && e.in[h.Group] == g {
			e.hold(g, h)
		}
	}
	for _, id := range ids {
		// A crash may have come between two Readies releasing them.
		if g := e.in[id]; g != nil && g == l.groups[id] {
			if _, ok := e.nextHeld(g); ok {
				e.releasing[id] = true
			}
		}
	}
	for _, m := range l.msgs {
		if s := l.seqs[m.Local]; s != nil {
			s.unacked[m.Number] = m
			if m.Token != "" { // records of before tokens have none
				e.inFlight[m.Token] = m
			}
		}
	}
	for _, local := range sortedKeys(l.seqs) {
		s := l.seqs[local]
		e.out[local] = s
		if dest := destKey(s.To, s.Key); !s.Finish && !s.Offered && s.To != "" && e.outByTo[dest] == "" {
			e.outByTo[dest] = s.Local
		}
		if s.ID != "" {
			e.outByID[s.ID] = s.Local
		}
	}
	return nil
}

// loadRecord reads r into l, or into the engine for a token. Adopting
// (restore false), records of what the engine holds are passed over, and
// its own record (the sequence counter) is refused.
func (e *Engine) loadRecord(l *loaded, r Record, restore bool) error {
	var err error
	switch k := r.Key; {
	case k == keyMeta:
		if !restore {
			return errors.New("the engine's own record cannot be adopted")
		}
		e.nextLocal, err = strconv.ParseUint(string(r.Value), 10, 64)
	case strings.HasPrefix(k, "in/"):
		g := &inGroup{held: map[uint64]heldMsg{}}
		if err = json.Unmarshal(r.Value, g); err == nil && e.in[g.ID] == nil {
			l.groups[g.ID] = g
		}
	case strings.HasPrefix(k, "held/"):
		var h heldMsg
		err = json.Unmarshal(r.Value, &h)
		l.held = append(l.held, h)
	case strings.HasPrefix(k, "out/"):
		s := &outSeq{unacked: map[uint64]*outMsg{}}
		if err = json.Unmarshal(r.Value, s); err == nil && e.out[s.Local] == nil {
			// Records written before Offered existed: a sequence
			// Submit made numbered its first message at once, so
			// one with nothing numbered is an offered one.
			s.Offered = s.Offered || s.Next == 1
			l.seqs[s.Local] = s
		}
	case strings.HasPrefix(k, "outm/"):
		m := &outMsg{}
		err = json.Unmarshal(r.Value, m)
		l.msgs = append(l.msgs, m)
	case strings.HasPrefix(k, "tok/"):
		var t tokenRec
		if err = json.Unmarshal(r.Value, &t); err == nil {
			if token := strings.TrimPrefix(k, "tok/"); e.acked[token].IsZero() {
				e.ackToken(token, t.Until, t.Scope)
			}
		}
	default:
		err = errors.New("unknown key")
	}
	return err
}
