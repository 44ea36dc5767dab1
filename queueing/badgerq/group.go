package badgerq

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/queueing"
)

// A group is its member keys, ordered by sequence, and a record holding the
// member count, a lower bound of the member sequences (so that finding the
// next member seeks past the tombstones of the ones acked), the bytes of
// the members' bodies and whether the group is held. Exactly one member,
// not always the lowest (a redriven one may sort first), is in the ready
// index (or leased) while the group is not held; when it leaves, the
// lowest remaining member takes its place. A held group (Hold) has no
// member in the ready index; one leased when it was held finishes its
// lease, and the lowest member is promoted when the group is let go.
type groupRec struct {
	count uint64
	low   uint64
	bytes uint64
	held  bool
}

// The group record is uvarint count, uvarint low, then (records written
// since groups kept them) uvarint bytes and a flags byte.
const groupHeld = 1

func (b *batch) getGroup(group string) (groupRec, error) {
	v, found, err := b.get(b.q.k.groupCount(group))
	if err != nil || !found {
		return groupRec{}, err
	}
	d := decoder{b: v}
	g := groupRec{count: d.uvarint(), low: d.uvarint()}
	if !d.bad && len(d.b) > 0 {
		g.bytes = d.uvarint()
		if len(d.b) > 0 {
			g.held = d.b[0]&groupHeld != 0
		}
	}
	if d.bad {
		return groupRec{}, fmt.Errorf("decoding group %q: %w", group, errCorrupt)
	}
	return g, nil
}

func (b *batch) putGroup(group string, g groupRec) error {
	if g.count == 0 && !g.held {
		return b.txn.Delete(b.q.k.groupCount(group))
	}
	v := binary.AppendUvarint(nil, g.count)
	v = binary.AppendUvarint(v, g.low)
	v = binary.AppendUvarint(v, g.bytes)
	flags := byte(0)
	if g.held {
		flags |= groupHeld
	}
	return b.txn.Set(b.q.k.groupCount(group), append(v, flags))
}

// joinGroup adds member seq, whose body has size bytes; first tells
// whether the group was empty, and the record is the group's after.
func (b *batch) joinGroup(group string, seq uint64, size int) (g groupRec, first bool, err error) {
	g, err = b.getGroup(group)
	if err != nil {
		return g, false, err
	}
	first = g.count == 0
	if first || seq < g.low {
		g.low = seq
	}
	g.count++
	g.bytes += uint64(size)
	if err := b.putGroup(group, g); err != nil {
		return g, false, err
	}
	return g, first, b.txn.Set(b.q.k.groupMember(group, seq), nil)
}

// leaveGroup removes member seq and, if it was the ready one and the group
// is not held, promotes the lowest remaining member.
func (b *batch) leaveGroup(group string, seq uint64, wasReady bool) error {
	size, err := b.bodySize(seq)
	if err != nil {
		return err
	}
	if err := b.txn.Delete(b.q.k.groupMember(group, seq)); err != nil {
		return err
	}
	g, err := b.getGroup(group)
	if err != nil {
		return err
	}
	g.count = max(g.count, 1) - 1
	g.bytes -= min(g.bytes, uint64(size))
	if g.count == 0 || !wasReady || g.held {
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

// bodySize is the size of message seq's body (0 when it has none).
func (b *batch) bodySize(seq uint64) (int, error) {
	item, err := b.txn.Get(b.q.k.body(seq))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return int(item.ValueSize()), nil
}

// nextMember returns the lowest member at or above low, or 0.
func (b *batch) nextMember(group string, low uint64) (uint64, error) {
	var next uint64
	b.members(group, low, func(seq uint64) bool { next = seq; return false })
	return next, nil
}

// members calls fn with the members of group from low up, in order, until
// fn returns false.
func (b *batch) members(group string, low uint64, fn func(seq uint64) bool) {
	prefix := b.q.k.groupPrefix(group)
	f := floor{key: b.q.k.groupMember(group, low)}
	b.scan(prefix, &f, func(key []byte, live bool) bool {
		if !live || len(key) != len(prefix)+8 {
			return true
		}
		return fn(lastSeq(key))
	})
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

// unready takes member seq out of the ready index (its group is held).
func (b *batch) unready(seq uint64, m meta) error {
	if m.ready() {
		if err := b.txn.Delete(b.q.k.ready(m.visibleAt, seq)); err != nil {
			return err
		}
	}
	m.flags = 0
	return b.txn.Set(b.q.k.meta(seq), m.encode())
}

// heldGroup tells whether m's group is held.
func (b *batch) heldGroup(m meta) (bool, error) {
	if m.group == "" {
		return false, nil
	}
	g, err := b.getGroup(m.group)
	return g.held, err
}

// trimGroup dead-letters the oldest members of group that are not leased
// while it is over keep (ReasonOverflow); it keeps at least one member.
func (b *batch) trimGroup(group string, keep queueing.GroupLimit) error {
	for {
		g, err := b.getGroup(group)
		if err != nil {
			return err
		}
		over := (keep.Messages > 0 && g.count > uint64(keep.Messages)) ||
			(keep.Bytes > 0 && g.bytes > uint64(keep.Bytes) && g.count > 1)
		if !over {
			return nil
		}
		victim, vm, err := b.firstMember(group, g.low, func(m meta) bool { return !m.leased() })
		if err != nil || victim == 0 {
			return err // every member is leased: nothing to take now
		}
		if err := b.deadLetter(victim, vm, queueing.ReasonOverflow); err != nil {
			return err
		}
	}
}

// firstMember returns the lowest member of group from low up whose meta
// pred accepts (0 when none does).
func (b *batch) firstMember(group string, low uint64, pred func(meta) bool) (seq uint64, m meta, err error) {
	b.members(group, low, func(s uint64) bool {
		mm, found, e := b.getMeta(b.q.k.meta(s))
		if e != nil {
			err = e
			return false
		}
		if found && pred(mm) {
			seq, m = s, mm
			return false
		}
		return true
	})
	return seq, m, err
}
