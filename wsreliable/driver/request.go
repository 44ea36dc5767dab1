package driver

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/wsgw/wsgw/caller"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsreliable"
)

// request is one HTTP request's events on their way through the loop.
type request struct {
	ref   uint64
	v     soap.Version // the request's SOAP version
	shard int          // the shard its sequence is in (Options.Cluster); -1 for none
	evs   []wsreliable.Event
	done  chan []wsreliable.Reply // buffered: the loop never blocks on it
	err   error                   // set by the loop before done is sent to
}

// Handles reports whether m is for the driver: WS-RM (1.2 or February
// 2005) or WS-MakeConnection 1.1 content (wsreliable.IsRM), a WS-Reliability 1.1
// Request or PollRequest (wsreliable.IsRel), or wsgw's ReplyRequest.
func Handles(m *soap.Message) bool {
	return wsreliable.IsRM(m) || wsreliable.IsRel(m) || IsReplyRequest(m)
}

// HandleRequest processes a request that carries WS-RM (1.2 or February
// 2005), WS-MC 1.1 or WS-Reliability 1.1 content (the gateway has read and checked msg; hdr is
// the request's HTTP header) and returns the HTTP answer. It returns once
// the answer may be sent: what it acknowledges is on disk.
//
// A stored reply it returns (WS-MakeConnection, ReplyRequest) is deleted
// at once: a caller that can tell whether the answer was written uses
// HandleRequestDone instead.
func (d *Driver) HandleRequest(ctx context.Context, msg *soap.Message, hdr http.Header) (int, http.Header, []byte) {
	status, h, body, done := d.HandleRequestDone(ctx, msg, hdr)
	done(true)
	return status, h, body
}

// HandleRequestDone is HandleRequest for a caller that reports, by calling
// done once, whether it wrote the answer. A stored reply the answer
// carries is deleted only when done(true) is called; done(false) keeps it
// for the next pickup, and so does a done never called, after
// Config.DeliveryTimeout (pickup is at least once, see takeReply).
//
// consumed are header blocks of msg the caller processed and that must
// be neither stored nor delivered (the gateway's checked wsse:Security
// header, whose password would otherwise sit in the queue and reach the
// backend).
func (d *Driver) HandleRequestDone(ctx context.Context, msg *soap.Message, hdr http.Header, consumed ...xmldoc.Element) (status int, h http.Header, body []byte, done func(written bool)) {
	done = func(bool) {}
	status, h, body = d.handle(ctx, msg, hdr, &done, consumed, false)
	return status, h, body, done
}

// handle is HandleRequest; a stored reply's lease settles through *done.
// consumed are header blocks the caller processed (HandleRequestDone);
// forwarded says that another node sent the request here (forward.go).
func (d *Driver) handle(ctx context.Context, msg *soap.Message, hdr http.Header, done *func(bool), consumed []xmldoc.Element, forwarded bool) (int, http.Header, []byte) {
	v := msg.Version
	if IsReplyRequest(msg) {
		return d.replyRequest(ctx, msg, done)
	}
	addr, err := soap.ReadAddressing(msg) // addr is the fault's context even on error
	if err != nil {
		return relatedFault(err, v, addr)
	}
	ref := d.nextRef.Add(1)
	payload := encodeEnvelope(hdr, addr, strippedEnvelope(msg, consumed))
	dc := wsreliable.DecodeContext{Ref: ref, NewID: d.newID(), Payload: payload, Meta: groupMeta(v, addr.NS)}
	var evs []wsreliable.Event
	switch {
	case wsreliable.IsRM(msg):
		evs, err = wsreliable.DecodeRM(msg, dc)
	case wsreliable.IsRel(msg):
		evs, err = wsreliable.DecodeRel(msg, dc)
	default:
		evs = []wsreliable.Event{wsreliable.NotReliable{Ref: ref}}
	}
	if err != nil {
		return relatedFault(err, v, addr)
	}
	if st, h, body, refused := d.refusal(ctx, v, addr, evs); refused {
		return st, h, body
	}
	who := caller.FromContext(ctx)
	for i, ev := range evs {
		switch ev := ev.(type) {
		case wsreliable.CreateSequence:
			ev.Caller = who
			evs[i] = ev
		case wsreliable.AckRequest:
			ev.Caller = who
			evs[i] = ev
		case wsreliable.Close:
			ev.Caller = who
			evs[i] = ev
		case wsreliable.Terminate:
			ev.Caller = who
			evs[i] = ev
		case wsreliable.AckReceived:
			ev.Caller = who
			evs[i] = ev
		case wsreliable.PollRequest:
			ev.Caller = who
			evs[i] = ev
		case wsreliable.Message:
			ev.Caller = who
			if !ev.Expiry.IsZero() { // WS-Reliability: not delivered after it
				ev.Payload = withExpiry(ev.Payload, ev.Expiry)
			}
			evs[i] = ev
			if n := len(msg.Doc.Raw()); n > d.cfg.MaxMessageBytes {
				return relatedFault(soap.Sender(fmt.Sprintf("The message is too large for reliable delivery (%d bytes, at most %d).",
					n, d.cfg.MaxMessageBytes)), v, addr)
			}
			// One the delivery queue cannot take would fail its step, and
			// every request batched with it, on each retransmission.
			dl := wsreliable.Delivery{Proto: ev.Proto, Group: ev.Group, Number: ev.Number, Payload: ev.Payload}
			if n := deliverySize(dl); n > d.qopts.MaxMessageBytes {
				return relatedFault(soap.Sender(fmt.Sprintf("The message is too large to be stored for delivery (%d bytes with its addresses, at most %d).",
					n, d.qopts.MaxMessageBytes)), v, addr)
			}
		case wsreliable.Created:
			// A CreateSequenceResponse answers the gateway's own
			// CreateSequence on that request's HTTP response; as a request
			// it answers nothing the gateway asked, and the engine would
			// do nothing with it.
			return relatedFault(soap.Sender("A CreateSequenceResponse is not a request: this RM Destination takes "+
				"CreateSequence, CloseSequence, TerminateSequence, AckRequested and sequence messages.").WithVersion(v), v, addr)
		case wsreliable.MakeConnection:
			if body, settle, ok := d.takeReply(ctx, ev.Address); ok {
				*done = settle
				return okAnswer(v, body)
			}
		}
	}
	r := &request{ref: ref, v: v, shard: -1, evs: evs, done: make(chan []wsreliable.Reply, 1)}
	if d.cl != nil {
		if err := d.cl.Available(); err != nil {
			return busyAnswer(v, "this node cannot store messages now ("+err.Error()+")")
		}
		rt := d.route(ctx, msg, hdr, evs, consumed, forwarded)
		if a := rt.answer; a != nil {
			return a.Status, a.Header, a.Body
		}
		r.shard = rt.shard
	}
	select {
	case d.reqs <- r:
	case <-ctx.Done():
		return busyAnswer(v, "request abandoned")
	case <-d.done:
		return busyAnswer(v, "shutting down")
	}
	var replies []wsreliable.Reply
	select {
	case replies = <-r.done:
	case <-ctx.Done():
		return busyAnswer(v, "request abandoned")
	case <-d.done: // Run ended before it got to the request
		return busyAnswer(v, "shutting down")
	}
	switch {
	case errors.Is(r.err, errQueueFull):
		return busyAnswer(v, "the delivery queue is full")
	case errors.Is(r.err, errMoved), errors.Is(r.err, errUnavailable):
		return busyAnswer(v, r.err.Error())
	case r.err != nil:
		// Nothing of it is acknowledged (a store without its quorum
		// times out): the client sends it again.
		d.log.Error("reliable request failed", "err", r.err)
		return busyAnswer(v, "the message could not be stored")
	}
	return d.answerTo(ctx, v, addr, evs, replies) // replyto.go
}

// answer writes the engine's replies to one request of version v whose
// WS-Addressing properties are addr.
func (d *Driver) answer(v soap.Version, addr soap.Addressing, replies []wsreliable.Reply) (int, http.Header, []byte) {
	status, body := wsreliable.EncodeReplies(wsreliable.EncodeContext{Version: v, Request: addr, Self: d.cfg.Self}, replies)
	if body == nil {
		return status, http.Header{}, nil
	}
	return okStatus(v, status, body)
}

// takeReply leases the oldest reply kept for addr (Mailbox) and returns
// it with the function that settles the lease: done(true) once the answer
// carrying it was written deletes it, done(false) offers it again at
// once. (The reply is returned as the backend wrote it: it carries no
// wsmc:MessagePending; a client polls until it gets 202.)
//
// Pickup is at least once: a reply taken is not offered to another pickup
// for DeliveryTimeout, then offered again if its taker never settled it (a
// crash, a hung connection). A reply may therefore be given twice when the
// answer was written but the process died before done(true); like a
// delivery's repeat, it carries the same bytes.
func (d *Driver) takeReply(ctx context.Context, addr string) (body []byte, done func(written bool), ok bool) {
	key, body, ok, err := d.store.TakeReply(ctx, addr, d.cfg.DeliveryTimeout)
	if err != nil {
		d.log.Error("taking a stored reply", "address", addr, "err", err)
		return nil, nil, false
	}
	if !ok {
		return nil, nil, false
	}
	return body, func(written bool) {
		if err := d.store.SettleReply(context.WithoutCancel(ctx), key, written); err != nil {
			d.log.Error("settling a stored reply's pickup", "err", err)
		}
	}, true
}

func okAnswer(v soap.Version, body []byte) (int, http.Header, []byte) {
	return okStatus(v, http.StatusOK, body)
}

func okStatus(v soap.Version, status int, body []byte) (int, http.Header, []byte) {
	h := http.Header{}
	h.Set("Content-Type", v.ContentType())
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return status, h, body
}

// relatedFault renders err, raised while reading a request whose
// WS-Addressing properties are addr, as a reply to it (WS-Addressing 1.0
// Core 3.4): with wsa:RelatesTo its MessageID and the fault action. An RM
// fault (WS-RM 1.2 or February 2005, 4; WS-MC 1.1) is written as the
// engine's are (wsreliable.EncodeReplies), in its version with its spec's
// fault action; any other gets WS-Addressing's (soap.Fault.WithAddressing).
func relatedFault(err error, v soap.Version, addr soap.Addressing) (int, http.Header, []byte) {
	var rf *wsreliable.Fault
	if errors.As(err, &rf) && rf.Code.Name().Space != wsreliable.NSRel {
		status, body := wsreliable.EncodeReplies(wsreliable.EncodeContext{Version: v, Request: addr},
			[]wsreliable.Reply{{Kind: wsreliable.ReplyFault, Proto: rf.Proto, Fault: rf}})
		return okStatus(v, status, body)
	}
	if f, ok := err.(*soap.Fault); ok {
		err = f.WithAddressing(addr)
	}
	return faultAnswer(err, v)
}

// faultAnswer renders err (a *soap.Fault, else a Receiver fault) in v.
func faultAnswer(err error, v soap.Version) (int, http.Header, []byte) {
	f, ok := err.(*soap.Fault)
	if !ok {
		f = soap.Receiver(err.Error())
	}
	if v != soap.V11 && v != soap.V12 {
		v = soap.V11
	}
	body := f.Marshal(v)
	_, h, _ := okStatus(v, 0, body)
	return f.HTTPStatus(v), h, body
}

func busyAnswer(v soap.Version, why string) (int, http.Header, []byte) {
	st, h, body := faultAnswer(soap.Receiver("The reliable messaging service is unavailable: "+why+"."), v)
	h.Set("Retry-After", "1")
	if st == http.StatusInternalServerError {
		st = http.StatusServiceUnavailable
	}
	return st, h, body
}

// newID returns a fresh sequence Identifier; with Options.Cluster one of
// a shard this node holds, when it holds any (so that the sequence's
// messages come to this node: choice), tried at most 64 times.
func (d *Driver) newID() string {
	id := newID()
	if d.cl == nil {
		return id
	}
	for range 64 {
		if d.shards.holds(d.cl.ShardOf(id)) {
			break
		}
		id = newID()
	}
	return id
}

// newID returns a fresh sequence Identifier (RFC 9562 version 4 UUID URN).
func newID() string {
	var b [16]byte
	rand.Read(b[:]) //nolint:errcheck // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
