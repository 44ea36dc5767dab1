package driver

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/wsreliable"
)

// maxBatch bounds the requests stepped before one Ready (group commit).
const maxBatch = 128

// outboundCloseTimeout bounds the closing of the outbound sequences when
// Run ends.
const outboundCloseTimeout = 2 * time.Second

// loop owns the engine: it steps requests, events and ticks, and carries
// out each Ready, until ctx ends. With BackendRM it then asks the engine
// to close and terminate every outbound sequence (WS-RM 1.2, 3.5, 3.6)
// once what it carries is acknowledged, and goes on until that is done,
// at most outboundCloseTimeout: a sequence left open is resumed at the
// next start. Its writes and sends use lctx, which outlives ctx.
func (d *Driver) loop(ctx, lctx context.Context) {
	t := time.NewTicker(d.cfg.TickInterval)
	defer t.Stop()
	ended := ctx.Done()
	var closing <-chan time.Time
	for {
		select {
		case <-ended:
			ended = nil
			if !d.cfg.BackendRM || !d.finishOutbound(lctx) {
				return
			}
			deadline := time.NewTimer(outboundCloseTimeout)
			defer deadline.Stop()
			closing = deadline.C
		case <-closing:
			return
		case r := <-d.reqs:
			batch := []*request{r}
		gather:
			for len(batch) < maxBatch {
				select {
				case r := <-d.reqs:
					batch = append(batch, r)
				default:
					break gather
				}
			}
			d.step(lctx, batch)
		case ev := <-d.events:
			if !d.broken { // else lost: acknowledgements come again, Submits are retried
				d.eng.Tick(d.opts.Now())
				d.eng.Step(ev) //nolint:errcheck // a known event type
			}
			d.step(lctx, nil)
		case <-t.C:
			d.eng.Tick(d.opts.Now())
			d.step(lctx, nil)
		case q := <-d.queries:
			q()
		}
		if closing != nil && d.outboundOpen() == 0 {
			return
		}
	}
}

// finishOutbound steps Finish for every outbound sequence to a
// destination and reports whether there was any. (The sequences clients
// offered are theirs: they end with the clients' own sequences.)
func (d *Driver) finishOutbound(ctx context.Context) bool {
	seqs := d.eng.OutboundSequences()
	d.eng.Tick(d.opts.Now())
	n := 0
	for _, s := range seqs {
		if !s.Offered {
			d.eng.Step(wsreliable.Finish{To: s.To, Key: s.Key}) //nolint:errcheck // a known event type
			n++
		}
	}
	d.step(ctx, nil)
	return n > 0
}

// outboundOpen counts the outbound sequences to destinations.
func (d *Driver) outboundOpen() int {
	n := 0
	for _, s := range d.eng.OutboundSequences() {
		if !s.Offered {
			n++
		}
	}
	return n
}

// maxStepBytes bounds the message payloads stepped before one Ready: its
// records (held messages among them) and deliveries are written in one
// transaction, which has a size limit (ErrTxnTooBig would fail every
// request of the batch). The engine bounds what it releases at once by
// the same figure (Config.Engine.MaxReleaseBytes).
const maxStepBytes = 4 << 20

// step feeds batch to the engine in parts of at most maxStepBytes of
// payload, carries out what it asks, and answers every request of batch.
func (d *Driver) step(ctx context.Context, batch []*request) {
	if len(batch) == 0 {
		d.stepPart(ctx, nil)
		return
	}
	for len(batch) > 0 {
		n, size := 0, 0
		for n < len(batch) && (n == 0 || size+batch[n].payloadBytes() <= maxStepBytes) {
			size += batch[n].payloadBytes()
			n++
		}
		d.stepPart(ctx, batch[:n])
		batch = batch[n:]
	}
}

// payloadBytes is the size of r's message payloads.
func (r *request) payloadBytes() int {
	n := 0
	for _, ev := range r.evs {
		if m, ok := ev.(wsreliable.Message); ok {
			n += len(m.Payload)
		}
	}
	return n
}

// stepPart feeds batch to the engine, carries out what it asks, and
// answers every request of batch.
func (d *Driver) stepPart(ctx context.Context, batch []*request) {
	if d.broken && !d.repair() {
		for _, r := range batch {
			r.err = errUnavailable
			r.done <- nil
		}
		return
	}
	d.setRoom()
	d.eng.Tick(d.opts.Now())
	for _, r := range batch {
		if d.cl != nil && r.shard >= 0 && !d.shards.holds(r.shard) {
			r.err = errMoved // its shard moved since it was routed here
			continue
		}
		// A request whose messages would not fit in the delivery queue is
		// refused alone, before the engine accepts anything of it (the
		// client retries it); the rest of the batch goes on. (The room
		// left is the engine's: held messages it released took some.)
		if n := d.newMessages(r); n > 0 && n > d.eng.DeliveryRoom() {
			r.err = errQueueFull
			continue
		}
		for _, ev := range r.evs {
			d.eng.Step(ev) //nolint:errcheck // events come from the codecs
		}
	}
	byRef := map[uint64][]wsreliable.Reply{}
	var err error
	for d.eng.HasReady() {
		rd := d.eng.Ready()
		if err = d.apply(ctx, rd); err != nil {
			break
		}
		for _, rp := range rd.Replies {
			byRef[rp.Ref] = append(byRef[rp.Ref], rp)
		}
		d.eng.Advance()
	}
	if err != nil {
		d.log.Error("storing reliable messaging state; restoring the engine", "err", err)
		if rerr := d.restore(); rerr != nil {
			// The engine is ahead of the store: it must not answer
			// anything (a retransmission of a message it took and could
			// not store would be acknowledged as a duplicate).
			d.log.Error("restoring the engine; refusing requests until it is", "err", rerr)
			d.broken = true
		}
	}
	for _, r := range batch {
		if r.err == nil {
			r.err = err
		}
		r.done <- byRef[r.ref]
	}
}

// setRoom tells the engine how many deliveries the queue takes now: it
// releases held messages only within that, so that a Ready's deliveries
// never fail the write of its records (the consumer only frees room
// meanwhile).
func (d *Driver) setRoom() {
	waiting, _ := d.store.Len()
	d.eng.SetDeliveryRoom(d.qopts.MaxLength - waiting)
}

// errQueueFull refuses a request whose messages the delivery queue has no
// room for.
var errQueueFull = errors.New("the delivery queue is full")

// newMessages counts r's reliable messages that are not duplicates the
// engine drops: at most as many deliveries. (Held messages a gap-filling
// message releases are not counted: they are stored already, and the
// engine releases them only within the room it was told of.)
func (d *Driver) newMessages(r *request) int {
	n := 0
	for _, ev := range r.evs {
		if m, ok := ev.(wsreliable.Message); ok && !d.eng.Duplicate(m) {
			n++
		}
	}
	return n
}

// apply carries out rd (see package doc): records and deliveries in one
// atomic write, then sends and fates. (The replies are the caller's.)
func (d *Driver) apply(ctx context.Context, rd wsreliable.Ready) error {
	msgs := make([]queueing.Message, len(rd.Deliver))
	for i, dl := range rd.Deliver {
		// No queue ExpiresAt: the queue would dead-letter an expired
		// message unseen; the consumer drops it and tells its sender
		// (deliverOne).
		msgs[i] = queueing.Message{Body: encodeDelivery(dl), Group: dl.Proto.String() + ":" + dl.Group, DedupKey: dl.ID()}
	}
	if len(rd.Persist)+len(msgs) > 0 {
		if err := d.store.Commit(ctx, rd.Persist, msgs); err != nil {
			return fmt.Errorf("committing %d records and %d deliveries: %w", len(rd.Persist), len(msgs), err)
		}
		d.accepted.Add(uint64(len(msgs)))
	}
	for _, o := range rd.Send {
		d.sendOutbound(ctx, o)
	}
	d.ob.settle(rd.Fates, d.log)
	return nil
}

// repairInterval spaces the attempts to restore a broken engine (each
// may wait for the store's timeout).
const repairInterval = time.Second

// repair restores the engine after a failed restore (a store that lost
// its quorum answers again), at most every repairInterval, and reports
// whether it is whole again.
func (d *Driver) repair() bool {
	now := time.Now()
	if now.Before(d.repairAt) {
		return false
	}
	d.repairAt = now.Add(repairInterval)
	if err := d.restore(); err != nil {
		return false
	}
	d.broken = false
	d.log.Info("engine restored; taking requests again")
	return true
}
