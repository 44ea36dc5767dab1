package badgerstore

import (
	"bytes"
	"context"
	"fmt"
	"math"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/storage"
)

// The broker's ordered lists (wsnotify.Lists): entry seq of list l is the
// value at {prefix}{l.Kind}/{l.ID}/{seq, 8 bytes big-endian}, or at
// {prefix}{l.Kind}/{seq} for a kind's only list, so keys sort in list
// order. Every list write holds s.mu: sequence numbers and lengths come
// from s.lists, read from the keys on a list's first use.

// checkList refuses a call on an invalid list or a context that ended.
func checkList(ctx context.Context, l storage.List) error {
	if err := checkName("list kind", l.Kind, false); err != nil {
		return err
	}
	if err := checkName("list ID", l.ID, true); err != nil {
		return err
	}
	return ctx.Err()
}

// stateLocked returns what the store knows of l, counting its keys on
// first use. s.mu must be held.
func (s *BrokerStore) stateLocked(l storage.List) (*listState, error) {
	if st, ok := s.lists[l]; ok {
		return st, nil
	}
	st := &listState{next: 1}
	pfx := s.listPrefix(l)
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pfx})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			st.n++
			if seq := seqOf(it.Item().Key(), pfx); seq >= st.next {
				st.next = seq + 1
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading list %s: %w", pfx, err)
	}
	s.lists[l] = st
	return st, nil
}

// oldestKeys returns the keys of the oldest entries of the list under
// pfx, at most n of them, while through (when not nil) accepts their
// sequence numbers.
func (s *BrokerStore) oldestKeys(pfx []byte, n int, through func(seq uint64) bool) ([][]byte, error) {
	var keys [][]byte
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pfx})
		defer it.Close()
		for it.Rewind(); it.Valid() && len(keys) < n; it.Next() {
			k := it.Item().Key()
			if through != nil && !through(seqOf(k, pfx)) {
				break
			}
			keys = append(keys, bytes.Clone(k))
		}
		return nil
	})
	return keys, err
}

// Append adds each value at the end of its list, in order, within its
// bound. The adds of one list are planned on counts first, so that a
// value the bound would delete at once is not written at all.
func (s *BrokerStore) Append(ctx context.Context, adds ...storage.Add) (dropped int, err error) {
	var order []storage.List
	byList := map[storage.List][]storage.Add{}
	for _, a := range adds {
		if err := checkList(ctx, a.List); err != nil {
			return 0, err
		}
		if _, ok := byList[a.List]; !ok {
			order = append(order, a.List)
		}
		byList[a.List] = append(byList[a.List], a)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.newWriter()
	defer w.discard()
	var touched []storage.List
	defer func() {
		if err != nil { // what is stored is unknown: count again on next use
			for _, l := range touched {
				delete(s.lists, l)
			}
		}
	}()
	for _, l := range order {
		touched = append(touched, l)
		n, err := s.appendList(w, l, byList[l])
		dropped += n
		if err != nil {
			return dropped, err
		}
	}
	return dropped, w.flush()
}

// appendList writes the adds of list l (w's transaction) and returns how
// many values their bounds dropped. s.mu must be held.
func (s *BrokerStore) appendList(w *writer, l storage.List, adds []storage.Add) (int, error) {
	st, err := s.stateLocked(l)
	if err != nil {
		return 0, err
	}
	n := st.n         // length after the adds so far
	delOld := 0       // oldest stored entries to delete
	var kept [][]byte // new values, oldest first
	for _, a := range adds {
		max := a.Bound.Max
		if max > 0 && a.Bound.DropNew && n >= max {
			continue
		}
		kept = append(kept, a.Value)
		n++
		if max > 0 && !a.Bound.DropNew && n > max {
			excess := n - max
			fromOld := min(excess, st.n-delOld)
			delOld += fromOld
			kept = kept[excess-fromOld:]
			n = max
		}
	}
	dropped := len(adds) - len(kept) + delOld
	pfx := s.listPrefix(l)
	if delOld > 0 {
		keys, err := s.oldestKeys(pfx, delOld, nil)
		if err != nil {
			return dropped, err
		}
		for _, k := range keys {
			if err := w.delete(k); err != nil {
				return dropped, err
			}
		}
	}
	for _, v := range kept {
		if err := w.set(entryKey(pfx, st.next), v); err != nil {
			return dropped, err
		}
		st.next++
	}
	st.n = n
	return dropped, nil
}

// Read returns the oldest entries of l, at most max and, beyond the first,
// at most maxBytes value bytes.
func (s *BrokerStore) Read(ctx context.Context, l storage.List, max int, maxBytes int64) ([]storage.Entry, error) {
	if err := checkList(ctx, l); err != nil {
		return nil, err
	}
	pfx := s.listPrefix(l)
	var out []storage.Entry
	used := int64(0)
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pfx, PrefetchValues: true, PrefetchSize: 16})
		defer it.Close()
		for it.Rewind(); it.Valid() && (max <= 0 || len(out) < max); it.Next() {
			item := it.Item()
			size := item.ValueSize()
			if len(out) > 0 && maxBytes > 0 && used+size > maxBytes {
				break
			}
			used += size
			v, err := item.ValueCopy(nil)
			if err != nil {
				return fmt.Errorf("reading %s: %w", item.Key(), err)
			}
			out = append(out, storage.Entry{Seq: seqOf(item.Key(), pfx), Value: v})
		}
		return nil
	})
	return out, err
}

// DeleteThrough deletes the entries of l whose Seq is at most seq.
func (s *BrokerStore) DeleteThrough(ctx context.Context, l storage.List, seq uint64) error {
	if err := checkList(ctx, l); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	keys, err := s.oldestKeys(s.listPrefix(l), math.MaxInt, func(q uint64) bool { return q <= seq })
	if err == nil {
		err = s.deleteKeys(keys)
	}
	if err != nil {
		delete(s.lists, l)
		return fmt.Errorf("deleting from list %s: %w", s.listPrefix(l), err)
	}
	if st, ok := s.lists[l]; ok {
		st.n -= len(keys)
	}
	return nil
}

// Drop deletes list l whole.
func (s *BrokerStore) Drop(ctx context.Context, l storage.List) error {
	if err := checkList(ctx, l); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.lists, l)
	pfx := s.listPrefix(l)
	for {
		keys, err := s.oldestKeys(pfx, 1000, nil)
		if err == nil {
			err = s.deleteKeys(keys)
		}
		if err != nil {
			return fmt.Errorf("dropping list %s: %w", pfx, err)
		}
		if len(keys) == 0 {
			return nil
		}
	}
}

func (s *BrokerStore) deleteKeys(keys [][]byte) error {
	if len(keys) == 0 {
		return nil
	}
	w := s.newWriter()
	defer w.discard()
	for _, k := range keys {
		if err := w.delete(k); err != nil {
			return err
		}
	}
	return w.flush()
}

// IDs calls fn with the ID of every non-empty list of kind. It reads one
// key per list: after a list's first key it seeks past the list.
func (s *BrokerStore) IDs(ctx context.Context, kind string, fn func(id string) error) error {
	if err := checkName("list kind", kind, false); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	pfx := s.kindPrefix(kind)
	var ids []string
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pfx})
		defer it.Close()
		for it.Rewind(); it.Valid(); {
			rest := it.Item().Key()[len(pfx):]
			i := bytes.IndexByte(rest, '/')
			if i <= 0 { // an entry of a kind's only list
				it.Next()
				continue
			}
			id := string(rest[:i])
			ids = append(ids, id)
			it.Seek([]byte(string(pfx) + id + "0")) // '0' follows '/'
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := fn(id); err != nil {
			return err
		}
	}
	return nil
}
