package badgerq

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/queueing"
)

// Write is a write of a key outside the queue, committed in the same
// transaction as a queue operation (EnqueueWith, AckWith): the caller's own
// records then change atomically with the queue, under the same group
// commit and sync. Keys under the queue's own prefix are refused.
type Write struct {
	Key []byte
	// Value nil deletes Key.
	Value []byte
	// TTL, when positive, makes badger expire the key after it.
	TTL time.Duration
}

// EnqueueWith adds msgs (none is allowed) and applies writes, atomically
// in one transaction, and returns the messages' IDs once all of it is on
// disk. The messages are bounded as in EnqueueBatch, except that the
// whole (bodies and writes) is bounded by what one badger transaction
// takes rather than by MaxBatchBytes. Nothing is written when it fails
// with a queueing error.
func (q *Queue) EnqueueWith(ctx context.Context, msgs []queueing.Message, writes []Write) ([]uint64, error) {
	if len(msgs) == 0 && len(writes) == 0 {
		return nil, nil
	}
	if len(msgs) > q.opts.MaxBatch {
		return nil, fmt.Errorf("enqueuing %d messages, max %d: %w", len(msgs), q.opts.MaxBatch, queueing.ErrTooLarge)
	}
	var size int64
	for i, m := range msgs {
		if len(m.Body) > q.opts.MaxMessageBytes {
			return nil, fmt.Errorf("enqueuing message %d of %d bytes, max %d: %w",
				i, len(m.Body), q.opts.MaxMessageBytes, queueing.ErrTooLarge)
		}
		size += q.valueCost(len(m.Body))
	}
	writes, wsize, err := q.cloneWrites(writes)
	if err != nil {
		return nil, err
	}
	cost := opCost(len(msgs)+len(writes), size+wsize)
	if limit := q.db.MaxBatchSize(); cost > limit {
		return nil, fmt.Errorf("enqueuing %d messages and %d writes (%d bytes estimated), max %d: %w",
			len(msgs), len(writes), cost, limit, queueing.ErrTooLarge)
	}
	msgs = cloneBodies(msgs)
	var ids []uint64
	o := newOp(ctx, cost, true, func(b *batch) error {
		if len(msgs) > 0 {
			var err error
			if ids, err = b.enqueue(msgs); err != nil {
				return err
			}
		}
		return b.write(writes)
	})
	if err := q.submit(ctx, o); err != nil {
		return nil, fmt.Errorf("enqueuing: %w", err)
	}
	return ids, nil
}

// AckWith acks ids as Ack does and applies writes, atomically in one
// transaction, and returns once on disk (lingering as Ack may).
func (q *Queue) AckWith(ctx context.Context, ids []uint64, writes []Write) error {
	if len(ids) > q.opts.MaxBatch {
		return fmt.Errorf("acking %d messages, max %d: %w", len(ids), q.opts.MaxBatch, queueing.ErrTooLarge)
	}
	writes, wsize, err := q.cloneWrites(writes)
	if err != nil {
		return err
	}
	ids = append([]uint64(nil), ids...)
	o := newOp(ctx, opCost(len(ids)+len(writes), wsize), true, func(b *batch) error {
		if err := b.ack(ids); err != nil {
			return err
		}
		return b.write(writes)
	})
	o.linger = true
	if err := q.submit(ctx, o); err != nil {
		return fmt.Errorf("acking: %w", err)
	}
	return nil
}

// cloneWrites checks writes and copies them (the caller may reuse its
// slices once a context error returned), with their size in bytes.
func (q *Queue) cloneWrites(writes []Write) ([]Write, int64, error) {
	out := make([]Write, len(writes))
	var size int64
	for i, w := range writes {
		if len(w.Key) == 0 || bytes.HasPrefix(w.Key, q.k.prefix) {
			return nil, 0, fmt.Errorf("writing key %q: empty or under the queue's prefix", w.Key)
		}
		out[i] = Write{Key: bytes.Clone(w.Key), TTL: w.TTL}
		if w.Value != nil {
			out[i].Value = append([]byte{}, w.Value...)
		}
		size += int64(len(w.Key)) + q.valueCost(len(w.Value))
	}
	return out, size, nil
}

// write applies writes in the batch's transaction.
func (b *batch) write(writes []Write) error {
	for _, w := range writes {
		var err error
		switch {
		case w.Value == nil:
			err = b.txn.Delete(w.Key)
		case w.TTL > 0:
			err = b.txn.SetEntry(badger.NewEntry(w.Key, w.Value).WithTTL(w.TTL))
		default:
			err = b.txn.Set(w.Key, w.Value)
		}
		if err != nil {
			return fmt.Errorf("writing %q: %w", w.Key, err)
		}
	}
	return nil
}
