package driver

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsreliable"
)

// idlePoll is how often an idle consumer looks for messages whose
// redelivery delay has run out (those close no Ready channel).
const idlePoll = 100 * time.Millisecond

// consume leases deliveries and hands them to the backend until ctx ends,
// Workers at a time (queueing.Consume: a finished delivery frees its slot
// at once, so one slow group holds one slot only). The queue leases at
// most one message of a group at a time, so each group is delivered in
// order.
func (d *Driver) consume(ctx context.Context) {
	queueing.Consume(ctx, d.store, d.cfg.Workers, idlePoll, d.deliverOne,
		func(err error) { d.log.Error("leasing deliveries", "err", err) })
}

// deliverOne delivers one leased message and settles it: acked (the
// backend's reply kept with the ack when someone will ask for it), nacked
// for redelivery, or dropped.
func (d *Driver) deliverOne(ctx context.Context, l queueing.Lease) {
	meta, s, err := decodeDelivery(l.Body)
	if err != nil {
		d.log.Error("dropping a corrupt delivery", "id", l.ID, "err", err)
		d.ack(ctx, l.ID, "", nil)
		return
	}
	log := d.log.With("delivery", meta.ID, "attempt", l.Attempts)
	if !s.Expiry.IsZero() && !d.opts.Now().Before(s.Expiry) {
		log.Warn("WS-Reliability ExpiryTime passed before delivery; dropping the message", "expiry", s.Expiry)
		d.drop(ctx, l, meta, false)
		return
	}
	if l.Attempts > 1 {
		d.redelivered.Add(1)
	}
	if d.cl != nil {
		// A SubmitRM of it goes on the outbound sequence of its shard,
		// which moves with the shard (cluster.go).
		d.keys.Store(meta.ID, d.cl.ShardScope(d.cl.ShardOf(l.Group)))
		defer d.keys.Delete(meta.ID)
	}
	tctx, cancel := context.WithTimeout(ctx, d.cfg.DeliveryTimeout)
	reply, status, err := d.opts.Backend.Deliver(tctx, s.Envelope, s.header(meta.ID))
	cancel()
	if errors.Is(err, ErrRejected) {
		log.Warn("backend rejected the message; dead-lettering it", "err", err)
		d.drop(ctx, l, meta, true)
		return
	}
	if err != nil {
		if ctx.Err() == nil {
			log.Info("delivery failed; will retry", "err", err)
		}
		d.nack(ctx, l, meta)
		return
	}
	to := s.replyTo(isFault(reply, status))
	box := ""
	switch {
	case strings.HasPrefix(to, wsreliable.MCAnonymousPrefix):
		box = to
	case meta.Proto == wsreliable.Rel:
		box = relReplyAddress(meta.Group, meta.Number) // relreply.go
	}
	keep := replyBody(reply, status)
	if box == "" {
		keep = nil
	}
	if !d.ack(ctx, l.ID, box, keep) {
		return // redelivered when its lease runs out
	}
	d.delivered.Add(1)
	if sentTo(to) && len(reply) > 0 {
		d.post(ctx, to, guessVersion(s.ContentType), reply, "")
	}
	d.settled(ctx, meta)
}

// replyTo is where the backend's reply to s goes (WS-Addressing 1.0 Core
// 3.4): a fault to the request's [fault endpoint] when it gave one, else
// (and any other reply) to its [reply endpoint]; "" for anonymous (the
// HTTP response, answered long ago: nothing to send).
func (s stored) replyTo(fault bool) string {
	if fault && s.FaultTo != "" {
		return s.FaultTo
	}
	return s.ReplyTo
}

// isFault reports whether a backend reply is a SOAP fault: a Fault body,
// or without a readable envelope an HTTP error status (SOAP 1.1 and 1.2
// HTTP bindings send faults with 500, or 400 for a SOAP 1.2 Sender).
func isFault(reply []byte, status int) bool {
	if len(reply) == 0 {
		return false
	}
	if m, err := soap.ReadMessageBytes(reply, xmldoc.Limits{MaxBytes: int64(len(reply)) + 1}); err == nil {
		_, ok := m.Fault()
		return ok
	}
	return status >= 400
}

// replyBody is the reply worth keeping: a body, other than a 202.
func replyBody(reply []byte, status int) []byte {
	if len(reply) == 0 || status == 202 {
		return nil
	}
	return reply
}

func guessVersion(ct string) soap.Version {
	if strings.HasPrefix(ct, soap.MediaType12) {
		return soap.V12
	}
	return soap.V11
}

// ack removes delivery id (keeping reply in box) and reports whether it
// did.
func (d *Driver) ack(ctx context.Context, id uint64, box string, reply []byte) bool {
	if err := d.store.Ack(ctx, id, box, reply); err != nil {
		if ctx.Err() == nil {
			d.log.Error("acking delivery", "id", id, "err", err)
		}
		return false
	}
	return true
}

// settled runs once a delivery's queue entry is gone: with a WS-RM
// backend the engine may forget its token (SubmitRM).
func (d *Driver) settled(ctx context.Context, meta deliveryMeta) {
	if d.cfg.BackendRM {
		d.Forget(ctx, meta.ID)
	}
}

// nack returns l for redelivery with backoff; on its last attempt (the
// queue's MaxAttempts) it goes to the dead letters and a WS-Reliability
// sender learns of it.
func (d *Driver) nack(ctx context.Context, l queueing.Lease, meta deliveryMeta) {
	last := d.qopts.MaxAttempts > 0 && l.Attempts >= d.qopts.MaxAttempts
	if err := d.store.Nack(ctx, l.ID, -1); err != nil {
		if ctx.Err() == nil {
			d.log.Error("nacking delivery", "id", l.ID, "err", err)
		}
		return
	}
	if last {
		d.dead.Add(1)
		d.settled(ctx, meta)
		d.reportFailure(ctx, meta, true)
	}
}

// drop removes l at once, counted as dead-lettered, and tells a
// WS-Reliability sender: PermanentProcessingFailure for a message the
// backend rejected; MessageProcessingFailure for one whose ExpiryTime
// passed while it waited (expired), where its reply pattern has a way
// (Callback: sent to ReplyTo; Poll: in the PollRequest answers; Response:
// the answer is long gone, so it is recorded for a PollRequest only).
func (d *Driver) drop(ctx context.Context, l queueing.Lease, meta deliveryMeta, rejected bool) {
	if !d.ack(ctx, l.ID, "", nil) {
		return
	}
	d.dead.Add(1)
	d.settled(ctx, meta)
	d.reportFailure(ctx, meta, rejected)
}

func (d *Driver) reportFailure(ctx context.Context, meta deliveryMeta, permanent bool) {
	if meta.Proto != wsreliable.Rel {
		return
	}
	select {
	case d.events <- wsreliable.ProcessingFailed{Group: meta.Group, Number: meta.Number, Permanent: permanent}:
	case <-ctx.Done():
	}
}
