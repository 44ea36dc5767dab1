package badgerstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/queueing/badgerq"
	"github.com/wsgw/wsgw/wsreliable"
)

// Reliable is the durable state of one reliable service's driver
// (wsreliable/driver.Store) on the node's badger DB, under the prefix
// P = "rm/<service>/":
//
//	P e/<key>               the engine's records (opaque: wsreliable.Record)
//	P q/...                 the delivery queue (queueing/badgerq)
//	P r/<box>\x00<id>       backend replies kept for pickup, by mailbox and
//	                        delivery queue ID (badger TTL: ReplyTTL)
//	P l/<box>\x00<id>       replies taken and not yet settled: the lease's
//	                        deadline (8 bytes, unix ns) and the reply
//
// Engine records are written in the delivery queue's transaction
// (badgerq.EnqueueWith), so an engine's records and the deliveries they
// cause are one atomic, synced write; a kept reply is written in the
// transaction that acks its delivery (badgerq.AckWith). Every method
// returns once its writes are synced.
type Reliable struct {
	db       *badger.DB
	prefix   []byte
	q        *badgerq.Queue
	replyTTL time.Duration
	now      func() time.Time
}

// ReliableOptions configure a Reliable store.
type ReliableOptions struct {
	// Queue are the delivery queue's options (driver.Config.QueueOptions).
	Queue queueing.Options
	// ReplyTTL is how long a kept reply waits for its pickup. Zero: 24h.
	ReplyTTL time.Duration
	// Prefix of the store's keys; default "rm/<name>/" (the broker's
	// driver, which is no service, has "wsn-rm/").
	Prefix string
}

// OpenReliable opens the store of the reliable service name in db (opened
// with SyncWrites, as badgerq asks) and starts its queue's committer;
// Close stops it. One process owns the DB, so every lease found in the
// queue is an earlier process's: OpenReliable releases them (badgerq
// ReleaseLeases) rather than let them wait for their visibility timeouts.
func OpenReliable(ctx context.Context, db *badger.DB, name string, opts ReliableOptions) (*Reliable, error) {
	if opts.ReplyTTL == 0 {
		opts.ReplyTTL = 24 * time.Hour
	}
	opts.Queue = opts.Queue.WithDefaults()
	if opts.Prefix == "" {
		opts.Prefix = "rm/" + name + "/"
	}
	r := &Reliable{db: db, prefix: []byte(opts.Prefix), replyTTL: opts.ReplyTTL, now: opts.Queue.Now}
	if err := r.dropLegacy(); err != nil {
		return nil, fmt.Errorf("opening the store of %s: %w", name, err)
	}
	q, err := badgerq.Open(db, string(r.prefix)+"q/", opts.Queue)
	if err != nil {
		return nil, fmt.Errorf("opening the store of %s: %w", name, err)
	}
	if _, err := q.ReleaseLeases(ctx); err != nil {
		q.Close()
		return nil, fmt.Errorf("opening the store of %s: releasing leases: %w", name, err)
	}
	r.q = q
	return r, nil
}

// Close stops the queue's committer. It does not close the DB.
func (r *Reliable) Close() error { return r.q.Close() }

// key returns the key kind+name under the store's prefix.
func (r *Reliable) key(kind, name string) []byte {
	k := make([]byte, 0, len(r.prefix)+len(kind)+len(name))
	return append(append(append(k, r.prefix...), kind...), name...)
}

// Records returns every engine record.
func (r *Reliable) Records(ctx context.Context) ([]wsreliable.Record, error) {
	var recs []wsreliable.Record
	pre := r.key("e/", "")
	err := r.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: pre, PrefetchValues: true})
		defer it.Close()
		for it.Seek(pre); it.ValidForPrefix(pre); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			recs = append(recs, wsreliable.Record{Key: string(it.Item().Key()[len(pre):]), Value: v})
		}
		return ctx.Err()
	})
	return recs, err
}

// Commit writes recs and enqueues deliveries in one transaction, synced.
func (r *Reliable) Commit(ctx context.Context, recs []wsreliable.Record, deliveries []queueing.Message) error {
	writes := make([]badgerq.Write, len(recs))
	for i, rec := range recs {
		writes[i] = badgerq.Write{Key: r.key("e/", rec.Key), Value: rec.Value}
	}
	_, err := r.q.EnqueueWith(ctx, deliveries, writes)
	return err
}

// Lease implements driver.Queue.
func (r *Reliable) Lease(ctx context.Context, n int, visibility time.Duration) ([]queueing.Lease, error) {
	return r.q.Lease(ctx, n, visibility)
}

// Ready implements driver.Queue.
func (r *Reliable) Ready() <-chan struct{} { return r.q.Ready() }

// Nack implements driver.Queue.
func (r *Reliable) Nack(ctx context.Context, id uint64, delay time.Duration) error {
	return r.q.Nack(ctx, id, delay)
}

// Len implements driver.Queue.
func (r *Reliable) Len() (waiting, dead int) {
	s := r.q.Stats()
	return s.Length, s.DeadLetters
}

// Oldest returns when the oldest delivery waiting (ready, leased or
// delayed) was enqueued, false when none is (badgerq.Queue.Oldest).
func (r *Reliable) Oldest(ctx context.Context) (time.Time, bool, error) { return r.q.Oldest(ctx) }

// Ack removes delivery id and keeps reply (when not nil) in box, in one
// transaction, synced.
func (r *Reliable) Ack(ctx context.Context, id uint64, box string, reply []byte) error {
	if reply == nil {
		return r.q.Ack(ctx, id)
	}
	k := r.key("r/", fmt.Sprintf("%s\x00%020d", box, id))
	return r.q.AckWith(ctx, []uint64{id}, []badgerq.Write{{Key: k, Value: reply, TTL: r.replyTTL}})
}

// TakeReply leases the oldest reply kept in box: a taken reply whose lease
// ran out first (it is older than any not yet taken), else the first one
// kept, which moves from r/ to l/.
func (r *Reliable) TakeReply(ctx context.Context, box string, lease time.Duration) (key string, reply []byte, ok bool, err error) {
	now := r.now()
	var k []byte
	err = r.update(func(txn *badger.Txn) error {
		k, reply = nil, nil
		lpre := r.key("l/", box+"\x00")
		it := txn.NewIterator(badger.IteratorOptions{Prefix: lpre})
		for it.Seek(lpre); it.ValidForPrefix(lpre); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				it.Close()
				return err
			}
			if len(v) >= 8 && now.UnixNano() >= int64(binary.BigEndian.Uint64(v)) {
				k, reply = it.Item().KeyCopy(nil), v[8:]
				break
			}
		}
		it.Close()
		if k == nil {
			pre := r.key("r/", box+"\x00")
			it := txn.NewIterator(badger.IteratorOptions{Prefix: pre})
			it.Seek(pre)
			if !it.ValidForPrefix(pre) {
				it.Close()
				return nil
			}
			rk := it.Item().KeyCopy(nil)
			v, err := it.Item().ValueCopy(nil)
			it.Close()
			if err != nil {
				return err
			}
			if err := txn.Delete(rk); err != nil {
				return err
			}
			k, reply = r.key("l/", string(rk[len(r.key("r/", "")):])), v
		}
		return r.setLease(txn, k, now.Add(lease), reply)
	})
	if err != nil || k == nil {
		return "", nil, false, err
	}
	return string(k), reply, true, nil
}

// SettleReply deletes the reply taken as key once written, or ends its
// lease so that the next pickup gets it.
func (r *Reliable) SettleReply(ctx context.Context, key string, written bool) error {
	k := []byte(key)
	if !bytes.HasPrefix(k, r.key("l/", "")) {
		return fmt.Errorf("settling reply %q: not a reply of this store", key)
	}
	return r.update(func(txn *badger.Txn) error {
		if written {
			return txn.Delete(k)
		}
		item, err := txn.Get(k)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil // settled already, or expired
		}
		if err != nil {
			return err
		}
		v, err := item.ValueCopy(nil)
		if err != nil || len(v) < 8 {
			return err
		}
		return r.setLease(txn, k, time.Time{}, v[8:])
	})
}

// setLease stores a taken reply under its lease key with its deadline.
func (r *Reliable) setLease(txn *badger.Txn, key []byte, deadline time.Time, reply []byte) error {
	v := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(reply)), uint64(deadline.UnixNano()))
	return txn.SetEntry(badger.NewEntry(key, append(v, reply...)).WithTTL(r.replyTTL))
}

// update runs fn in a transaction and returns once it is synced.
func (r *Reliable) update(fn func(txn *badger.Txn) error) error {
	if err := r.db.Update(fn); err != nil {
		return err
	}
	if !r.db.Opts().SyncWrites {
		return r.db.Sync()
	}
	return nil
}

// dropLegacy deletes what earlier versions of the driver kept and this
// store no longer does: the groups' SOAP versions among the engine
// records (now the engine's group Meta) and the delivery done marks (now
// unneeded: a delivery is enqueued with its engine records, and acked
// with its reply).
func (r *Reliable) dropLegacy() error {
	var legacy [][]byte
	err := r.db.View(func(txn *badger.Txn) error {
		for _, pre := range [][]byte{r.key("e/", "\x00v/"), r.key("d/", "")} {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: pre})
			for it.Seek(pre); it.ValidForPrefix(pre); it.Next() {
				legacy = append(legacy, it.Item().KeyCopy(nil))
			}
			it.Close()
		}
		return nil
	})
	if err != nil || len(legacy) == 0 {
		return err
	}
	wb := r.db.NewWriteBatch()
	defer wb.Cancel()
	for _, k := range legacy {
		if err := wb.Delete(k); err != nil {
			return err
		}
	}
	if err := wb.Flush(); err != nil {
		return err
	}
	return r.db.Sync()
}
