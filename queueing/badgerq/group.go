package badgerq

import (
	"encoding/binary"
	"fmt"
)

// A group is its member keys, ordered by sequence, and a record holding the
// member count and a lower bound of the member sequences (so that finding
// the next member seeks past the tombstones of the ones acked). Exactly one
// member, not always the lowest (a redriven one may sort first), is in the
// ready index; when it leaves, the lowest remaining member takes its place.
type groupRec struct {
	count uint64
	low   uint64
}

func (b *batch) getGroup(group string) (groupRec, error) {
	v, found, err := b.get(b.q.k.groupCount(group))
	if err != nil || !found {
		return groupRec{}, err
	}
	d := decoder{b: v}
	g := groupRec{count: d.uvarint(), low: d.uvarint()}
	if d.bad {
		return groupRec{}, fmt.Errorf("decoding group %q: %w", group, errCorrupt)
	}
	return g, nil
}

func (b *batch) putGroup(group string, g groupRec) error {
	if g.count == 0 {
		return b.txn.Delete(b.q.k.groupCount(group))
	}
	v := binary.AppendUvarint(nil, g.count)
	return b.txn.Set(b.q.k.groupCount(group), binary.AppendUvarint(v, g.low))
}

// joinGroup adds member seq; first tells whether the group was empty.
func (b *batch) joinGroup(group string, seq uint64) (first bool, err error) {
	g, err := b.getGroup(group)
	if err != nil {
		return false, err
	}
	first = g.count == 0
	if first || seq < g.low {
		g.low = seq
	}
	g.count++
	if err := b.putGroup(group, g); err != nil {
		return false, err
	}
	return first, b.txn.Set(b.q.k.groupMember(group, seq), nil)
}

// leaveGroup removes member seq and, if it was the ready one, promotes the
// lowest remaining member.
func (b *batch) leaveGroup(group string, seq uint64, wasReady bool) error {
	if err := b.txn.Delete(b.q.k.groupMember(group, seq)); err != nil {
		return err
	}
	g, err := b.getGroup(group)
	if err != nil {
		return err
	}
	g.count = max(g.count, 1) - 1
	if g.count == 0 || !wasReady {
		return b.putGroup(group, g)
	}
	next, err := b.nextMember(group, g.low)
	if err != nil || next == 0 {
		return err
	}
	g.low = next
	if err := b.putGroup(group, g); err != nil {
		return err
	}
	return b.promote(next)
}

// nextMember returns the lowest member at or above low, or 0.
func (b *batch) nextMember(group string, low uint64) (uint64, error) {
	prefix := b.q.k.groupPrefix(group)
	f := floor{key: b.q.k.groupMember(group, low)}
	var next uint64
	b.scan(prefix, &f, func(key []byte, live bool) bool {
		if live && len(key) == len(prefix)+8 {
			next = lastSeq(key)
		}
		return !live
	})
	return next, nil
}

// promote puts member seq into the ready index, at its enqueue time so
// that it keeps its place among older messages.
func (b *batch) promote(seq uint64) error {
	m, found, err := b.getMeta(b.q.k.meta(seq))
	if err != nil || !found || m.ready() {
		return err
	}
	m.flags |= flagReady
	m.visibleAt = m.enqueuedAt
	if err := b.setReady(m.visibleAt, seq); err != nil {
		return err
	}
	return b.txn.Set(b.q.k.meta(seq), m.encode())
}
