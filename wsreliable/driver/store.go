package driver

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

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

// takeReply leases the oldest reply stored for addr and returns it with
// the function that settles the lease: done(true) once the answer carrying
// it was written deletes it, done(false) offers it again at once. (The
// reply is returned as the backend wrote it: it carries no
// wsmc:MessagePending; a client polls until it gets 202.)
//
// Pickup is at least once: a leased reply lives under "l/" with the lease's
// deadline (DeliveryTimeout) and is not offered to another pickup before
// it; one whose lease ran out (the answer's writer never settled it: a
// crash, a hung connection) is offered again. A reply may therefore be
// given twice when the answer was written but the process died before
// done(true); like a delivery's repeat, it carries the same bytes.
func (d *Driver) takeReply(addr string) (body []byte, done func(written bool), ok bool) {
	now := d.opts.Now()
	var key []byte
	err := d.opts.DB.Update(func(txn *badger.Txn) error {
		body, key, ok = nil, nil, false
		// A lease run out first: it is the oldest of what is left.
		lpre := d.key("l/", addr+"\x00")
		it := txn.NewIterator(badger.IteratorOptions{Prefix: lpre})
		for it.Seek(lpre); it.ValidForPrefix(lpre); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				it.Close()
				return err
			}
			if len(v) >= 8 && now.UnixNano() >= int64(binary.BigEndian.Uint64(v)) {
				key, body = it.Item().KeyCopy(nil), v[8:]
				break
			}
		}
		it.Close()
		if key == nil {
			pre := d.key("r/", addr+"\x00")
			it := txn.NewIterator(badger.IteratorOptions{Prefix: pre})
			it.Seek(pre)
			if !it.ValidForPrefix(pre) {
				it.Close()
				return nil
			}
			k := it.Item().KeyCopy(nil)
			v, err := it.Item().ValueCopy(nil)
			it.Close()
			if err != nil {
				return err
			}
			if err := txn.Delete(k); err != nil {
				return err
			}
			key, body = d.key("l/", string(k[len(d.key("r/", "")):])), v
		}
		ok = true
		return d.setLease(txn, key, now.Add(d.cfg.DeliveryTimeout), body)
	})
	if err != nil {
		d.log.Error("taking a stored reply", "address", addr, "err", err)
		return nil, nil, false
	}
	if !ok {
		return nil, nil, false
	}
	return body, func(written bool) { d.settleLease(key, body, written) }, true
}

// setLease stores the reply body under the lease key with its deadline.
func (d *Driver) setLease(txn *badger.Txn, key []byte, deadline time.Time, body []byte) error {
	v := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(body)), uint64(deadline.UnixNano()))
	return txn.SetEntry(badger.NewEntry(key, append(v, body...)).WithTTL(d.cfg.ReplyTTL))
}

// settleLease deletes the leased reply at key once written, or ends its
// lease so that the next pickup gets it.
func (d *Driver) settleLease(key, body []byte, written bool) {
	err := d.opts.DB.Update(func(txn *badger.Txn) error {
		if written {
			return txn.Delete(key)
		}
		return d.setLease(txn, key, time.Time{}, body)
	})
	if err != nil {
		d.log.Error("settling a stored reply's pickup", "err", err)
	}
}
