package wsreliable

import (
	"container/heap"
	"encoding/json"
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
// without a Forget.
type tokenRec struct {
	Until time.Time `json:"until"`
}

func tokenRecord(token string, until time.Time) Record {
	b, _ := json.Marshal(tokenRec{Until: until})
	return Record{Key: tokenKey(token), Value: b}
}

func (e *Engine) inRecord(id string) Record {
	b, _ := json.Marshal(e.in[id]) // plain data: cannot fail
	return Record{Key: inKey(id), Value: b}
}

func (e *Engine) outRecord(local string) Record {
	b, _ := json.Marshal(e.out[local])
	return Record{Key: outKey(local), Value: b}
}

func heldRecord(h heldMsg) Record {
	b, _ := json.Marshal(h)
	return Record{Key: heldKey(h.Group, h.Number), Value: b}
}

func outMsgRecord(m *outMsg) Record {
	b, _ := json.Marshal(m)
	return Record{Key: outMsgKey(m.Local, m.Number), Value: b}
}

// Restore rebuilds the engine's state from every record the driver
// persisted (in any order), after a crash or restart, on a New engine.
// Nothing is re-delivered: a delivery was persisted with its mark. Held
// messages stay held (those a crash interrupted the release of are
// released by the next Ready); unacknowledged outbound messages and
// CreateSequence or CloseSequence requests are resent at the first Tick,
// and their tokens, like the acknowledged ones, are known again.
func (e *Engine) Restore(records []Record) error {
	var held []heldMsg
	var msgs []*outMsg
	for _, r := range records {
		var err error
		switch k := r.Key; {
		case k == keyMeta:
			e.nextLocal, err = strconv.ParseUint(string(r.Value), 10, 64)
		case strings.HasPrefix(k, "in/"):
			g := &inGroup{held: map[uint64]heldMsg{}}
			if err = json.Unmarshal(r.Value, g); err == nil {
				e.in[g.ID] = g
			}
		case strings.HasPrefix(k, "held/"):
			var h heldMsg
			err = json.Unmarshal(r.Value, &h)
			held = append(held, h)
		case strings.HasPrefix(k, "out/"):
			s := &outSeq{unacked: map[uint64]*outMsg{}}
			if err = json.Unmarshal(r.Value, s); err == nil {
				e.out[s.Local] = s
			}
		case strings.HasPrefix(k, "outm/"):
			m := &outMsg{}
			err = json.Unmarshal(r.Value, m)
			msgs = append(msgs, m)
		case strings.HasPrefix(k, "tok/"):
			var t tokenRec
			if err = json.Unmarshal(r.Value, &t); err == nil {
				token := strings.TrimPrefix(k, "tok/")
				e.acked[token] = t.Until
				heap.Push(&e.ackedQ, endedEntry{at: t.Until, id: token})
			}
		default:
			err = fmt.Errorf("unknown key")
		}
		if err != nil {
			return fmt.Errorf("restoring record %q: %w", r.Key, err)
		}
	}
	ids := sortedKeys(e.in)
	for _, id := range ids {
		if e.in[id].State != ended {
			e.openIDs = append(e.openIDs, id)
		}
	}
	for _, id := range ids {
		if g := e.in[id]; g != nil && g.State == ended {
			e.pushEnded(g)
		}
	}
	for _, h := range held {
		if g := e.in[h.Group]; g != nil {
			e.hold(g, h)
		}
	}
	for _, id := range ids {
		// A crash may have come between two Readies releasing them.
		if _, ok := e.nextHeld(e.in[id]); ok {
			e.releasing[id] = true
		}
	}
	for _, m := range msgs {
		if s := e.out[m.Local]; s != nil {
			s.unacked[m.Number] = m
			if m.Token != "" { // records of before tokens have none
				e.inFlight[m.Token] = m
			}
		}
	}
	for _, s := range e.out {
		if !s.Finish && s.To != "" { // an offer without Endpoint has no address
			e.outByTo[destKey(s.To, s.Key)] = s.Local
		}
		if s.ID != "" {
			e.outByID[s.ID] = s.Local
		}
	}
	return nil
}
