package wsnotify

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// A paused subscription whose consumer is a pull point keeps what is
// published for it until Resume (WS-BaseNotification 1.3, 6.3: push
// subscriptions keep theirs in the dispatcher's paused queue). The
// messages are stored under held/{sub}/{seq} like the pull point's own, so
// that a restart loses none, at most Delivery.PausedLen, the oldest
// dropped first; Resume moves them into the pull point in order.

// holdLocked stores data for paused subscription s, dropping the oldest
// beyond PausedLen. b.ppMu must be held.
func (b *Broker) holdLocked(w *txnWriter, s *subscription, data []byte) error {
	if err := w.set(b.st.heldKey(s.rec.ID, s.heldNext), data, func() { s.heldNext-- }); err != nil {
		return err
	}
	s.heldNext++
	for s.heldNext-s.heldFirst > uint64(b.cfg.Delivery.PausedLen) {
		if err := w.delete(b.st.heldKey(s.rec.ID, s.heldFirst), func() { s.heldFirst-- }); err != nil {
			return err
		}
		s.heldFirst++
		b.metrics.dropped.Inc()
	}
	return nil
}

// releaseHeld moves what s kept while paused into its pull point, in
// order. A notification published while Resume runs may reach the pull
// point just before the held ones.
func (b *Broker) releaseHeld(s *subscription) error {
	b.ppMu.Lock()
	defer b.ppMu.Unlock()
	if s.heldFirst == s.heldNext {
		return nil
	}
	w := newTxnWriter(b.st.db)
	defer w.discard()
	err := func() error {
		for seq := s.heldFirst; seq < s.heldNext; seq++ {
			key := b.st.heldKey(s.rec.ID, seq)
			var data []byte
			err := b.st.db.View(func(txn *badger.Txn) error {
				item, err := txn.Get(key)
				if err != nil {
					return err
				}
				data, err = item.ValueCopy(nil)
				return err
			})
			if err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
				return err
			}
			if data != nil {
				if err := b.appendLocked(w, s.rec.PullPoint, data); err != nil {
					return err
				}
			}
			if err := w.delete(key, func() { s.heldFirst-- }); err != nil {
				return err
			}
			s.heldFirst++
		}
		return w.commit()
	}()
	if err != nil {
		w.rollback()
		return fmt.Errorf("releasing held messages: %w", err)
	}
	return nil
}

// deleteHeld deletes what subscription id kept (it was removed).
func (b *Broker) deleteHeld(id string) error {
	b.ppMu.Lock()
	defer b.ppMu.Unlock()
	return b.st.deletePrefix(b.st.heldPrefix(id))
}

// loadHeld sets the held sequence numbers of the loaded subscriptions and
// deletes what removed ones kept (a crash between the two deletes). b.mu
// must be held (Open).
func (b *Broker) loadHeld() error {
	pfx := b.st.key("held", "")
	var stale [][]byte
	err := b.st.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pfx})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			id, rest, ok := strings.Cut(string(k[len(pfx):]), "/")
			s := b.subs[id]
			if !ok || len(rest) != 8 || s == nil || s.rec.PullPoint == "" {
				stale = append(stale, it.Item().KeyCopy(nil))
				continue
			}
			seq := binary.BigEndian.Uint64([]byte(rest))
			if s.heldFirst == s.heldNext { // first key seen: the oldest
				s.heldFirst = seq
			}
			s.heldNext = seq + 1
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range stale {
		if err := b.st.db.Update(func(txn *badger.Txn) error { return txn.Delete(k) }); err != nil {
			return err
		}
	}
	return nil
}
