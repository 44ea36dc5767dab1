package badgerq

import (
	"context"
	"fmt"
	"time"
)

// Oldest returns when the oldest message in the queue (ready, leased or
// delayed; not the dead letters) was enqueued, and false when there is
// none. Message IDs grow in enqueue order, so it is the message with the
// lowest live meta key; the committer reads it, from its floor of the meta
// records, stepping over the tombstones of acked messages instead of
// scanning them on every call.
func (q *Queue) Oldest(ctx context.Context) (time.Time, bool, error) {
	var at int64
	var found bool
	o := newOp(ctx, 0, false, func(b *batch) error {
		var err error
		at, found, err = b.oldest()
		return err
	})
	if err := q.submit(ctx, o); err != nil {
		return time.Time{}, false, fmt.Errorf("reading the oldest message: %w", err)
	}
	return fromNano(at), found, nil
}

func (b *batch) oldest() (int64, bool, error) {
	var seq uint64
	found := false
	b.scan(b.q.k.spacePrefix(spaceMeta), &b.q.floors.meta, func(key []byte, live bool) bool {
		if live {
			seq, found = lastSeq(key), true
		}
		return !live
	})
	if !found {
		return 0, false, nil
	}
	m, ok, err := b.getMeta(b.q.k.meta(seq))
	return m.enqueuedAt, ok, err
}
