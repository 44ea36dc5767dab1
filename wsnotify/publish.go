package wsnotify

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/wsgw/wsgw/caller"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsreliable"
)

// The publisher side of reliable pub-sub (issue 10): a publisher may send
// its Notify to the broker endpoint inside a WS-RM 1.2 sequence. The
// broker hands every WS-RM request on that endpoint (CreateSequence, the
// sequence's messages, CloseSequence, TerminateSequence, AckRequested) to
// its RMDestination, a reliable messaging driver (wsreliable/driver), which
// stores each message and acknowledges it once on disk, then hands the
// stored Notify to the broker in sequence order, one at a time, through
// Deliver, with the delivery id (Wsgw-Delivery-Id: the sequence and
// message number). Deliver publishes it and records the delivery id with
// the durable deliveries in one synced write (Queue.Append's mark), so
// that a Notify the driver hands over again (after a crash between the
// publish and the driver's ack) is not published twice: publisher ->
// broker -> consumer is then reliable end to end. (choice) Pull points and
// current messages are written before the mark: a repeat after such a
// crash reaches them again (at least once); durable subscriptions get it
// once.

// RMDestination handles the WS-RM 1.2 requests sent to the broker endpoint
// (wsreliable/driver.Driver implements it).
type RMDestination interface {
	// HandleRequestDone processes m (a request with WS-RM content, read
	// and checked) and returns the HTTP answer; done reports whether the
	// answer was written. consumed names header blocks the host checked
	// and removed (a wsse:Security header) that must not be stored.
	HandleRequestDone(ctx context.Context, m *soap.Message, hdr http.Header, consumed ...xmldoc.Element) (status int, h http.Header, body []byte, done func(written bool))
}

// ErrRejected marks a message handed to Deliver that can never be
// published (not a Notify, unreadable): retrying cannot help.
var ErrRejected = errors.New("wsnotify: message rejected")

// Deliver publishes a Notify that the broker's RM destination stored (msg
// is its envelope, its RM headers removed; hdr carries the delivery id),
// once per delivery id, and answers 202. It has the shape of
// wsreliable/driver.Backend.
func (b *Broker) Deliver(ctx context.Context, msg []byte, hdr http.Header) ([]byte, int, error) {
	m, err := soap.ReadMessageBytes(msg, b.cfg.Limits)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrRejected, err)
	}
	if m.Payload.Name() != qNotify {
		n := m.Payload.Name()
		return nil, 0, fmt.Errorf("%w: only Notify is taken in a WS-RM sequence, not %s", ErrRejected, clark(n.Space, n.Local))
	}
	mark := hdr.Get(wsreliable.DeliveryIDHeader)
	if mark != "" && b.queue != nil {
		done, err := b.queue.Marked(ctx, mark)
		if err != nil {
			return nil, 0, err
		}
		if done {
			return nil, http.StatusAccepted, nil // published before a crash
		}
	}
	// The caller's rights on its topics were checked at arrival (serveRM).
	req := &request{msg: m, raw: m.Doc.Raw(), v: m.Version, now: b.now(), topicsChecked: true}
	if err := b.acceptNotify(ctx, req, mark); err != nil {
		var f *soap.Fault
		if errors.As(err, &f) && f.Code == soap.CodeSender {
			return nil, 0, fmt.Errorf("%w: %v", ErrRejected, err)
		}
		return nil, 0, err
	}
	return nil, http.StatusAccepted, nil
}

// serveRM hands a WS-RM request on the broker endpoint to the RM
// destination and writes its answer. The request obeys the broker's access
// rules first, as any other (Guard): the WS-RM requests by their names
// (rmOperation), a sequence message as the Notify it carries, with the
// caller's right to publish on each of its topics checked now, before it
// is stored and acknowledged (a refused Notify is never acknowledged, so
// no later delivery can fail on it). The caller goes with the request to
// the driver, which bounds the sequences of each caller and ties each
// sequence to its creator; the guard's consumed headers (wsse:Security)
// are not stored (so that no password is kept at rest).
func (b *Broker) serveRM(w http.ResponseWriter, req *request) {
	r, m := req.r, req.msg
	if err := b.admitAs(req, rmOperation(m)); err != nil {
		writeFault(w, req, asFault(err, req.v))
		return
	}
	if m.Payload.Name() == qNotify {
		if err := b.allowNotifyTopics(req); err != nil {
			writeFault(w, req, asFault(err, req.v))
			return
		}
	}
	status, h, body, done := b.rmDest.HandleRequestDone(caller.NewContext(r.Context(), req.caller), m, r.Header, b.consumed(req)...)
	for k, vs := range h {
		w.Header()[k] = vs
	}
	w.WriteHeader(status)
	_, err := w.Write(body)
	done(err == nil)
}

// rmOperation names the operation a WS-RM request to the broker endpoint
// is for the access rules: the operation its body carries (Notify, or a
// WS-RM request: CreateSequence, CloseSequence, TerminateSequence), else
// "AckRequested" (WS-RM 1.2, 3.8: acknowledgement headers alone).
func rmOperation(m *soap.Message) string {
	if m.Payload.Valid() {
		return m.Payload.Name().Local
	}
	return "AckRequested"
}

// allowNotifyTopics checks the caller's right to publish on the topic of
// each message of req's Notify (Guard.AllowTopic). A Notify that does
// not parse is left to Deliver, which rejects it.
func (b *Broker) allowNotifyTopics(req *request) error {
	if b.guard == nil {
		return nil
	}
	ns, err := b.parseNotify(req)
	if err != nil {
		return nil
	}
	for _, n := range ns {
		if n.hasTopic {
			if err := b.allowTopic(req, TopicNotify, n.topic); err != nil {
				return err
			}
		}
	}
	return nil
}

// isRM reports whether m is a WS-RM request the broker's RM destination
// takes.
func (b *Broker) isRM(r *http.Request, m *soap.Message) bool {
	return b.rmDest != nil && r.URL.Path == pathBroker && wsreliable.IsRM(m)
}
