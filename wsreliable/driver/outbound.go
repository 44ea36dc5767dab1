package driver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsreliable"
)

// The sending side (WS-RM 1.2 RM Source). The engine numbers, sends and
// retransmits; this file feeds the peer's answers back to it (a
// CreateSequenceResponse is Created, a SequenceAcknowledgement AckReceived,
// a WS-RM fault PeerFault) and lets the delivery consumer wait, per
// delivery, until the peer's acknowledgement covers the message (SubmitRM):
// the engine reports that by the delivery's token (Ready.Fates).

// maxOutboundReply bounds the answer read from a peer.
const maxOutboundReply = 1 << 20

// ErrOutboundFailed reports an outbound message the engine gave up on
// (retransmissions exhausted, sequence refused or faulted).
var ErrOutboundFailed = errors.New("outbound message given up")

// outbound holds SubmitRM's waiters, by token (the delivery ID). A waiter
// lives until its token's fate (acknowledged or failed) comes in a Ready,
// also when the SubmitRM that made it gave up waiting: a retry of the
// delivery then waits on it again, and a fate that came meanwhile is in
// the engine (an acknowledged token is answered at once).
type outbound struct {
	mu    sync.Mutex          // guards waits
	waits map[string]*outWait // token -> waiter
}

// outWait is one delivery waiting for the peer's acknowledgement.
type outWait struct {
	done chan struct{}
	err  error
}

func newOutbound() *outbound { return &outbound{waits: map[string]*outWait{}} }

// wait returns the waiter of token, made now (fresh) or earlier.
func (ob *outbound) wait(token string) (w *outWait, fresh bool) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	if w := ob.waits[token]; w != nil {
		return w, false
	}
	w = &outWait{done: make(chan struct{})}
	ob.waits[token] = w
	return w, true
}

// drop removes w, whose Submit never reached the loop.
func (ob *outbound) drop(token string, w *outWait) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	if ob.waits[token] == w {
		delete(ob.waits, token)
	}
}

// finish ends the waiter of token, if any, with err.
func (ob *outbound) finish(token string, err error) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	if w := ob.waits[token]; w != nil {
		delete(ob.waits, token)
		w.err = err
		close(w.done)
	}
}

// settle ends the waiters whose fates came (a Ready's, applied).
func (ob *outbound) settle(fates []wsreliable.Fate, log *slog.Logger) {
	for _, f := range fates {
		switch f.Kind {
		case wsreliable.FateAcknowledged:
			ob.finish(f.Token, nil)
		case wsreliable.FateFailed:
			log.Warn("outbound message given up", "to", f.To, "delivery", f.Token, "number", f.Number, "reason", f.Reason)
			ob.finish(f.Token, fmt.Errorf("%w: %s", ErrOutboundFailed, f.Reason))
		}
	}
}

// reset fails every waiter: the engine was rebuilt from the store.
func (ob *outbound) reset() {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	for token, w := range ob.waits {
		delete(ob.waits, token)
		w.err = fmt.Errorf("%w: engine restored", ErrOutboundFailed)
		close(w.done)
	}
}

// SubmitRM sends m.Payload (a SOAP Body's content) with wsa:Action
// m.Action reliably to the WS-RM 1.2 destination m.To, on the engine's
// outbound sequence for (m.To, m.Key), in SOAP version v (the sequence's:
// the version of the Submit that creates it), and returns once the
// destination has acknowledged it (nil), the engine gave up on it
// (ErrOutboundFailed), or ctx ended. m.Token names the delivery: while the
// message of that token is in flight, calling again waits for it rather
// than sending it again, and once it is acknowledged a call returns nil
// at once, until the delivery is settled (Forget: the driver's consumer
// does it for its own deliveries, another caller with Forget). With
// Options.Cluster, a delivery the consumer is delivering goes on the
// sequence of its shard (m.Key set), which moves with the shard.
func (d *Driver) SubmitRM(ctx context.Context, m wsreliable.Submit, v soap.Version) error {
	id := m.Token
	m.Meta = groupMeta(v, soap.WSANS) // WS-RM 1.2 runs over WS-Addressing 1.0
	if k, ok := d.keys.Load(id); ok && m.Key == "" {
		m.Key = k.(string) // the sequence of the delivery's shard (Options.Cluster)
	}
	w, fresh := d.ob.wait(id)
	if fresh {
		select {
		case d.events <- m:
		case <-ctx.Done():
			d.ob.drop(id, w)
			return ctx.Err()
		}
	}
	select {
	case <-w.done:
		return w.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Forget tells the engine that the delivery id, sent with SubmitRM, is
// settled: its token, if acknowledged, need not be remembered any more.
func (d *Driver) Forget(ctx context.Context, id string) {
	select {
	case d.events <- wsreliable.Forget{Token: id}:
	case <-ctx.Done():
	}
}

// postOutbound sends o (body) to o.To in the background, the caller
// holding a slot of sem, and feeds the answer back to the engine.
func (d *Driver) postOutbound(ctx context.Context, o wsreliable.Outbound, v soap.Version, body []byte) {
	d.sends.Add(1)
	go func() {
		defer func() { <-d.sem; d.sends.Done() }()
		reply, err := d.exchange(ctx, o, v, body)
		if err != nil {
			d.log.Warn("sending", "kind", o.Kind.String(), "to", o.To, "err", err)
			return
		}
		for _, ev := range answerEvents(o, reply) {
			select {
			case d.events <- ev:
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

// exchange posts o (body) to o.To and returns the answer (nil when
// empty). A sequence message carries its delivery ID (DeliveryIDHeader),
// so a peer can drop a repeat that comes on another sequence.
func (d *Driver) exchange(ctx context.Context, o wsreliable.Outbound, v soap.Version, body []byte) (*soap.Message, error) {
	tctx, cancel := context.WithTimeout(ctx, d.cfg.DeliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(tctx, http.MethodPost, o.To, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", v.ContentType())
	if v == soap.V11 {
		req.Header.Set("SOAPAction", `"`+outboundAction(o)+`"`)
	}
	if o.Token != "" {
		req.Header.Set(DeliveryIDHeader, o.Token)
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
		// A fault answering a sequence message (the application's, for
		// one) may carry the destination's acknowledgement of it: it
		// counts, first. Ignored, the message would be retransmitted
		// until given up, then submitted again on a new sequence: the
		// backend would get it twice.
		out := acksOnly(ackHeaders(m))
		if pf, ok := wsreliable.DecodePeerFault(m); ok && pf.Group != "" {
			return append(out, pf)
		}
		if o.Kind == wsreliable.OutCreate {
			return append(out, wsreliable.Created{Local: o.Local, Refused: true})
		}
		return out
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

// acksOnly returns the acknowledgements of evs, as answers (no Ref).
func acksOnly(evs []wsreliable.Event) []wsreliable.Event {
	var out []wsreliable.Event
	for _, ev := range evs {
		if a, ok := ev.(wsreliable.AckReceived); ok {
			a.Ref = 0
			out = append(out, a)
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
