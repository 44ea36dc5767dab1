package driver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsreliable"
)

// The sending side (WS-RM 1.2 RM Source). The engine numbers, sends and
// retransmits; this file feeds the peer's answers back to it (a
// CreateSequenceResponse is Created, a SequenceAcknowledgement AckReceived,
// a WS-RM fault PeerFault) and lets the delivery consumer wait, per
// delivery, until the peer's acknowledgement covers the message (SubmitRM).

// maxOutboundReply bounds the answer read from a peer.
const maxOutboundReply = 1 << 20

// ErrOutboundFailed reports an outbound message the engine gave up on
// (retransmissions exhausted, sequence refused or faulted).
var ErrOutboundFailed = errors.New("outbound message given up")

// outbound tracks the messages SubmitRM waits for.
type outbound struct {
	// order serialises SubmitRM's "queue the waiter, send the Submit" so
	// that fifo order is the order the loop steps Submits in.
	order sync.Mutex

	mu    sync.Mutex          // guards the fields below
	fifo  []*outWait          // submitted, not yet numbered by the engine
	byKey map[string]*outWait // engine record key (outm/...) -> waiter
	byID  map[string]*outWait // delivery ID -> waiter
	tos   map[string]bool     // destinations with an open sequence
	open  map[string]bool     // the engine's outbound sequences (out/ record keys)
	last  time.Time           // last Submit
}

// outWait is one delivery waiting for the peer's acknowledgement.
type outWait struct {
	id, to  string
	payload []byte
	number  uint64
	done    chan struct{}
	err     error
}

func newOutbound() *outbound {
	return &outbound{byKey: map[string]*outWait{}, byID: map[string]*outWait{}, tos: map[string]bool{},
		open: map[string]bool{}}
}

func (w *outWait) finish(err error) {
	w.err = err
	close(w.done)
}

// SubmitRM sends payload (a SOAP Body's content) with wsa:Action action
// reliably to the WS-RM 1.2 destination to, on the engine's outbound
// sequence for to, and returns once the destination has acknowledged it
// (nil), the engine gave up on it (ErrOutboundFailed), or ctx ended. id
// names the delivery: calling again with an id still waiting waits for
// the same message instead of sending it again.
func (d *Driver) SubmitRM(ctx context.Context, to, action string, payload []byte, id string) error {
	ob := d.ob
	ob.mu.Lock()
	w := ob.byID[id]
	ob.mu.Unlock()
	if w == nil {
		var err error
		if w, err = d.submit(ctx, to, action, payload, id); err != nil {
			return err
		}
	}
	select {
	case <-w.done:
		return w.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// submit queues a waiter for id and hands the Submit to the loop.
func (d *Driver) submit(ctx context.Context, to, action string, payload []byte, id string) (*outWait, error) {
	ob := d.ob
	ob.order.Lock()
	defer ob.order.Unlock()
	w := &outWait{id: id, to: to, payload: payload, done: make(chan struct{})}
	ob.mu.Lock()
	ob.fifo = append(ob.fifo, w)
	ob.byID[id] = w
	ob.tos[to] = true
	ob.last = d.opts.Now()
	ob.mu.Unlock()
	select {
	case d.failed <- wsreliable.Submit{To: to, Action: action, Payload: payload}:
		return w, nil
	case <-ctx.Done():
		ob.mu.Lock()
		ob.fifo = ob.fifo[:len(ob.fifo)-1]
		delete(ob.byID, id)
		ob.mu.Unlock()
		return nil, ctx.Err()
	}
}

// observe matches rd (applied) to the waiters: a new outbound message
// record numbers the oldest Submit, its deletion acknowledges it, unless
// rd.Failed names it.
func (ob *outbound) observe(rd wsreliable.Ready) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	failed := map[string]string{}
	for _, f := range rd.Failed {
		if f.Number == 0 { // refused at Submit (backlog full)
			if w := ob.popLocked(f.Payload); w != nil {
				delete(ob.byID, w.id)
				w.finish(fmt.Errorf("%w: %s", ErrOutboundFailed, f.Reason))
			}
			continue
		}
		failed[f.To+"\x00"+fmt.Sprint(f.Number)] = f.Reason
	}
	for _, r := range rd.Persist {
		if strings.HasPrefix(r.Key, "out/") {
			if r.Value != nil {
				ob.open[r.Key] = true
			} else {
				delete(ob.open, r.Key)
			}
		}
		if !strings.HasPrefix(r.Key, "outm/") {
			continue
		}
		if r.Value != nil {
			var m struct {
				Number  uint64 `json:"n"`
				Payload []byte `json:"payload"`
			}
			if json.Unmarshal(r.Value, &m) != nil {
				continue
			}
			if w := ob.popLocked(m.Payload); w != nil {
				w.number = m.Number
				ob.byKey[r.Key] = w
			}
			continue
		}
		w := ob.byKey[r.Key]
		if w == nil {
			continue
		}
		delete(ob.byKey, r.Key)
		delete(ob.byID, w.id)
		if why, ok := failed[w.to+"\x00"+fmt.Sprint(w.number)]; ok {
			w.finish(fmt.Errorf("%w: %s", ErrOutboundFailed, why))
		} else {
			w.finish(nil)
		}
	}
}

// popLocked removes the oldest waiter whose payload is payload; older
// ones (their Submit lost to a failed step) fail. mu must be held.
func (ob *outbound) popLocked(payload []byte) *outWait {
	for i, w := range ob.fifo {
		if !bytes.Equal(w.payload, payload) {
			continue
		}
		for _, stale := range ob.fifo[:i] {
			delete(ob.byID, stale.id)
			stale.finish(fmt.Errorf("%w: submission lost", ErrOutboundFailed))
		}
		ob.fifo = ob.fifo[i+1:]
		return w
	}
	return nil
}

// reset fails every waiter: the engine was rebuilt without the records
// they wait on.
func (ob *outbound) reset() {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	for _, w := range ob.byID {
		w.finish(fmt.Errorf("%w: engine restored", ErrOutboundFailed))
	}
	ob.fifo, ob.byKey, ob.byID, ob.open = nil, map[string]*outWait{}, map[string]*outWait{}, map[string]bool{}
}

// outboundCloseTimeout bounds the closing of the outbound sequences when
// Run ends.
const outboundCloseTimeout = 2 * time.Second

// finishOutbound, when Run ends, asks the engine to close and terminate
// every outbound sequence (WS-RM 1.2, 3.5, 3.6) once what it carries is
// acknowledged, and waits for that, at most outboundCloseTimeout: the loop
// still runs. A sequence left open is dropped at the next start (the
// delivery queue submits its messages again).
func (d *Driver) finishOutbound() {
	ob := d.ob
	ob.mu.Lock()
	var tos []string
	for to := range ob.tos {
		tos = append(tos, to)
	}
	clear(ob.tos)
	ob.mu.Unlock()
	deadline := time.NewTimer(outboundCloseTimeout)
	defer deadline.Stop()
	for _, to := range tos {
		select {
		case d.failed <- wsreliable.Finish{To: to}:
		case <-deadline.C:
			return
		}
	}
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		ob.mu.Lock()
		n := len(ob.open)
		ob.mu.Unlock()
		if n == 0 {
			return
		}
		select {
		case <-t.C:
		case <-deadline.C:
			return
		}
	}
}

// idle finishes (CloseSequence, then TerminateSequence: WS-RM 1.2, 3.5,
// 3.6) the outbound sequences once nothing was submitted for idle and
// nothing waits, until ctx ends.
func (d *Driver) idle(ctx context.Context, idle time.Duration) {
	t := time.NewTicker(idle / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ob := d.ob
		ob.mu.Lock()
		var tos []string
		if len(ob.byID) == 0 && d.opts.Now().Sub(ob.last) >= idle {
			for to := range ob.tos {
				tos = append(tos, to)
			}
			clear(ob.tos)
		}
		ob.mu.Unlock()
		for _, to := range tos {
			select {
			case d.failed <- wsreliable.Finish{To: to}:
			case <-ctx.Done():
				return
			}
		}
	}
}

// withoutOutbound drops the outbound sequences from recs (returning the
// deletions of their records): with a WS-RM backend the delivery queue
// is the truth, and its unacknowledged entries are submitted again on a
// new sequence.
func withoutOutbound(recs []wsreliable.Record) (kept, dropped []wsreliable.Record) {
	for _, r := range recs {
		if strings.HasPrefix(r.Key, "out/") || strings.HasPrefix(r.Key, "outm/") {
			dropped = append(dropped, wsreliable.Record{Key: r.Key})
			continue
		}
		kept = append(kept, r)
	}
	return kept, dropped
}

// postOutbound sends o (body) to o.To in the background, the caller
// holding a slot of sem, and feeds the answer back to the engine.
func (d *Driver) postOutbound(ctx context.Context, o wsreliable.Outbound, v soap.Version, body []byte) {
	d.sends.Add(1)
	go func() {
		defer func() { <-d.sem; d.sends.Done() }()
		reply, err := d.exchange(ctx, o.To, v, body, outboundAction(o))
		if err != nil {
			d.log.Warn("sending", "kind", o.Kind.String(), "to", o.To, "err", err)
			return
		}
		for _, ev := range answerEvents(o, reply) {
			select {
			case d.failed <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
}

func outboundAction(o wsreliable.Outbound) string {
	switch o.Kind {
	case wsreliable.OutCreate:
		return wsreliable.ActionCreateSequence
	case wsreliable.OutClose:
		return wsreliable.NSRM + "/CloseSequence"
	case wsreliable.OutTerminate:
		return wsreliable.NSRM + "/TerminateSequence"
	}
	return o.Action
}

// exchange posts body to addr and returns the answer (nil when empty).
func (d *Driver) exchange(ctx context.Context, addr string, v soap.Version, body []byte, action string) (*soap.Message, error) {
	tctx, cancel := context.WithTimeout(ctx, d.cfg.DeliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(tctx, http.MethodPost, addr, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", v.ContentType())
	if v == soap.V11 {
		req.Header.Set("SOAPAction", `"`+action+`"`)
	}
	resp, err := d.opts.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxOutboundReply))
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		if resp.StatusCode >= 300 {
			return nil, fmt.Errorf("answered %s", resp.Status)
		}
		return nil, nil
	}
	m, err := soap.ReadMessageBytes(b, xmldoc.Limits{})
	if err != nil {
		return nil, fmt.Errorf("reading the answer (%s): %w", resp.Status, err)
	}
	return m, nil
}

// answerEvents turns the peer's answer to o into engine events: the
// CreateSequenceResponse (WS-RM 1.2, 3.4) or a refusal, the
// SequenceAcknowledgements (3.9) in its headers, a WS-RM fault (4).
func answerEvents(o wsreliable.Outbound, m *soap.Message) []wsreliable.Event {
	if m == nil {
		return nil
	}
	if _, isFault := m.Fault(); isFault {
		if pf, ok := wsreliable.DecodePeerFault(m); ok && pf.Group != "" {
			return []wsreliable.Event{pf}
		}
		if o.Kind == wsreliable.OutCreate {
			return []wsreliable.Event{wsreliable.Created{Local: o.Local, Refused: true}}
		}
		return nil
	}
	evs, _ := wsreliable.DecodeRM(m, wsreliable.DecodeContext{}) // a body it does not know: no body event
	if evs == nil && m.Payload.Valid() {
		// The body may be one DecodeRM refuses (a CloseSequenceResponse):
		// the acknowledgement headers still count.
		evs = ackHeaders(m)
	}
	var out []wsreliable.Event
	for _, ev := range evs {
		switch ev := ev.(type) {
		case wsreliable.Created:
			if o.Kind == wsreliable.OutCreate {
				ev.Local = o.Local
				out = append(out, ev)
			}
		case wsreliable.AckReceived:
			ev.Ref = 0
			out = append(out, ev)
		}
	}
	return out
}

// ackHeaders decodes m's headers alone (its body ignored).
func ackHeaders(m *soap.Message) []wsreliable.Event {
	h := *m
	h.Payload = xmldoc.Element{}
	evs, _ := wsreliable.DecodeRM(&h, wsreliable.DecodeContext{})
	return evs
}
