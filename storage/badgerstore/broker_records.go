package badgerstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/storage"
)

// The broker's resources (wsnotify.Resources): a record of kind k and key
// x is the value at {prefix}{k}/{x}.

func (s *BrokerStore) recordKey(kind, key string) ([]byte, error) {
	if err := checkName("kind", kind, false); err != nil {
		return nil, err
	}
	if key == "" {
		return nil, errors.New("badgerstore: empty key")
	}
	return []byte(s.prefix + kind + "/" + key), nil
}

// Get returns the record of key, or storage.ErrNotFound.
func (s *BrokerStore) Get(ctx context.Context, kind, key string) (storage.Record, error) {
	k, err := s.recordKey(kind, key)
	if err != nil {
		return storage.Record{}, err
	}
	if err := ctx.Err(); err != nil {
		return storage.Record{}, err
	}
	r := storage.Record{Key: key}
	err = s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(k)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return storage.ErrNotFound
		}
		if err != nil {
			return err
		}
		v, err := item.ValueCopy(nil)
		r.Value, r.Rev = decodeRecord(item.UserMeta(), v)
		return err
	})
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return storage.Record{}, fmt.Errorf("reading %s: %w", k, err)
	}
	return r, err
}

// currentRev returns the revision of the value at k in txn, 0 when there
// is none.
func currentRev(txn *badger.Txn, k []byte) (uint64, error) {
	item, err := txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var rev uint64
	err = item.Value(func(v []byte) error { _, rev = decodeRecord(item.UserMeta(), v); return nil })
	return rev, err
}

// recordMeta marks (badger's user meta) a record stored with its revision
// before its value: 8 bytes, big-endian. Records written before it have
// none and their content hash as revision (decodeRecord).
const recordMeta byte = 1

// decodeRecord returns the value and revision of a stored record.
func decodeRecord(meta byte, v []byte) (value []byte, rev uint64) {
	if meta&recordMeta != 0 && len(v) >= 8 {
		return v[8:], binary.BigEndian.Uint64(v[:8])
	}
	return v, revision(v)
}

// nextRev is the revision of a write over revision cur (0: none or not
// read): later than cur and than every revision this store gave before,
// so never one a reader may still hold: the wall clock's nanoseconds, or
// one more when the clock is behind; never 0.
func (s *BrokerStore) nextRev(cur uint64) uint64 {
	for {
		last := s.lastRev.Load()
		next := max(uint64(time.Now().UnixNano()), last+1, cur+1)
		if next == 0 {
			next = 1
		}
		if s.lastRev.CompareAndSwap(last, next) {
			return next
		}
	}
}

// Create stores a new record, or returns storage.ErrExists.
func (s *BrokerStore) Create(ctx context.Context, kind, key string, value []byte) (uint64, error) {
	return s.write(ctx, kind, key, value, func(cur uint64) error {
		if cur != 0 {
			return storage.ErrExists
		}
		return nil
	})
}

// Update replaces the record of key if its revision is rev.
func (s *BrokerStore) Update(ctx context.Context, kind, key string, value []byte, rev uint64) (uint64, error) {
	return s.write(ctx, kind, key, value, func(cur uint64) error {
		switch cur {
		case 0:
			return storage.ErrNotFound
		case rev:
			return nil
		}
		return storage.ErrConflict
	})
}

// Put stores value under key whatever is there.
func (s *BrokerStore) Put(ctx context.Context, kind, key string, value []byte) (uint64, error) {
	return s.write(ctx, kind, key, value, nil)
}

// write stores value under key if check, given the revision stored (0:
// none), accepts it; without check it writes blind. Check and write are
// one transaction: badger's conflict detection makes it a compare-and-set.
func (s *BrokerStore) write(ctx context.Context, kind, key string, value []byte, check func(cur uint64) error) (uint64, error) {
	k, err := s.recordKey(kind, key)
	if err != nil {
		return 0, err
	}
	var rev uint64
	err = s.update(ctx, func(txn *badger.Txn) error {
		var cur uint64 // a blind write reads nothing: concurrent Puts do not conflict
		if check != nil {
			var err error
			if cur, err = currentRev(txn, k); err != nil {
				return err
			}
			if err := check(cur); err != nil {
				return err
			}
		}
		rev = s.nextRev(cur)
		stored := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(value)), rev)
		return txn.SetEntry(badger.NewEntry(k, append(stored, value...)).WithMeta(recordMeta))
	})
	if err != nil {
		return 0, err
	}
	return rev, nil
}

// Delete deletes the record of key; with rev != 0 only if its revision is
// rev.
func (s *BrokerStore) Delete(ctx context.Context, kind, key string, rev uint64) error {
	k, err := s.recordKey(kind, key)
	if err != nil {
		return err
	}
	return s.update(ctx, func(txn *badger.Txn) error {
		if rev != 0 {
			cur, err := currentRev(txn, k)
			if err != nil || cur == 0 {
				return err
			}
			if cur != rev {
				return storage.ErrConflict
			}
		}
		return txn.Delete(k)
	})
}

// Scan calls fn with every record of kind, in key order.
func (s *BrokerStore) Scan(ctx context.Context, kind string, fn func(storage.Record) error) error {
	if err := checkName("kind", kind, false); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	pfx := s.kindPrefix(kind)
	return s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pfx, PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			v, err := item.ValueCopy(nil)
			if err != nil {
				return fmt.Errorf("reading %s: %w", item.Key(), err)
			}
			v, rev := decodeRecord(item.UserMeta(), v)
			if err := fn(storage.Record{Key: string(item.Key()[len(pfx):]), Value: v, Rev: rev}); err != nil {
				return err
			}
		}
		return nil
	})
}

// Watch reports the records of kind as they are, then ChangeLoaded, and
// waits for ctx to end: a badger DB belongs to one process, and that
// process writes a prefix through one BrokerStore (NewBroker), so there is
// no other writer whose changes to report (wsnotify.Resources.Watch).
func (s *BrokerStore) Watch(ctx context.Context, kind string, fn func(storage.Change)) error {
	err := s.Scan(ctx, kind, func(r storage.Record) error {
		fn(storage.Change{Op: storage.ChangeCurrent, Key: r.Key, Value: r.Value, Rev: r.Rev})
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	fn(storage.Change{Op: storage.ChangeLoaded})
	<-ctx.Done()
	return nil
}
