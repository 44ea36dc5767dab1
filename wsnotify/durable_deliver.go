package wsnotify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/wsgw/wsgw/caller"
	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/storage"
	"github.com/wsgw/wsgw/wsnotify/delivery"
	"github.com/wsgw/wsgw/wsreliable"
)

// Durable subscriptions' deliveries (issue 10): each matching Notify puts
// one message in the subscription's group of the durable Queue, synced
// before the Notify is answered; Run leases them, Durable.Workers at a
// time and one per subscription at a time (so each subscription is
// delivered in order), and sends each as one request: over WS-RM 1.2
// through the RM source (the subscription's own sequence, the delivery id
// as the Submit token), or as a plain Notify with the delivery id in the
// Wsgw-Delivery-Id header. A delivery acknowledged is acked in the queue;
// one that failed waits out the backoff holding no worker; the plain
// attempts of one caller's subscriptions hold at most
// Durable.WorkersPerCaller workers (more wait, unattempted: Defer); a message over
// its subscription's retention or attempts goes to the dead letters,
// which the sweep moves to the broker's dead-letter list.

// idlePoll is how often an idle durable consumer looks for messages whose
// backoff ran out (those close no Ready channel).
const idlePoll = 100 * time.Millisecond

// durableMessage is the durable queue message that delivers m to s: the
// content s receives (the NotificationMessage's without its
// SubscriptionReference, or the raw payload), bounded by s's retention.
func durableMessage(s *subscription, m *delivery.Msg, now time.Time) queueing.Message {
	body := m.Wrapped
	if s.rec.UseRaw {
		body = m.Payload
	}
	d := s.durable
	return queueing.Message{Group: s.rec.ID, Body: body, ExpiresAt: now.Add(d.MaxAge),
		Keep: queueing.GroupLimit{Messages: d.MaxMessages, Bytes: d.MaxBytes}}
}

// appendDurable stores wb's durable deliveries and its mark, synced.
func (b *Broker) appendDurable(ctx context.Context, wb *writeBatch) error {
	if b.queue == nil || (len(wb.durable) == 0 && wb.mark == "") {
		return nil
	}
	err := b.queue.Append(ctx, wb.durable, wb.mark)
	if errors.Is(err, queueing.ErrQueueFull) {
		f := soap.Receiver("the durable queue is full: Notify again later")
		f.Cause = err
		return f
	}
	if err != nil {
		return fmt.Errorf("storing durable deliveries: %w", err)
	}
	b.metrics.durableQueued.Add(float64(len(wb.durable)))
	return nil
}

// ReasonTooLarge is the reason of the dead letter of a notification over
// Durable.MaxMessageBytes, given up for a durable subscription when it
// was published.
const ReasonTooLarge = "too large"

// storeTooBig stores the dead letters of notifications too large for
// their durable subscriptions, synced with the rest of the Notify.
func (b *Broker) storeTooBig(ctx context.Context, dls []deadLetter) error {
	if len(dls) == 0 {
		return nil
	}
	adds := make([]storage.Add, 0, len(dls))
	for _, d := range dls {
		val, err := json.Marshal(d)
		if err != nil {
			return fmt.Errorf("encoding a dead letter: %w", err)
		}
		adds = append(adds, storage.Add{List: deadLetters, Value: val, Bound: storage.Bound{Max: int(b.maxDeadLetters.Load())}})
	}
	if _, err := b.st.Append(ctx, adds...); err != nil {
		return fmt.Errorf("storing dead letters: %w", err)
	}
	b.metrics.dead.Add(float64(len(dls)))
	b.metrics.durableDead.WithLabelValues(ReasonTooLarge).Add(float64(len(dls)))
	return nil
}

// deliveryID is the stable id of a durable delivery: the subscription and
// the queue's message id (which a redelivery keeps).
func deliveryID(sub string, msg uint64) string {
	return "wsn:" + sub + "#" + strconv.FormatUint(msg, 10)
}

// runDurable delivers the durable queue until ctx ends.
// WS-RM attempts wait for the acknowledgement on goroutines of their own
// (rmWaits), which runDurable waits for before it returns.
func (b *Broker) runDurable(ctx context.Context) {
	var rmWaits sync.WaitGroup
	defer rmWaits.Wait()
	l := leaser{Queue: b.queue, visibility: leaseTime(b.cfg.Durable.Timeout)}
	queueing.Consume(ctx, l, b.cfg.Durable.Workers, idlePoll,
		func(ctx context.Context, l queueing.Lease) { b.deliverDurable(ctx, l, &rmWaits) },
		func(err error) { b.log.Error("wsnotify: leasing durable deliveries", "err", err) })
}

// leaseTime is how long a durable delivery is leased: an attempt takes up
// to timeout, and its settling (an ack, a nack) some time after, so the
// lease never runs out while the attempt is in flight, which would lease
// the message again and send it twice at once, the second copy possibly
// overtaking the first (choice: twice the timeout and 30s more; a lease
// left by a crash is released when the queue is opened again).
func leaseTime(timeout time.Duration) time.Duration { return 2*timeout + 30*time.Second }

// leaser leases from the durable queue for visibility, whatever the
// queue's default lease is.
type leaser struct {
	Queue
	visibility time.Duration
}

func (l leaser) Lease(ctx context.Context, n int, _ time.Duration) ([]queueing.Lease, error) {
	return l.Queue.Lease(ctx, n, l.visibility)
}

// deliverDurable makes one attempt at leased message l and settles it. A
// plain attempt holds the worker that runs it until the consumer answers
// (Durable.Timeout at most); a WS-RM attempt only hands the message to
// the RM source, and waits for the acknowledgement (the engine
// retransmitting) on a goroutine of rmWaits, so consumers that are down
// or never answer hold no worker: the others are delivered meanwhile
// (issue 10: "without delaying others"). Those goroutines are at most one
// per WS-RM subscription (DurableConfig.MaxSubscriptions): the queue
// leases a group's messages one at a time, so a subscription has one
// attempt in flight.
func (b *Broker) deliverDurable(ctx context.Context, l queueing.Lease, rmWaits *sync.WaitGroup) {
	b.mu.RLock()
	s := b.subs[l.Group]
	var rec subRecord
	if s != nil {
		rec = s.rec
	}
	b.mu.RUnlock()
	switch {
	case s == nil:
		b.settleUnknown(ctx, l)
		return
	case s.durable == nil: // not a durable subscription's: nothing delivers it
		b.settle(ctx, "acking a delivery of a subscription that is not durable", b.queue.Ack(ctx, l.ID))
		return
	case rec.Paused:
		// Paused after the lease: the held group keeps it.
		b.settle(ctx, "returning a delivery of a paused subscription", b.queue.Nack(ctx, l.ID, 0))
		return
	}
	if s.durable.RM {
		rmWaits.Go(func() { b.attemptDurable(ctx, l, &rec, s.durable) })
		return
	}
	if !b.plainSlots.take(rec.Caller, b.cfg.Durable.WorkersPerCaller) {
		// This caller's subscriptions hold their share of the workers
		// (consumers that are slow or never answer): the message waits,
		// unattempted, and the others' are delivered meanwhile.
		if b.settle(ctx, "deferring a durable delivery", b.queue.Defer(ctx, l.ID, deferDelay(b.cfg.Durable.Timeout))) {
			b.metrics.durableDeferred.Inc()
		}
		return
	}
	defer b.plainSlots.give(rec.Caller)
	b.attemptDurable(ctx, l, &rec, s.durable)
}

// deferDelay is how long a delivery held back by its caller's share waits
// before it is leased again: a slot of that caller frees within timeout
// (choice: a quarter of it, between 100ms and 1s, so that a caller's
// waiting messages cost a few queue writes a second at most).
func deferDelay(timeout time.Duration) time.Duration {
	return min(max(timeout/4, 100*time.Millisecond), time.Second)
}

// callerSlots counts the plain durable attempts in flight per caller
// (DurableConfig.WorkersPerCaller). Subscriptions without a caller are
// not counted.
type callerSlots struct {
	mu   sync.Mutex
	held caller.Counts
}

// take takes one of who's max slots, reporting whether there was one.
func (c *callerSlots) take(who caller.ID, max int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held.Full(who, max) {
		return false
	}
	if c.held == nil {
		c.held = caller.Counts{}
	}
	c.held.Add(who, 1)
	return true
}

func (c *callerSlots) give(who caller.ID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.held.Add(who, -1)
}

// attemptDurable sends leased message l to subscription rec, granted d,
// within Durable.Timeout, and settles it: acked when delivered, else
// returned for a later attempt after the backoff, or given up.
func (b *Broker) attemptDurable(ctx context.Context, l queueing.Lease, rec *subRecord, d *durableRecord) {
	id := deliveryID(rec.ID, l.ID)
	tctx, cancel := context.WithTimeout(ctx, b.cfg.Durable.Timeout)
	err := b.sendDurable(tctx, rec, d, id, l.Body)
	cancel()
	if ctx.Err() != nil {
		return // shutting down: the lease runs out, the message is delivered again
	}
	if err == nil {
		if b.settle(ctx, "acking a durable delivery", b.queue.Ack(ctx, l.ID)) {
			b.metrics.delivered.Inc()
			b.metrics.durableDelivered.Inc()
			if d.RM {
				b.rm.Forget(ctx, id)
			}
		}
		return
	}
	b.metrics.failed.Inc()
	b.log.Debug("wsnotify: durable delivery failed", "subscription", rec.ID, "delivery", id, "attempt", l.Attempts, "err", err)
	if max := d.MaxAttempts; max > 0 && l.Attempts >= max {
		if b.settle(ctx, "giving up a durable delivery", b.queue.Abandon(ctx, l.ID, queueing.ReasonMaxAttempts)) {
			b.moveDeadLetters(ctx)
		}
		return
	}
	b.settle(ctx, "returning a durable delivery", b.queue.Nack(ctx, l.ID, b.cfg.Durable.Backoff.Delay(l.Attempts, rand.Float64())))
}

// settleUnknown settles leased message l of a subscription the broker
// does not hold: acked when its record is gone (the subscription ended:
// its group is being dropped, by deleteSub or loadDurable, or the message
// joined it after), else returned for later, since the subscription is
// coming back (a sweep's delete that a Renew won, deleteSub then
// reloadSub) or is being created, and its message must not be lost.
func (b *Broker) settleUnknown(ctx context.Context, l queueing.Lease) {
	_, err := b.st.Get(ctx, kindSub, l.Group)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		b.settle(ctx, "acking a delivery of an ended subscription", b.queue.Ack(ctx, l.ID))
	default:
		if err != nil && ctx.Err() == nil {
			b.log.Error("wsnotify: reading the subscription of a durable delivery", "subscription", l.Group, "err", err)
		}
		b.settle(ctx, "returning a delivery of a subscription not loaded", b.queue.Nack(ctx, l.ID, b.cfg.Durable.Backoff.Delay(l.Attempts, rand.Float64())))
	}
}

// settle logs err (what failed) and reports whether there was none. A
// message left leased is delivered again when its lease runs out.
func (b *Broker) settle(ctx context.Context, what string, err error) bool {
	if err != nil && ctx.Err() == nil {
		b.log.Error("wsnotify: "+what, "err", err)
	}
	return err == nil
}

// sendDurable sends body, the delivery id of subscription rec, to its
// consumer once: over WS-RM 1.2 when d.RM (returning once the consumer
// acknowledged it), else as a plain Notify.
func (b *Broker) sendDurable(ctx context.Context, rec *subRecord, d *durableRecord, id string, body []byte) error {
	batch := []*delivery.Msg{{Wrapped: body, Payload: body}}
	if !d.RM {
		return b.postNotify(ctx, rec.ID, b.target(rec), batch, id)
	}
	var payload bytes.Buffer
	b.writeNotifyBody(&payload, rec.ID, rec.UseRaw, batch, true)
	v := rec.SOAP
	if v == 0 {
		v = soap.V11
	}
	start := time.Now()
	defer func() { b.metrics.latency.Observe(time.Since(start).Seconds()) }() // postNotify observes the plain ones
	return b.rm.SubmitRM(ctx, wsreliable.Submit{Token: id, To: rec.Consumer, Key: rec.ID, Action: actNotify, Payload: payload.Bytes()}, v)
}

// dropDurable deletes the durable queue of subscription id (it ended).
func (b *Broker) dropDurable(ctx context.Context, id string) error {
	if _, err := b.queue.DropGroup(ctx, id); err != nil {
		return fmt.Errorf("dropping the durable queue of %s: %w", id, err)
	}
	return nil
}

// loadDurable brings the durable queue in step with the subscriptions
// (a crash between a record's write and the queue's): groups of ended
// subscriptions are dropped, paused ones held, the others let go. b.mu
// must be held (Open).
func (b *Broker) loadDurable(ctx context.Context) error {
	if b.queue == nil {
		return nil
	}
	var stale []string
	err := b.queue.Groups(ctx, func(g string) error {
		if s := b.subs[g]; s == nil || s.durable == nil {
			stale = append(stale, g)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, g := range stale {
		if err := b.dropDurable(ctx, g); err != nil {
			return err
		}
	}
	var held, going []string
	for id, s := range b.subs {
		switch {
		case s.durable == nil:
		case s.rec.Paused:
			held = append(held, id)
		default:
			going = append(going, id)
		}
	}
	if err := b.queue.Hold(ctx, true, held...); err != nil {
		return err
	}
	return b.queue.Hold(ctx, false, going...)
}

// moveDeadLetters moves what the durable queue gave up into the broker's
// dead-letter list, counted by reason. A crash between the append and the
// delete lists them twice, never not at all.
func (b *Broker) moveDeadLetters(ctx context.Context) {
	if b.queue == nil {
		return
	}
	b.dlMu.Lock()
	defer b.dlMu.Unlock()
	for range 100 { // at most 10,000 a sweep
		dls, err := b.queue.DeadLetters(ctx, 0, 100)
		if err != nil || len(dls) == 0 {
			if err != nil && ctx.Err() == nil {
				b.log.Error("wsnotify: reading durable dead letters", "err", err)
			}
			return
		}
		adds := make([]storage.Add, 0, len(dls))
		ids := make([]uint64, 0, len(dls))
		for _, d := range dls {
			b.mu.RLock()
			consumer := ""
			if s := b.subs[d.Group]; s != nil {
				consumer = s.rec.Consumer
			}
			b.mu.RUnlock()
			val, err := json.Marshal(deadLetter{Subscription: d.Group, Consumer: consumer, Reason: d.Reason,
				Error: "durable delivery given up: " + d.Reason, Time: d.DeadAt, Messages: [][]byte{d.Body}})
			if err != nil {
				continue
			}
			adds = append(adds, storage.Add{List: deadLetters, Value: val, Bound: storage.Bound{Max: int(b.maxDeadLetters.Load())}})
			ids = append(ids, d.ID)
		}
		if _, err := b.st.Append(ctx, adds...); err != nil {
			b.log.Error("wsnotify: storing durable dead letters", "err", err)
			return
		}
		for _, d := range dls {
			b.metrics.dead.Inc()
			b.metrics.durableDead.WithLabelValues(d.Reason).Inc()
		}
		if err := b.queue.DeleteDeadLetters(ctx, ids...); err != nil {
			b.log.Error("wsnotify: deleting moved dead letters", "err", err)
			return
		}
	}
}
