package wsnotify

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// store keeps the broker's records in badger under prefix:
//
//	sub/{id}                 subscription record (JSON)
//	reg/{id}                 publisher registration record (JSON)
//	orphan/{reg}-{id}        a publisher subscription still to end (JSON; orphan.go)
//	pp/{id}                  pull point record (JSON)
//	ppm/{id}/{seq:8 bytes}   a pull point's stored NotificationMessage
//	held/{sub}/{seq:8 bytes} a NotificationMessage a paused pull-point subscription keeps
//	cur/{topic}              the current (last) message of a topic
//	dl/{unixnano:8}{id}      a dead-lettered delivery (JSON); the newest maxDeadLetters kept
type store struct {
	db     *badger.DB
	prefix string
}

func (s *store) key(kind, id string) []byte { return []byte(s.prefix + kind + "/" + id) }

func (s *store) put(kind, id string, v any) error {
	val, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.db.Update(func(txn *badger.Txn) error { return txn.Set(s.key(kind, id), val) })
}

func (s *store) delete(kind, id string) error {
	return s.db.Update(func(txn *badger.Txn) error { return txn.Delete(s.key(kind, id)) })
}

// scan calls fn with the id and value of every record of kind.
func (s *store) scan(kind string, fn func(id string, val []byte) error) error {
	pfx := s.key(kind, "")
	return s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pfx, PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			id := string(item.Key()[len(pfx):])
			if err := item.Value(func(v []byte) error { return fn(id, v) }); err != nil {
				return fmt.Errorf("reading %s: %w", item.Key(), err)
			}
		}
		return nil
	})
}

func (s *store) ppmPrefix(pp string) []byte { return s.key("ppm", pp+"/") }

func (s *store) ppmKey(pp string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(s.ppmPrefix(pp), seq)
}

func (s *store) heldPrefix(sub string) []byte { return s.key("held", sub+"/") }

func (s *store) heldKey(sub string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(s.heldPrefix(sub), seq)
}

// deletePrefix deletes every key under pfx, in transactions of bounded size.
func (s *store) deletePrefix(pfx []byte) error {
	for {
		var keys [][]byte
		err := s.db.View(func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: pfx})
			defer it.Close()
			for it.Rewind(); it.Valid() && len(keys) < 1000; it.Next() {
				keys = append(keys, it.Item().KeyCopy(nil))
			}
			return nil
		})
		if err != nil || len(keys) == 0 {
			return err
		}
		err = s.db.Update(func(txn *badger.Txn) error {
			for _, k := range keys {
				if err := txn.Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil && !errors.Is(err, badger.ErrConflict) {
			return err
		}
	}
}
