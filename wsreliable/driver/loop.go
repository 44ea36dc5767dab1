package driver

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/wsreliable"
)

// maxBatch bounds the requests stepped before one Ready (group commit).
const maxBatch = 128

// loop owns the engine: it steps requests and ticks, and carries out
// each Ready, until ctx ends.
func (d *Driver) loop(ctx context.Context) {
	t := time.NewTicker(d.cfg.TickInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
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
			d.step(ctx, batch)
		case ev := <-d.failed:
			d.eng.Tick(d.opts.Now())
			d.eng.Step(ev) //nolint:errcheck // a known event type
			d.step(ctx, nil)
		case <-t.C:
			d.eng.Tick(d.opts.Now())
			d.step(ctx, nil)
		}
	}
}

// maxStepBytes bounds the message payloads stepped before one Ready: its
// records (held messages among them) are written in one badger
// transaction, which has a size limit (ErrTxnTooBig would fail every
// request of the batch).
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
	d.eng.Tick(d.opts.Now())
	room := d.qopts.MaxLength - d.q.Stats().Length
	for _, r := range batch {
		// A request whose messages would not fit in the delivery queue is
		// refused alone, before the engine accepts anything of it (the
		// client retries it); the rest of the batch goes on.
		n := d.newMessages(r)
		if n > room {
			r.err = errQueueFull
			continue
		}
		room -= n
		for _, ev := range r.evs {
			d.eng.Step(ev) //nolint:errcheck // events come from the codecs
		}
	}
	byRef := map[uint64][]wsreliable.Reply{}
	var err error
	vs := batchVersions(batch)
	for d.eng.HasReady() {
		rd := d.eng.Ready()
		if err = d.apply(ctx, rd, vs); err != nil {
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
			d.log.Error("restoring the engine", "err", rerr)
		}
	}
	for _, r := range batch {
		if r.err == nil {
			r.err = err
		}
		r.done <- byRef[r.ref]
	}
}

// errQueueFull refuses a request whose messages the delivery queue has no
// room for.
var errQueueFull = errors.New("the delivery queue is full")

// newMessages counts r's reliable messages that are not duplicates the
// engine drops: at most as many deliveries. (Held messages a gap-filling
// message releases are not counted: those are stored already; if they do
// not fit, the step fails as any storage error does.)
func (d *Driver) newMessages(r *request) int {
	n := 0
	for _, ev := range r.evs {
		if m, ok := ev.(wsreliable.Message); ok && !d.eng.Duplicate(m) {
			n++
		}
	}
	return n
}

// batchVersions maps the groups of batch's messages to the SOAP version
// their request spoke.
func batchVersions(batch []*request) map[string]soap.Version {
	vs := map[string]soap.Version{}
	for _, r := range batch {
		for _, ev := range r.evs {
			if m, ok := ev.(wsreliable.Message); ok {
				vs[m.Group] = r.v
			}
		}
	}
	return vs
}

// trackVersions remembers the SOAP version of the groups the engine
// stores (vs: this batch's) and forgets those it deletes, so that the
// map holds no more than the engine does: a message for a group the
// engine refused leaves nothing behind.
func (d *Driver) trackVersions(recs []wsreliable.Record, vs map[string]soap.Version) {
	for _, r := range recs {
		id, ok := strings.CutPrefix(r.Key, "in/") // wsreliable's group records
		switch {
		case !ok:
		case r.Value == nil:
			d.versions.Delete(id)
		default:
			if v, ok := vs[id]; ok {
				d.versions.LoadOrStore(id, v)
			}
		}
	}
}

// versionRecords returns the records that persist, with the engine's
// records recs, the SOAP version of each group they store for the first
// time (vs: this batch's) and delete it with the group. They live beside
// the engine's records under versionKey, so that after a restart messages
// no request triggers (ticks, processing failures) are written in the
// version the group's client spoke.
func (d *Driver) versionRecords(recs []wsreliable.Record, vs map[string]soap.Version) []wsreliable.Record {
	var out []wsreliable.Record
	for _, r := range recs {
		id, ok := strings.CutPrefix(r.Key, "in/")
		if !ok {
			continue
		}
		if r.Value == nil {
			out = append(out, wsreliable.Record{Key: versionKey + id})
			continue
		}
		if _, known := d.versions.Load(id); known {
			continue
		}
		if v, ok := vs[id]; ok {
			out = append(out, wsreliable.Record{Key: versionKey + id, Value: []byte{byte(v)}})
		}
	}
	return out
}

// versionKey prefixes the driver's own SOAP version records among the
// engine's (under "e/"): no engine key starts with it, and loadRecords
// leaves them out of the engine's Restore input.
const versionKey = "\x00v/"

// apply carries out rd (see package doc): deliveries, records, then sends;
// vs are the SOAP versions of the batch's groups.
func (d *Driver) apply(ctx context.Context, rd wsreliable.Ready, vs map[string]soap.Version) error {
	if len(rd.Deliver) > 0 {
		msgs := make([]queueing.Message, len(rd.Deliver))
		for i, dl := range rd.Deliver {
			// No queue ExpiresAt: the queue would dead-letter an expired
			// message unseen; the consumer drops it and tells its sender
			// (deliverOne).
			msgs[i] = queueing.Message{Body: encodeDelivery(dl), Group: dl.Proto.String() + ":" + dl.Group}
		}
		if err := d.enqueue(ctx, msgs); err != nil {
			return err
		}
		d.accepted.Add(uint64(len(msgs)))
	}
	if len(rd.Persist) > 0 {
		if err := d.persist(append(rd.Persist[:len(rd.Persist):len(rd.Persist)], d.versionRecords(rd.Persist, vs)...)); err != nil {
			return err
		}
	}
	d.trackVersions(rd.Persist, vs)
	d.ob.observe(rd)
	for _, o := range rd.Send {
		d.sendOutbound(ctx, o, vs)
	}
	for _, f := range rd.Failed {
		d.log.Warn("outbound message given up", "to", f.To, "number", f.Number, "reason", f.Reason)
	}
	return nil
}

// enqueue stores msgs in the delivery queue, in order, in as many batches
// as the queue's bounds ask (a drained hold-back buffer can exceed one). A
// crash between batches leaves a prefix stored without the engine's
// records: as for a crash before the records (package doc), the repeats
// are dropped by their done marks.
func (d *Driver) enqueue(ctx context.Context, msgs []queueing.Message) error {
	for len(msgs) > 0 {
		n, size := 0, 0
		for n < len(msgs) && n < d.qopts.MaxBatch && (n == 0 || size+len(msgs[n].Body) <= d.qopts.MaxBatchBytes) {
			size += len(msgs[n].Body)
			n++
		}
		if _, err := d.q.EnqueueBatch(ctx, msgs[:n]); err != nil {
			return fmt.Errorf("enqueueing %d deliveries: %w", n, err)
		}
		msgs = msgs[n:]
	}
	return nil
}

// persist writes records in one transaction, synced.
func (d *Driver) persist(recs []wsreliable.Record) error {
	err := d.opts.DB.Update(func(txn *badger.Txn) error {
		for _, r := range recs {
			k := d.key("e/", r.Key)
			var err error
			if r.Value == nil {
				err = txn.Delete(k)
			} else {
				err = txn.Set(k, r.Value)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil && !d.opts.DB.Opts().SyncWrites {
		err = d.opts.DB.Sync()
	}
	if err != nil {
		return fmt.Errorf("persisting %d records: %w", len(recs), err)
	}
	return nil
}
