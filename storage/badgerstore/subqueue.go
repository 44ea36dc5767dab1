package badgerstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/queueing/badgerq"
)

// SubscriptionQueue keeps the deliveries of the broker's durable
// subscriptions (wsnotify.Queue) in one badgerq queue, one FIFO group per
// subscription, under the prefix P (default "wsnq/"):
//
//	P q/...        the queue (queueing/badgerq)
//	P m/<mark>     a Notify handed over by the broker's WS-RM destination
//	               and published (badger TTL: MarkTTL)
//
// (choice) One queue with a group per subscription rather than a queue per
// subscription: a badgerq queue has a committer goroutine, a channel and
// a sequence lease of its own, so a queue per subscription would cost
// memory and goroutines per subscription and one commit and sync per
// subscription a Notify reaches; one queue keeps nothing per group in
// memory (a group is a few keys: its members and a record), and a
// Notify's deliveries to every durable subscription are one transaction
// and one sync, shared besides with the concurrent Notifies (group
// commit). A group gives what a subscription's queue needs: order (one
// leased at a time), pause (Hold), a bound (Keep: the oldest to the dead
// letters) and deletion (DropGroup).
type SubscriptionQueue struct {
	*badgerq.Queue
	db      *badger.DB
	prefix  []byte
	markTTL time.Duration
	maxTxn  int64 // bytes of one Append's part (a badger transaction's limit, halved)
	maxMsgs int   // messages of one Append's part (the queue's MaxBatch)
}

// SubscriptionQueueOptions configure a SubscriptionQueue.
type SubscriptionQueueOptions struct {
	// Prefix of its keys; default "wsnq/".
	Prefix string
	// Queue are the queue's options. MaxAttempts defaults to unlimited
	// (the broker gives up a message itself, by its subscription's terms).
	Queue queueing.Options
	// MarkTTL is how long a mark is kept; default 24h.
	MarkTTL time.Duration
}

// OpenSubscriptionQueue opens the queue in db (opened with SyncWrites)
// and starts its committer; Close stops it. One process owns the DB, so
// every lease found is an earlier process's: they are released at once.
func OpenSubscriptionQueue(ctx context.Context, db *badger.DB, opts SubscriptionQueueOptions) (*SubscriptionQueue, error) {
	if opts.Prefix == "" {
		opts.Prefix = "wsnq/"
	}
	if opts.MarkTTL <= 0 {
		opts.MarkTTL = 24 * time.Hour
	}
	if opts.Queue.MaxAttempts == 0 {
		opts.Queue.MaxAttempts = -1
	}
	q, err := badgerq.Open(db, opts.Prefix+"q/", opts.Queue)
	if err != nil {
		return nil, fmt.Errorf("opening the subscription queue: %w", err)
	}
	if _, err := q.ReleaseLeases(ctx); err != nil {
		q.Close()
		return nil, fmt.Errorf("opening the subscription queue: releasing leases: %w", err)
	}
	return &SubscriptionQueue{Queue: q, db: db, prefix: []byte(opts.Prefix), markTTL: opts.MarkTTL,
		maxTxn: db.MaxBatchSize() / 2, maxMsgs: opts.Queue.WithDefaults().MaxBatch}, nil
}

func (s *SubscriptionQueue) markKey(mark string) []byte {
	return append(append(append([]byte{}, s.prefix...), "m/"...), mark...)
}

// Append enqueues msgs and records mark, synced, in one transaction when
// they fit one (a Notify reaching up to the queue's MaxBatch durable
// subscriptions, within a transaction's size); a larger one is written in
// parts, submitted together so that they share the queue's group commit,
// and the mark with the last of them once all are on disk.
func (s *SubscriptionQueue) Append(ctx context.Context, msgs []queueing.Message, mark string) error {
	var writes []badgerq.Write
	if mark != "" {
		writes = []badgerq.Write{{Key: s.markKey(mark), Value: []byte{1}, TTL: s.markTTL}}
	}
	parts := s.split(msgs)
	if len(parts) <= 1 {
		var part []queueing.Message
		if len(parts) == 1 {
			part = parts[0]
		}
		_, err := s.EnqueueWith(ctx, part, writes)
		return err
	}
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, p := range parts {
		wg.Go(func() { _, errs[i] = s.EnqueueWith(ctx, p, nil) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	_, err := s.EnqueueWith(ctx, nil, writes)
	return err
}

// split cuts msgs into parts of at most maxMsgs messages and about maxTxn
// bytes (a message's keys counted as 512 bytes, as badgerq does).
func (s *SubscriptionQueue) split(msgs []queueing.Message) [][]queueing.Message {
	var parts [][]queueing.Message
	for len(msgs) > 0 {
		n, size := 0, int64(0)
		for n < len(msgs) && n < s.maxMsgs {
			c := int64(len(msgs[n].Body)) + 512
			if n > 0 && size+c > s.maxTxn {
				break
			}
			size += c
			n++
		}
		parts = append(parts, msgs[:n])
		msgs = msgs[n:]
	}
	return parts
}

// Marked reports whether mark was recorded and has not expired.
func (s *SubscriptionQueue) Marked(ctx context.Context, mark string) (bool, error) {
	found := false
	err := s.db.View(func(txn *badger.Txn) error {
		_, err := txn.Get(s.markKey(mark))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		found = err == nil
		return err
	})
	return found, err
}
