package badgerq

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wsgw/wsgw/queueing"
)

// op is one call waiting for the committer.
type op struct {
	ctx     context.Context      // the caller's; an op whose ctx ended is skipped
	apply   func(b *batch) error // runs inside the batch's transaction
	cost    int64                // estimated transaction bytes, see opCost
	durable bool                 // reply only after a sync to disk
	done    chan error           // buffered 1; receives the outcome once
}

func newOp(ctx context.Context, cost int64, durable bool, apply func(b *batch) error) *op {
	return &op{ctx: ctx, apply: apply, cost: cost, durable: durable, done: make(chan error, 1)}
}

// opCost estimates the transaction bytes of an op on items messages with
// bodies of bodyBytes (as valueCost counts them): each message writes or
// deletes a few keys.
func opCost(items int, bodyBytes int64) int64 { return bodyBytes + 512*int64(items) }

// valueCost is what a value of n bytes costs a transaction, as badger
// counts it (Entry.estimateSize): n when it is stored in the tree, a
// pointer when it is at or over the DB's ValueThreshold and goes to the
// value log. So large messages do not make a transaction too big; many
// small ones are bounded by MaxBatchBytes.
func (q *Queue) valueCost(n int) int64 {
	if int64(n) >= q.valueThreshold {
		return valuePointerCost
	}
	return int64(n)
}

// valuePointerCost is a value-log pointer and its metas (badger: 12 + 2),
// rounded up.
const valuePointerCost = 16

// isOpError tells an error that fails one op (which then wrote nothing)
// from one that fails the whole transaction.
func isOpError(err error) bool {
	return errors.Is(err, queueing.ErrQueueFull) || errors.Is(err, queueing.ErrTooLarge) ||
		errors.Is(err, queueing.ErrNotFound)
}

// run is the committer: it owns every write to the queue's keys.
func (q *Queue) run() {
	defer close(q.stopped)
	var tick <-chan time.Time
	if q.opts.SweepInterval > 0 {
		t := time.NewTicker(q.opts.SweepInterval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case o := <-q.ops:
			q.commit(q.gather(o))
		case <-tick:
			q.commit([]*op{q.sweepOp()})
		case <-q.closing:
			q.drain()
			return
		}
	}
}

// drain commits the ops submitted before Close.
func (q *Queue) drain() {
	for {
		select {
		case o := <-q.ops:
			q.commit(q.gather(o))
		default:
			return
		}
	}
}

// gather takes first and whatever else is waiting, within bounds. Ops
// pile up while the previous batch syncs: that is the group commit.
func (q *Queue) gather(first *op) []*op {
	ops := []*op{first}
	cost := first.cost
	for len(ops) < q.maxOps && cost < q.maxCost {
		select {
		case o := <-q.ops:
			ops = append(ops, o)
			cost += o.cost
		default:
			return ops
		}
	}
	return ops
}

// commit applies ops in one transaction and replies to each. If the
// transaction as a whole fails before committing (too big, say), each op
// is retried in a transaction of its own.
func (q *Queue) commit(ops []*op) {
	errs, committed, err := q.commitTxn(ops)
	if err != nil {
		q.floors.reset()
	}
	switch {
	case err == nil:
		for i, o := range ops {
			o.done <- errs[i]
		}
	case committed || len(ops) == 1:
		for _, o := range ops {
			o.done <- err
		}
	default:
		for _, o := range ops {
			q.commit([]*op{o})
		}
	}
}

// commitTxn runs ops in one transaction, commits it and, if any op asks
// for durability, syncs once. It returns each op's own error; err fails all
// of them, committed tells whether the transaction committed before err.
func (q *Queue) commitTxn(ops []*op) (errs []error, committed bool, err error) {
	b := q.newBatch()
	defer b.txn.Discard()
	errs = make([]error, len(ops))
	durable := false
	for i, o := range ops {
		if err := o.ctx.Err(); err != nil {
			errs[i] = err // the caller is gone: do not lease for no one
			continue
		}
		e := o.apply(b)
		if e != nil && !isOpError(e) {
			return nil, false, e
		}
		errs[i] = e
		durable = durable || (e == nil && o.durable)
	}
	if b.length != q.length.Load() || b.dead != q.dead.Load() {
		if err := b.txn.Set(q.k.counts(), encodeCounts(b.length, b.dead)); err != nil {
			return nil, false, fmt.Errorf("writing counts: %w", err)
		}
	}
	if err := b.txn.Commit(); err != nil {
		return nil, false, fmt.Errorf("committing: %w", err)
	}
	q.length.Store(b.length)
	q.dead.Store(b.dead)
	q.commits.Add(1)
	if b.readied {
		defer q.signal() // after the sync: Lease sees what was signalled
	}
	if durable {
		q.syncs.Add(1) // by this Sync, or by the commit if the DB syncs writes
	}
	if durable && !q.syncWrites {
		if err := q.db.Sync(); err != nil {
			return nil, true, fmt.Errorf("syncing: %w", err)
		}
	}
	return errs, true, nil
}
