package badgerq

import (
	"bytes"

	"github.com/dgraph-io/badger/v4"
)

// floor is a lower bound of the live keys of one index: no live key sorts
// before it. Deletes leave tombstones at the front of the ready, expiry and
// dead indexes until compaction; seeking to the floor steps over them
// instead of scanning them on every Lease. Nil means the index's start.
type floor struct{ key []byte }

// lower keeps the bound true when key is written.
func (f *floor) lower(key []byte) {
	if f.key != nil && bytes.Compare(key, f.key) < 0 {
		f.key = key
	}
}

// floors are the committer's bounds, one per index (and the meta records,
// for Oldest). If a transaction is discarded they are reset, since they
// may reflect its deletes.
type floors struct {
	ready, expiry, dead, meta floor
}

func (fs *floors) reset() { *fs = floors{} }

// scan iterates the index under prefix from its floor, calling fn with each
// key and whether it is live (not deleted) until fn returns false.
//
// It iterates all versions, so that deleted keys are seen rather than
// skipped: a scan that stops at the first key in the future (Lease, the
// expiry sweep) then stops there even when that key was deleted, instead of
// stepping over every tombstone up to the next live key (with a one-minute
// visibility timeout, every lease acked in the last minute). Only a key's
// newest version counts. The floor rises to the first live key seen, or to
// the key where fn stopped: every key before it is gone.
func (b *batch) scan(prefix []byte, f *floor, fn func(key []byte, live bool) bool) {
	it := b.txn.NewIterator(badger.IteratorOptions{Prefix: prefix, AllVersions: true})
	defer it.Close()
	if f.key == nil {
		it.Rewind()
	} else {
		it.Seek(f.key)
	}
	var prev []byte
	raised := false
	for ; it.Valid(); it.Next() {
		item := it.Item()
		k := item.Key()
		if prev != nil && bytes.Equal(k, prev) {
			continue // an older version
		}
		prev = append(prev[:0], k...)
		b.q.scanned.Add(1)
		live := !item.IsDeletedOrExpired()
		more := fn(k, live)
		if !raised && (live || !more) {
			f.key, raised = bytes.Clone(k), true
		}
		if !more {
			return
		}
	}
}

// setReady writes a ready-index key.
func (b *batch) setReady(at int64, seq uint64) error {
	key := b.q.k.ready(at, seq)
	b.q.floors.ready.lower(key)
	b.readied = b.readied || at <= b.now
	return b.txn.Set(key, nil)
}

// setExpiry writes an expiry-index key.
func (b *batch) setExpiry(at int64, seq uint64) error {
	key := b.q.k.expiry(at, seq)
	b.q.floors.expiry.lower(key)
	return b.txn.Set(key, nil)
}

// setDead writes a dead letter's record.
func (b *batch) setDead(seq uint64, m meta) error {
	key := b.q.k.dead(seq)
	b.q.floors.dead.lower(key)
	return b.txn.Set(key, m.encode())
}
