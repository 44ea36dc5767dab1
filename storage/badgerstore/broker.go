package badgerstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cespare/xxhash/v2"
	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/storage"
)

// BrokerStore keeps the WS-Notification broker's records and message
// lists (wsnotify.Store) in a badger DB, under a key prefix.
type BrokerStore struct {
	db         *badger.DB
	prefix     string
	syncWrites bool // the DB syncs every commit itself

	mu      sync.Mutex // guards lists; held across every list write, which it serialises
	lists   map[storage.List]*listState
	lastRev atomic.Uint64 // the last revision given (nextRev)
}

// listState is what the store knows of a list it has touched.
type listState struct {
	n    int    // entries
	next uint64 // sequence number of the next entry
}

// NewBroker returns the broker's store over db, its keys under prefix
// (the gateway's is "wsn/"). It starts nothing and owns nothing: the
// opener of db closes it. Use one BrokerStore per prefix: it keeps the
// lengths of the lists it writes.
func NewBroker(db *badger.DB, prefix string) *BrokerStore {
	return &BrokerStore{
		db: db, prefix: prefix, syncWrites: db.Opts().SyncWrites,
		lists: map[storage.List]*listState{},
	}
}

// maxConflictRetries bounds how often a transaction that badger reports
// in conflict is run again.
const maxConflictRetries = 16

// update runs fn in a read-write transaction and commits it, from the
// start again when badger reports a conflict (another transaction wrote
// what fn read since): fn checks its conditions again each time.
func (s *BrokerStore) update(ctx context.Context, fn func(txn *badger.Txn) error) error {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		txn := s.db.NewTransaction(true)
		err := fn(txn)
		if err == nil {
			err = s.commit(txn)
		}
		txn.Discard()
		if !errors.Is(err, badger.ErrConflict) {
			return err
		}
		if attempt == maxConflictRetries {
			return fmt.Errorf("%w: %v", storage.ErrConflict, err)
		}
	}
}

// commit commits txn and, unless the DB syncs every commit itself, syncs
// the DB: nothing returns before it is on disk.
func (s *BrokerStore) commit(txn *badger.Txn) error {
	if err := txn.Commit(); err != nil {
		return err
	}
	if !s.syncWrites {
		return s.db.Sync()
	}
	return nil
}

// revision is the revision of a stored value: its 64-bit xxhash, never 0
// (choice: see doc.go).
func revision(v []byte) uint64 {
	if h := xxhash.Sum64(v); h != 0 {
		return h
	}
	return 1
}

// checkName refuses a kind or list ID that would make keys ambiguous.
func checkName(what, name string, empty bool) error {
	if (name == "" && !empty) || strings.Contains(name, "/") {
		return fmt.Errorf("badgerstore: invalid %s %q", what, name)
	}
	return nil
}

// kindPrefix is the prefix of every key of kind.
func (s *BrokerStore) kindPrefix(kind string) []byte { return []byte(s.prefix + kind + "/") }

// listPrefix is the prefix of the entries of l: the kind's prefix for a
// kind's only list, else followed by the ID and a '/'.
func (s *BrokerStore) listPrefix(l storage.List) []byte {
	if l.ID == "" {
		return s.kindPrefix(l.Kind)
	}
	return []byte(s.prefix + l.Kind + "/" + l.ID + "/")
}

func entryKey(pfx []byte, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(append(make([]byte, 0, len(pfx)+8), pfx...), seq)
}

// seqOf is the sequence number of an entry key: the 8 bytes after the
// list's prefix (what follows them, as in the dead letters of earlier
// versions, is ignored).
func seqOf(key, pfx []byte) uint64 {
	var b [8]byte
	copy(b[:], key[len(pfx):])
	return binary.BigEndian.Uint64(b[:])
}

// writer writes through badger transactions, committing and going on in a
// new one when badger says the current one is full: one call may write
// more than a transaction holds (a Notify within the request limits into
// many pull points). Each commit is synced.
type writer struct {
	s     *BrokerStore
	txn   *badger.Txn
	dirty bool // txn holds writes
}

func (s *BrokerStore) newWriter() *writer { return &writer{s: s, txn: s.db.NewTransaction(true)} }

func (w *writer) do(op func(*badger.Txn) error) error {
	err := op(w.txn)
	if errors.Is(err, badger.ErrTxnTooBig) {
		if err := w.flush(); err != nil {
			return err
		}
		err = op(w.txn)
	}
	w.dirty = w.dirty || err == nil
	return err
}

func (w *writer) set(k, v []byte) error {
	return w.do(func(t *badger.Txn) error { return t.Set(k, v) })
}

func (w *writer) delete(k []byte) error {
	return w.do(func(t *badger.Txn) error { return t.Delete(k) })
}

// flush commits what was written, if anything, and goes on in a new
// transaction.
func (w *writer) flush() error {
	if !w.dirty {
		return nil
	}
	err := w.s.commit(w.txn)
	w.txn.Discard()
	w.txn, w.dirty = w.s.db.NewTransaction(true), false
	return err
}

func (w *writer) discard() { w.txn.Discard() }
