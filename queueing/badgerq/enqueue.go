package badgerq

import (
	"bytes"
	"context"
	"fmt"

	"github.com/wsgw/wsgw/queueing"
)

// Enqueue adds one message and returns its ID once it is on disk.
func (q *Queue) Enqueue(ctx context.Context, m queueing.Message) (uint64, error) {
	ids, err := q.EnqueueBatch(ctx, []queueing.Message{m})
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}

// EnqueueBatch adds msgs atomically, all or none, and returns their IDs,
// in order, once they are on disk. Only Body, Group and ExpiresAt of each
// message are used. It fails with queueing.ErrTooLarge past the size
// bounds and queueing.ErrQueueFull past MaxLength. If ctx ends first, the
// outcome is unknown.
func (q *Queue) EnqueueBatch(ctx context.Context, msgs []queueing.Message) ([]uint64, error) {
	size, err := q.checkBatch(msgs)
	if err != nil {
		return nil, err
	}
	msgs = cloneBodies(msgs) // the caller may reuse them if ctx ends first
	var ids []uint64
	o := newOp(ctx, opCost(len(msgs), size), true, func(b *batch) error {
		var err error
		ids, err = b.enqueue(msgs)
		return err
	})
	if err := q.submit(ctx, o); err != nil {
		return nil, fmt.Errorf("enqueuing: %w", err)
	}
	return ids, nil
}

func (q *Queue) checkBatch(msgs []queueing.Message) (int64, error) {
	if len(msgs) == 0 {
		return 0, fmt.Errorf("enqueuing: empty batch")
	}
	if len(msgs) > q.opts.MaxBatch {
		return 0, fmt.Errorf("enqueuing %d messages, max %d: %w", len(msgs), q.opts.MaxBatch, queueing.ErrTooLarge)
	}
	var size int64
	for i, m := range msgs {
		if len(m.Body) > q.opts.MaxMessageBytes {
			return 0, fmt.Errorf("enqueuing message %d of %d bytes, max %d: %w",
				i, len(m.Body), q.opts.MaxMessageBytes, queueing.ErrTooLarge)
		}
		size += q.valueCost(len(m.Body))
	}
	if size > int64(q.opts.MaxBatchBytes) {
		return 0, fmt.Errorf("enqueuing batch of %d bytes (in the tree), max %d: %w", size, q.opts.MaxBatchBytes, queueing.ErrTooLarge)
	}
	return size, nil
}

func (b *batch) enqueue(msgs []queueing.Message) ([]uint64, error) {
	if b.length+int64(len(msgs)) > int64(b.q.opts.MaxLength) {
		return nil, fmt.Errorf("%d messages, max %d: %w", b.length, b.q.opts.MaxLength, queueing.ErrQueueFull)
	}
	ids := make([]uint64, len(msgs))
	for i, msg := range msgs {
		n, err := b.q.seq.Next()
		if err != nil {
			return nil, fmt.Errorf("numbering: %w", err)
		}
		seq := n + 1 // IDs start at 1
		m := meta{enqueuedAt: b.now, expiresAt: unixNano(msg.ExpiresAt), group: msg.Group}
		if err := b.insertLive(seq, m, len(msg.Body)); err != nil {
			return nil, err
		}
		if err := b.txn.Set(b.q.k.body(seq), msg.Body); err != nil {
			return nil, err
		}
		if msg.Group != "" && msg.Keep != (queueing.GroupLimit{}) {
			if err := b.trimGroup(msg.Group, msg.Keep); err != nil {
				return nil, err
			}
		}
		ids[i] = seq
	}
	return ids, nil
}

func cloneBodies(msgs []queueing.Message) []queueing.Message {
	out := make([]queueing.Message, len(msgs))
	for i, m := range msgs {
		out[i] = queueing.Message{Body: bytes.Clone(m.Body), Group: m.Group, ExpiresAt: m.ExpiresAt, Keep: m.Keep}
	}
	return out
}
