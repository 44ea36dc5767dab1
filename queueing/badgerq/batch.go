package badgerq

import (
	"bytes"
	"errors"

	"github.com/dgraph-io/badger/v4"
)

// batch is one committer transaction and the counters as they will be if
// it commits. Used by the committer goroutine only. A batch of lazy ops
// only is kept open as the queue's held transaction, and the next batches
// apply their ops to it, until a durable op (or lazyFlushDelay) commits
// it: every op sees the writes of the ops before it, committed or not.
type batch struct {
	q       *Queue
	txn     *writeTxn
	now     int64 // unix ns, one clock reading per batch
	length  int64
	dead    int64
	readied bool // a ready-index key visible now was written

	diskLength, diskDead int64 // the counters on disk, when txn began
	cost                 int64 // estimated bytes of the ops applied (opCost)
	// mustCommit: the lazy ops applied wrote what readers outside the
	// committer see (dead letters), so the batch is committed at once.
	mustCommit bool
}

// writeTxn is a batch's transaction; it keeps every write made, in order,
// so that the writes of a held transaction's answered lazy ops can be
// committed again when a later batch applied to it fails (salvage).
type writeTxn struct {
	*badger.Txn
	writes []txnWrite
}

// txnWrite is one write of a writeTxn (the slices are badger's too: the
// callers never modify them).
type txnWrite struct {
	key, val  []byte
	del       bool
	expiresAt uint64 // badger's absolute expiry, unix seconds; 0: none
}

func (t *writeTxn) dirty() bool { return len(t.writes) > 0 }

func (t *writeTxn) Set(key, val []byte) error {
	return t.note(t.Txn.Set(key, val), txnWrite{key: key, val: val})
}

func (t *writeTxn) Delete(key []byte) error {
	return t.note(t.Txn.Delete(key), txnWrite{key: key, del: true})
}

func (t *writeTxn) SetEntry(e *badger.Entry) error {
	return t.note(t.Txn.SetEntry(e), txnWrite{key: e.Key, val: e.Value, expiresAt: e.ExpiresAt})
}

func (t *writeTxn) note(err error, w txnWrite) error {
	if err == nil {
		t.writes = append(t.writes, w)
	}
	return err
}

// replay makes writes in t.
func (t *writeTxn) replay(writes []txnWrite) error {
	for _, w := range writes {
		var err error
		switch {
		case w.del:
			err = t.Delete(w.key)
		case w.expiresAt != 0:
			e := badger.NewEntry(w.key, w.val)
			e.ExpiresAt = w.expiresAt
			err = t.SetEntry(e)
		default:
			err = t.Set(w.key, w.val)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (q *Queue) newBatch() *batch {
	l, d := q.length.Load(), q.dead.Load()
	return &batch{
		q:          q,
		txn:        &writeTxn{Txn: q.db.NewTransaction(true)},
		now:        q.now(),
		length:     l,
		dead:       d,
		diskLength: l,
		diskDead:   d,
	}
}

// get returns a copy of key's value, or found false.
func (b *batch) get(key []byte) (val []byte, found bool, err error) {
	item, err := b.txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	val, err = item.ValueCopy(nil)
	return val, err == nil, err
}

func (b *batch) getMeta(key []byte) (meta, bool, error) {
	v, found, err := b.get(key)
	if err != nil || !found {
		return meta{}, false, err
	}
	m, err := decodeMeta(v)
	return m, err == nil, err
}

// insertLive stores a live message's meta and indexes (not its body,
// whose size is size): a grouped message enters the ready index only if
// its group was empty and is not held.
func (b *batch) insertLive(seq uint64, m meta, size int) error {
	k := b.q.k
	m.flags = flagReady
	m.visibleAt = b.now
	if m.group != "" {
		g, first, err := b.joinGroup(m.group, seq, size)
		if err != nil {
			return err
		}
		if !first || g.held {
			m.flags = 0
		}
	}
	if m.ready() {
		if err := b.setReady(m.visibleAt, seq); err != nil {
			return err
		}
	}
	if m.expiresAt != 0 {
		if err := b.setExpiry(m.expiresAt, seq); err != nil {
			return err
		}
	}
	b.length++
	b.q.floors.meta.lower(k.meta(seq)) // a redriven message's seq is old
	return b.txn.Set(k.meta(seq), m.encode())
}

// removeLive deletes a live message's meta and indexes (not its body) and,
// if it was its group's ready member, promotes the group's next one.
func (b *batch) removeLive(seq uint64, m meta) error {
	k := b.q.k
	dels := [][]byte{k.meta(seq)}
	if m.ready() {
		dels = append(dels, k.ready(m.visibleAt, seq))
	}
	if m.expiresAt != 0 {
		dels = append(dels, k.expiry(m.expiresAt, seq))
	}
	for _, key := range dels {
		if err := b.txn.Delete(key); err != nil {
			return err
		}
	}
	b.length--
	if m.group == "" {
		return nil
	}
	return b.leaveGroup(m.group, seq, m.ready())
}

// deadLetter moves a live message to the dead letters, evicting the oldest
// dead letter when over the bound.
func (b *batch) deadLetter(seq uint64, m meta, reason string) error {
	if err := b.removeLive(seq, m); err != nil {
		return err
	}
	m.flags = 0
	m.deadAt = b.now
	m.reason = reason
	if err := b.setDead(seq, m); err != nil {
		return err
	}
	b.dead++
	b.mustCommit = true // DeadLetters and Group read snapshots
	if b.dead <= int64(b.q.opts.MaxDeadLetters) {
		return nil
	}
	var oldest []byte
	b.scan(b.q.k.spacePrefix(spaceDead), &b.q.floors.dead, func(key []byte, live bool) bool {
		if live {
			oldest = bytes.Clone(key)
		}
		return !live
	})
	if oldest == nil {
		return nil
	}
	return b.deleteDead(lastSeq(oldest))
}

// deleteDead deletes a dead letter and its body.
func (b *batch) deleteDead(seq uint64) error {
	if err := b.txn.Delete(b.q.k.dead(seq)); err != nil {
		return err
	}
	b.dead--
	return b.txn.Delete(b.q.k.body(seq))
}

// expired tells whether m is past its expiry at the batch's time.
func (b *batch) expired(m meta) bool { return m.expiresAt != 0 && m.expiresAt <= b.now }

// outOfAttempts tells whether m has had its last delivery.
func (b *batch) outOfAttempts(m meta) bool {
	max := b.q.opts.MaxAttempts
	return max > 0 && int(m.attempts) >= max
}
