package badgerq

import (
	"context"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/queueing"
)

// DeadLetters lists up to limit dead letters with IDs above after, in ID
// order; pass the last ID seen to page on. It reads a snapshot and does not
// go through the committer.
func (q *Queue) DeadLetters(ctx context.Context, after uint64, limit int) ([]queueing.DeadLetter, error) {
	limit = max(1, min(limit, q.opts.MaxBatch))
	var out []queueing.DeadLetter
	err := q.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: q.k.spacePrefix(spaceDead)})
		defer it.Close()
		for it.Seek(q.k.dead(after + 1)); it.Valid() && len(out) < limit; it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			d, err := q.readDead(txn, it.Item())
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing dead letters: %w", err)
	}
	return out, nil
}

func (q *Queue) readDead(txn *badger.Txn, item *badger.Item) (queueing.DeadLetter, error) {
	seq := lastSeq(item.Key())
	v, err := item.ValueCopy(nil)
	if err != nil {
		return queueing.DeadLetter{}, err
	}
	m, err := decodeMeta(v)
	if err != nil {
		return queueing.DeadLetter{}, err
	}
	bi, err := txn.Get(q.k.body(seq))
	if err != nil {
		return queueing.DeadLetter{}, fmt.Errorf("reading body %d: %w", seq, err)
	}
	body, err := bi.ValueCopy(nil)
	if err != nil {
		return queueing.DeadLetter{}, err
	}
	return queueing.DeadLetter{Message: m.message(seq, body), Reason: m.reason, DeadAt: fromNano(m.deadAt)}, nil
}

// Redrive puts the dead letters ids back into the queue, keeping their IDs
// and groups, with attempts reset and no expiry. Unknown IDs are ignored;
// it returns how many were redriven. It fails with queueing.ErrQueueFull,
// redriving none, if they do not fit.
func (q *Queue) Redrive(ctx context.Context, ids ...uint64) (int, error) {
	if len(ids) > q.opts.MaxBatch {
		return 0, fmt.Errorf("redriving %d messages, max %d: %w", len(ids), q.opts.MaxBatch, queueing.ErrTooLarge)
	}
	ids = append([]uint64(nil), ids...)
	var n int
	o := newOp(ctx, opCost(len(ids), 0), true, func(b *batch) error {
		var err error
		n, err = b.redrive(ids)
		return err
	})
	if err := q.submit(ctx, o); err != nil {
		return 0, fmt.Errorf("redriving: %w", err)
	}
	return n, nil
}

func (b *batch) redrive(ids []uint64) (int, error) {
	var found []uint64
	var metas []meta
	for _, seq := range ids {
		m, ok, err := b.getMeta(b.q.k.dead(seq))
		if err != nil {
			return 0, err
		}
		if ok {
			found, metas = append(found, seq), append(metas, m)
		}
	}
	if b.length+int64(len(found)) > int64(b.q.opts.MaxLength) {
		return 0, fmt.Errorf("%d messages, max %d: %w", b.length, b.q.opts.MaxLength, queueing.ErrQueueFull)
	}
	for i, seq := range found {
		if err := b.txn.Delete(b.q.k.dead(seq)); err != nil {
			return 0, err
		}
		b.dead--
		m := meta{enqueuedAt: metas[i].enqueuedAt, group: metas[i].group}
		size, err := b.bodySize(seq)
		if err != nil {
			return 0, err
		}
		if err := b.insertLive(seq, m, size); err != nil {
			return 0, err
		}
	}
	return len(found), nil
}

// DeleteDeadLetters deletes the dead letters ids; unknown IDs are ignored.
func (q *Queue) DeleteDeadLetters(ctx context.Context, ids ...uint64) error {
	if len(ids) > q.opts.MaxBatch {
		return fmt.Errorf("deleting %d dead letters, max %d: %w", len(ids), q.opts.MaxBatch, queueing.ErrTooLarge)
	}
	ids = append([]uint64(nil), ids...)
	o := newOp(ctx, opCost(len(ids), 0), true, func(b *batch) error {
		for _, seq := range ids {
			_, ok, err := b.get(b.q.k.dead(seq))
			if err != nil {
				return err
			}
			if ok {
				if err := b.deleteDead(seq); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err := q.submit(ctx, o); err != nil {
		return fmt.Errorf("deleting dead letters: %w", err)
	}
	return nil
}
