package bench

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/queueing/badgerq"
	"github.com/wsgw/wsgw/storage/badgerstore"
)

// Durable measures durable enqueue on the wsgw side: a badgerq queue on a
// fresh badger store opened with SyncWrites (as `wsgw serve` opens the
// node's store), in a new directory under dataDir ("": the system's
// temporary directory), removed afterwards. Run the peer's store on the
// same disk for a fair comparison.
func Durable(ctx context.Context, l Load, dataDir string) (Result, error) {
	if err := l.Validate(); err != nil {
		return Result{}, err
	}
	dir, err := os.MkdirTemp(dataDir, "wsgw-bench-")
	if err != nil {
		return Result{}, fmt.Errorf("creating the store directory: %w", err)
	}
	defer os.RemoveAll(dir)
	db, err := badger.Open(badgerstore.Options(dir, badgerstore.Uses{Reliable: 1}).WithLogger(nil))
	if err != nil {
		return Result{}, fmt.Errorf("opening badger in %s: %w", dir, err)
	}
	res, err := durableRun(ctx, l, db)
	if cerr := db.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("closing badger: %w", cerr)
	}
	return res, err
}

// durableRun enqueues l into a new queue of db, one Enqueue per message.
func durableRun(ctx context.Context, l Load, db *badger.DB) (Result, error) {
	q, err := badgerq.Open(db, "q/bench/", queueing.Options{
		MaxMessageBytes: max(l.Size, 256<<10),
		MaxLength:       max(l.Messages, 1_000_000),
		SweepInterval:   -1,
	})
	if err != nil {
		return Result{}, err
	}
	res, err := drive(ctx, l, func(ctx context.Context, _ int, body []byte) error {
		_, err := q.Enqueue(ctx, queueing.Message{Body: body})
		return err
	})
	stats := q.Stats()
	if cerr := q.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("closing the queue: %w", cerr))
	}
	if err != nil {
		return Result{}, err
	}
	res.System = "wsgw badgerq (badger v4, SyncWrites)"
	res.Syncs = stats.Syncs
	if n := stats.Length; n != l.Messages {
		return Result{}, fmt.Errorf("queue holds %d messages after the run, want %d", n, l.Messages)
	}
	return res, nil
}
