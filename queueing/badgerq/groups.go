package badgerq

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/queueing"
)

// Operations on whole groups: a group is one consumer's ordered queue (a
// WS-Notification subscription's deliveries), which can be held (paused),
// let go, measured and dropped.

// Hold holds groups (held true) or lets them go: a held group's messages
// are kept (within their expiry and Keep) and not leased; one leased when
// it was held finishes its lease. A group let go has its oldest message
// delivered first. Unknown groups are created held (so that a message
// enqueued later waits), or ignored when let go. Once on disk.
func (q *Queue) Hold(ctx context.Context, held bool, groups ...string) error {
	for len(groups) > 0 {
		n := min(len(groups), q.opts.MaxBatch)
		part := append([]string(nil), groups[:n]...)
		groups = groups[n:]
		o := newOp(ctx, opCost(n, 0), true, func(b *batch) error {
			for _, g := range part {
				if err := b.hold(g, held); err != nil {
					return err
				}
			}
			return nil
		})
		if err := q.submit(ctx, o); err != nil {
			return fmt.Errorf("holding groups: %w", err)
		}
	}
	return nil
}

func (b *batch) hold(group string, held bool) error {
	g, err := b.getGroup(group)
	if err != nil || g.held == held {
		return err
	}
	g.held = held
	if err := b.putGroup(group, g); err != nil {
		return err
	}
	// Find the member in the ready index (or leased): usually the lowest.
	active, am, err := b.firstMember(group, g.low, func(m meta) bool { return m.ready() })
	switch {
	case err != nil:
		return err
	case held && active != 0 && !am.leased():
		return b.unready(active, am)
	case !held && active == 0 && g.count > 0:
		next, err := b.nextMember(group, g.low)
		if err != nil || next == 0 {
			return err
		}
		return b.promote(next)
	}
	return nil
}

// DropGroup deletes every message of group (not its dead letters) and its
// record, and returns how many messages it deleted. A large group is
// deleted in several transactions, each synced.
func (q *Queue) DropGroup(ctx context.Context, group string) (int, error) {
	total := 0
	for {
		var n int
		var more bool
		o := newOp(ctx, opCost(q.opts.MaxBatch, 0), true, func(b *batch) error {
			var err error
			n, more, err = b.dropGroup(group, q.opts.MaxBatch)
			return err
		})
		if err := q.submit(ctx, o); err != nil {
			return total, fmt.Errorf("dropping group %q: %w", group, err)
		}
		total += n
		if !more {
			return total, nil
		}
	}
}

// dropGroup deletes up to limit members of group, and the group's record
// with its last one; more tells whether members remain.
func (b *batch) dropGroup(group string, limit int) (n int, more bool, err error) {
	g, err := b.getGroup(group)
	if err != nil {
		return 0, false, err
	}
	var seqs []uint64
	b.members(group, g.low, func(seq uint64) bool {
		seqs = append(seqs, seq)
		return len(seqs) < limit
	})
	k := b.q.k
	for _, seq := range seqs {
		m, found, err := b.getMeta(k.meta(seq))
		if err != nil {
			return n, false, err
		}
		dels := [][]byte{k.groupMember(group, seq)}
		if found {
			dels = append(dels, k.meta(seq), k.body(seq))
			if m.ready() {
				dels = append(dels, k.ready(m.visibleAt, seq))
			}
			if m.expiresAt != 0 {
				dels = append(dels, k.expiry(m.expiresAt, seq))
			}
			b.length--
			n++
		}
		for _, key := range dels {
			if err := b.txn.Delete(key); err != nil {
				return n, false, err
			}
		}
	}
	if len(seqs) < limit {
		return n, false, b.txn.Delete(k.groupCount(group))
	}
	g.count -= min(g.count, uint64(len(seqs)))
	g.low = seqs[len(seqs)-1] + 1
	return n, true, b.putGroup(group, g)
}

// Group returns what the queue holds of group (zero when it has nothing).
// It reads a snapshot of what is committed and does not go through the
// committer: an AckLazy shows within lazyFlushDelay.
func (q *Queue) Group(ctx context.Context, group string) (queueing.GroupInfo, error) {
	var gi queueing.GroupInfo
	err := q.db.View(func(txn *badger.Txn) error {
		b := &batch{q: q, txn: &writeTxn{Txn: txn}}
		g, err := b.getGroup(group)
		gi = queueing.GroupInfo{Messages: int(g.count), Bytes: int64(g.bytes), Held: g.held}
		return err
	})
	return gi, err
}

// Groups calls fn with the name of every group the queue has a record of
// (with messages, or held), in no particular order, until fn returns an
// error. It reads a snapshot.
func (q *Queue) Groups(ctx context.Context, fn func(group string) error) error {
	var names []string
	pfx := q.k.spacePrefix(spaceGCount)
	err := q.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pfx})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			rest := it.Item().Key()[len(pfx):]
			l, n := binary.Uvarint(rest)
			if n <= 0 || uint64(len(rest)-n) != l {
				return fmt.Errorf("reading group key %q: %w", it.Item().Key(), errCorrupt)
			}
			names = append(names, string(bytes.Clone(rest[n:])))
		}
		return ctx.Err()
	})
	if err != nil {
		return err
	}
	for _, g := range names {
		if err := fn(g); err != nil {
			return err
		}
	}
	return nil
}

// Abandon moves the leased message id to the dead letters with reason (a
// consumer's own attempt limit, say), once on disk. It fails with
// queueing.ErrNotFound if id is not leased.
func (q *Queue) Abandon(ctx context.Context, id uint64, reason string) error {
	o := newOp(ctx, opCost(1, 0), true, func(b *batch) error {
		m, found, err := b.getMeta(b.q.k.meta(id))
		if err != nil {
			return err
		}
		if !found || !m.leased() {
			return queueing.ErrNotFound
		}
		return b.deadLetter(id, m, reason)
	})
	if err := q.submit(ctx, o); err != nil {
		return fmt.Errorf("abandoning %d: %w", id, err)
	}
	return nil
}
