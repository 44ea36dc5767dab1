package badgerq

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wsgw/wsgw/queueing"
)

// Ack deletes the messages ids, once on disk. Unknown IDs (already acked,
// dead-lettered) are ignored. While producers enqueue, an ack may wait up
// to ackLinger for their next enqueue, to share its sync (linger). Acking a message whose lease has run out is
// allowed: at-least-once delivery means the work was done.
func (q *Queue) Ack(ctx context.Context, ids ...uint64) error {
	if len(ids) > q.opts.MaxBatch {
		return fmt.Errorf("acking %d messages, max %d: %w", len(ids), q.opts.MaxBatch, queueing.ErrTooLarge)
	}
	ids = append([]uint64(nil), ids...)
	o := newOp(ctx, opCost(len(ids), 0), true, func(b *batch) error { return b.ack(ids) })
	o.linger = true
	if err := q.submit(ctx, o); err != nil {
		return fmt.Errorf("acking: %w", err)
	}
	return nil
}

// AckLazy deletes the messages ids as Ack does, but returns once the
// deletes are applied, before they are on disk: they are committed with
// the queue's next durable change (an Enqueue, an Ack, any call that
// returns once on disk), or by themselves within a few milliseconds
// (lazyFlushDelay) when none comes. Changes reach the disk in the order
// they were made, so once a later durable call returns, the lazy ack is on
// disk too. A crash before loses the ack: the message is delivered again
// (with a lease of its own: at least once). The next message of its group
// is leased at once, without waiting for a sync. Group and DeadLetters
// read what is on disk, and may not show a lazy ack for that time.
func (q *Queue) AckLazy(ctx context.Context, ids ...uint64) error {
	if len(ids) > q.opts.MaxBatch {
		return fmt.Errorf("acking %d messages, max %d: %w", len(ids), q.opts.MaxBatch, queueing.ErrTooLarge)
	}
	ids = append([]uint64(nil), ids...)
	o := newOp(ctx, opCost(len(ids), 0), false, func(b *batch) error { return b.ack(ids) })
	if err := q.submit(ctx, o); err != nil {
		return fmt.Errorf("acking: %w", err)
	}
	return nil
}

func (b *batch) ack(ids []uint64) error {
	for _, seq := range ids {
		m, found, err := b.getMeta(b.q.k.meta(seq))
		if err != nil {
			return err
		}
		if !found {
			continue
		}
		if err := b.removeLive(seq, m); err != nil {
			return err
		}
		if err := b.txn.Delete(b.q.k.body(seq)); err != nil {
			return err
		}
	}
	return nil
}

// Nack returns the leased message id for redelivery after delay, or after
// the Options.Backoff delay for its attempt count if delay is negative.
// A message that has had MaxAttempts deliveries goes to the dead letters
// instead. It fails with queueing.ErrNotFound if id is not leased.
func (q *Queue) Nack(ctx context.Context, id uint64, delay time.Duration) error {
	o := newOp(ctx, opCost(1, 0), true, func(b *batch) error { return b.nack(id, delay, false) })
	if err := q.submit(ctx, o); err != nil {
		return fmt.Errorf("nacking %d: %w", id, err)
	}
	return nil
}

// Defer returns the leased message id unattempted, visible again after
// delay (negative: at once): its lease is not counted as a delivery, so
// it neither brings MaxAttempts nearer nor lengthens its backoff. It is
// for a consumer that leased a message and held it back without trying
// it (a fairness bound). It fails with queueing.ErrNotFound if id is not
// leased.
func (q *Queue) Defer(ctx context.Context, id uint64, delay time.Duration) error {
	o := newOp(ctx, opCost(1, 0), true, func(b *batch) error { return b.nack(id, max(delay, 0), true) })
	if err := q.submit(ctx, o); err != nil {
		return fmt.Errorf("deferring %d: %w", id, err)
	}
	return nil
}

// nack returns leased message seq; unattempted gives its lease's attempt
// back (Defer).
func (b *batch) nack(seq uint64, delay time.Duration, unattempted bool) error {
	k := b.q.k
	m, found, err := b.getMeta(k.meta(seq))
	if err != nil {
		return err
	}
	if !found || !m.leased() {
		return queueing.ErrNotFound
	}
	if unattempted && m.attempts > 0 {
		m.attempts--
	}
	if !unattempted && b.outOfAttempts(m) {
		return b.deadLetter(seq, m, queueing.ReasonMaxAttempts)
	}
	if held, err := b.heldGroup(m); err != nil || held {
		return errors.Join(err, b.unready(seq, m)) // promoted again when the group is let go
	}
	if delay < 0 {
		delay = b.q.opts.Backoff.Delay(int(m.attempts), b.q.rnd.Float64())
	}
	if err := b.txn.Delete(k.ready(m.visibleAt, seq)); err != nil {
		return err
	}
	m.flags = flagReady
	m.visibleAt = addDur(b.now, delay)
	if err := b.setReady(m.visibleAt, seq); err != nil {
		return err
	}
	return b.txn.Set(k.meta(seq), m.encode())
}
