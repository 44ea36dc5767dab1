package badgerq

import (
	"context"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// ReleaseLeases makes every leased message visible now, as if its lease
// had run out, and returns how many it released. It is for the one process
// that owns the queue, right after Open: messages that a killed process had
// leased are then delivered again at once instead of when their visibility
// timeouts run out. Leases handed out by this Queue before the call are
// released too (their messages may then be delivered twice).
func (q *Queue) ReleaseLeases(ctx context.Context) (int, error) {
	total := 0
	var from []byte // where the next batch reads on; nil: from now
	for {
		var n int
		var more bool
		o := newOp(ctx, opCost(q.opts.MaxBatch, 0), true, func(b *batch) error {
			var err error
			n, from, more, err = b.releaseLeases(q.opts.MaxBatch, from)
			return err
		})
		if err := q.submit(ctx, o); err != nil {
			return total, fmt.Errorf("releasing leases: %w", err)
		}
		total += n
		if !more {
			return total, nil
		}
	}
}

// releaseLeases reads up to limit ready keys from from (nil: the first
// time after now) and releases those of leased messages. A leased
// message's ready key is at its lease deadline, in the future: only that
// part of the ready index is read (leased messages and nacked ones waiting
// for redelivery). It returns the key to read on from and whether there
// may be more.
func (b *batch) releaseLeases(limit int, from []byte) (n int, next []byte, more bool, err error) {
	k := b.q.k
	type cand struct {
		at  int64
		seq uint64
	}
	var cands []cand
	if from == nil {
		from = k.ready(b.now+1, 0)
	}
	it := b.txn.NewIterator(badger.IteratorOptions{Prefix: k.spacePrefix(spaceReady)})
	for it.Seek(from); it.Valid() && len(cands) < limit; it.Next() {
		at, seq := splitTimeSeq(it.Item().Key())
		cands = append(cands, cand{at, seq})
	}
	it.Close()
	if len(cands) == limit {
		last := cands[limit-1]
		next, more = k.ready(last.at, last.seq+1), true
	}
	for _, c := range cands {
		m, found, err := b.getMeta(k.meta(c.seq))
		if err != nil {
			return n, nil, false, err
		}
		if !found || !m.leased() || m.visibleAt != c.at {
			continue
		}
		if err := b.txn.Delete(k.ready(c.at, c.seq)); err != nil {
			return n, nil, false, err
		}
		m.flags = flagReady
		m.visibleAt = b.now
		if err := b.setReady(m.visibleAt, c.seq); err != nil {
			return n, nil, false, err
		}
		if err := b.txn.Set(k.meta(c.seq), m.encode()); err != nil {
			return n, nil, false, err
		}
		n++
	}
	return n, next, more, nil
}
