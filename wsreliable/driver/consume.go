package driver

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/wsreliable"
)

// idlePoll is how often an idle consumer looks for messages whose
// redelivery delay has run out (those close no Ready channel).
const idlePoll = 100 * time.Millisecond

// consume leases deliveries and hands them to the backend until ctx ends.
// Each lease holds at most one message per group (badgerq FIFO groups),
// so the deliveries of one lease run in parallel.
func (d *Driver) consume(ctx context.Context) {
	// Whatever is leased was leased by an earlier process (one process
	// owns the store): deliver it again now, not when its lease runs out.
	if n, err := d.q.ReleaseLeases(ctx); err != nil && ctx.Err() == nil {
		d.log.Error("releasing the leases of an earlier run", "err", err)
	} else if n > 0 {
		d.log.Info("released the leases of an earlier run", "count", n)
	}
	for ctx.Err() == nil {
		ready := d.q.Ready()
		leases, err := d.q.Lease(ctx, d.cfg.Workers, 0)
		if err != nil && ctx.Err() == nil {
			d.log.Error("leasing deliveries", "err", err)
		}
		if len(leases) == 0 {
			t := time.NewTimer(idlePoll)
			select {
			case <-ctx.Done():
			case <-ready:
			case <-t.C:
			}
			t.Stop()
			continue
		}
		var wg sync.WaitGroup
		for _, l := range leases {
			wg.Go(func() { d.deliverOne(ctx, l) })
		}
		wg.Wait()
	}
}

// deliverOne delivers one leased message and acks or nacks it.
func (d *Driver) deliverOne(ctx context.Context, l queueing.Lease) {
	meta, s, err := decodeDelivery(l.Body)
	if err != nil {
		d.log.Error("dropping a corrupt delivery", "id", l.ID, "err", err)
		d.ack(ctx, l.ID)
		return
	}
	log := d.log.With("delivery", meta.ID, "attempt", l.Attempts)
	switch done, err := d.isDone(meta.ID); {
	case err != nil:
		log.Error("reading done mark", "err", err)
		d.nack(ctx, l, meta)
		return
	case done:
		d.dups.Add(1)
		d.ack(ctx, l.ID)
		return
	}
	if !s.Expiry.IsZero() && !d.opts.Now().Before(s.Expiry) {
		log.Warn("WS-Reliability ExpiryTime passed before delivery; dropping the message", "expiry", s.Expiry)
		d.expire(ctx, l, meta)
		return
	}
	if l.Attempts > 1 {
		d.redelivered.Add(1)
	}
	tctx, cancel := context.WithTimeout(ctx, d.cfg.DeliveryTimeout)
	reply, status, err := d.opts.Backend.Deliver(tctx, s.Envelope, s.header(meta.ID))
	cancel()
	if errors.Is(err, ErrRejected) {
		log.Warn("backend rejected the message; dead-lettering it", "err", err)
		d.giveUp(ctx, l, meta)
		return
	}
	if err != nil {
		if ctx.Err() == nil {
			log.Info("delivery failed; will retry", "err", err)
		}
		d.nack(ctx, l, meta)
		return
	}
	replyTo := ""
	switch {
	case strings.HasPrefix(s.ReplyTo, wsreliable.MCAnonymousPrefix):
		replyTo = s.ReplyTo
	case meta.Proto == wsreliable.Rel:
		replyTo = relReplyAddress(meta.Group, meta.Number) // relreply.go
	}
	if err := d.markDone(meta.ID, replyTo, replyBody(reply, status)); err != nil {
		log.Error("writing done mark", "err", err)
		d.nack(ctx, l, meta)
		return
	}
	d.delivered.Add(1)
	if s.ReplyTo != "" && !strings.HasPrefix(s.ReplyTo, wsreliable.MCAnonymousPrefix) && len(reply) > 0 {
		d.post(ctx, s.ReplyTo, guessVersion(s.ContentType), reply, "")
	}
	d.ack(ctx, l.ID)
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

func (d *Driver) ack(ctx context.Context, id uint64) {
	if err := d.q.Ack(ctx, id); err != nil && ctx.Err() == nil {
		d.log.Error("acking delivery", "id", id, "err", err)
	}
}

// nack returns l for redelivery with backoff; on its last attempt it goes
// to the dead letters (badgerq does that) and a WS-Reliability sender
// learns of it.
func (d *Driver) nack(ctx context.Context, l queueing.Lease, meta deliveryMeta) {
	maxAttempts := d.cfg.MaxAttempts
	if maxAttempts == 0 {
		maxAttempts = 10 // badgerq's default
	}
	last := maxAttempts > 0 && l.Attempts >= maxAttempts
	if last {
		// Going to the dead letters: a repeat of it in the queue (see
		// the package doc) must not be delivered after all.
		if err := d.markDone(meta.ID, "", nil); err != nil {
			d.log.Error("writing done mark", "err", err)
		}
	}
	if err := d.q.Nack(ctx, l.ID, -1); err != nil {
		if ctx.Err() == nil {
			d.log.Error("nacking delivery", "id", l.ID, "err", err)
		}
		return
	}
	if last {
		d.dead.Add(1)
		d.processingFailed(ctx, meta)
	}
}

// giveUp drops l at once (logged, counted as dead-lettered).
func (d *Driver) giveUp(ctx context.Context, l queueing.Lease, meta deliveryMeta) {
	// badgerq has no direct dead-letter call; a done mark makes every
	// further lease of it a no-op, and the ack removes it.
	if err := d.markDone(meta.ID, "", nil); err != nil {
		d.log.Error("writing done mark", "err", err)
		d.nack(ctx, l, meta)
		return
	}
	d.dead.Add(1)
	d.ack(ctx, l.ID)
	d.processingFailed(ctx, meta)
}

func (d *Driver) processingFailed(ctx context.Context, meta deliveryMeta) {
	d.reportFailure(ctx, meta, true)
}

// expire drops l, whose WS-Reliability ExpiryTime passed while it waited
// (counted as dead-lettered), and reports MessageProcessingFailure to its
// sender where its reply pattern has a way (Callback: sent to ReplyTo;
// Poll: in the PollRequest answers; Response: the answer is long gone,
// so it is recorded for a PollRequest only and logged).
func (d *Driver) expire(ctx context.Context, l queueing.Lease, meta deliveryMeta) {
	if err := d.markDone(meta.ID, "", nil); err != nil {
		d.log.Error("writing done mark", "err", err)
		d.nack(ctx, l, meta)
		return
	}
	d.dead.Add(1)
	d.ack(ctx, l.ID)
	d.reportFailure(ctx, meta, false)
}

func (d *Driver) reportFailure(ctx context.Context, meta deliveryMeta, permanent bool) {
	if meta.Proto != wsreliable.Rel {
		return
	}
	select {
	case d.failed <- wsreliable.ProcessingFailed{Group: meta.Group, Number: meta.Number, Permanent: permanent}:
	case <-ctx.Done():
	}
}
