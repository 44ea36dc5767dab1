package driver

import (
	"errors"
	"fmt"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/wsreliable"
)

// key returns the store key kind+name under the driver's prefix.
func (d *Driver) key(kind, name string) []byte {
	k := make([]byte, 0, len(d.prefix)+len(kind)+len(name))
	return append(append(append(k, d.prefix...), kind...), name...)
}

// loadRecords reads every engine record, and loads the groups' SOAP
// versions (versionRecords) into d.versions.
func (d *Driver) loadRecords() ([]wsreliable.Record, error) {
	var recs []wsreliable.Record
	pre := d.key("e/", "")
	err := d.opts.DB.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pre, PrefetchValues: true})
		defer it.Close()
		for it.Seek(pre); it.ValidForPrefix(pre); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			k := string(it.Item().Key()[len(pre):])
			if id, ok := strings.CutPrefix(k, versionKey); ok {
				if len(v) == 1 {
					d.versions.Store(id, soap.Version(v[0]))
				}
				continue
			}
			recs = append(recs, wsreliable.Record{Key: k, Value: v})
		}
		return nil
	})
	return recs, err
}

// isDone reports whether the delivery id has been taken by the backend.
func (d *Driver) isDone(id string) (bool, error) {
	err := d.opts.DB.View(func(txn *badger.Txn) error {
		_, err := txn.Get(d.key("d/", id))
		return err
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, err
}

// markDone records that the backend took delivery id and, when replyTo is
// set, keeps its reply for a MakeConnection from replyTo. One synced
// transaction.
func (d *Driver) markDone(id, replyTo string, reply []byte) error {
	err := d.opts.DB.Update(func(txn *badger.Txn) error {
		if err := txn.SetEntry(badger.NewEntry(d.key("d/", id), []byte{1}).WithTTL(d.cfg.DoneTTL)); err != nil {
			return err
		}
		if replyTo == "" || reply == nil {
			return nil
		}
		seq := fmt.Sprintf("%020d%06d", d.opts.Now().UnixNano(), d.replySeq.Add(1)%1e6)
		return txn.SetEntry(badger.NewEntry(d.key("r/", replyTo+"\x00"+seq), reply).WithTTL(d.cfg.ReplyTTL))
	})
	if err == nil && !d.opts.DB.Opts().SyncWrites {
		err = d.opts.DB.Sync()
	}
	return err
}

// takeReply removes and returns the oldest reply stored for addr. (The
// reply is returned as the backend wrote it: it carries no
// wsmc:MessagePending; a client polls until it gets 202.)
func (d *Driver) takeReply(addr string) (body []byte, ok bool) {
	pre := d.key("r/", addr+"\x00")
	err := d.opts.DB.Update(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pre, PrefetchValues: false})
		defer it.Close()
		it.Seek(pre)
		if !it.ValidForPrefix(pre) {
			return nil
		}
		k := it.Item().KeyCopy(nil)
		v, err := it.Item().ValueCopy(nil)
		if err != nil {
			return err
		}
		body, ok = v, true
		return txn.Delete(k)
	})
	if err != nil {
		d.log.Error("taking a stored reply", "address", addr, "err", err)
		return nil, false
	}
	return body, ok
}
