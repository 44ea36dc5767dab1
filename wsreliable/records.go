package wsreliable

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Record keys. Values are JSON of the engine's own types.
//
//	meta                      the counter of outbound sequence names
//	in/<group>                an inbound group or sequence (inGroup)
//	held/<group>\n<number>    a message held back for ordering (heldMsg)
//	out/<local>               an outbound sequence (outSeq)
//	outm/<local>\n<number>    an unacknowledged outbound message (outMsg)
//
// Numbers are 20-digit zero-padded, so a prefix scan returns them in order.
const keyMeta = "meta"

func inKey(id string) string             { return "in/" + id }
func heldKey(id string, n uint64) string { return "held/" + id + "\n" + pad(n) }
func outKey(local string) string         { return "out/" + local }
func outMsgKey(local string, n uint64) string {
	return "outm/" + local + "\n" + pad(n)
}
func pad(n uint64) string { return fmt.Sprintf("%020d", n) }

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
// messages stay held; unacknowledged outbound messages and CreateSequence
// or CloseSequence requests are resent at the first Tick.
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
	for _, m := range msgs {
		if s := e.out[m.Local]; s != nil {
			s.unacked[m.Number] = m
		}
	}
	for _, s := range e.out {
		if !s.Finish {
			e.outByTo[s.To] = s.Local
		}
		if s.ID != "" {
			e.outByID[s.ID] = s.Local
		}
	}
	return nil
}
