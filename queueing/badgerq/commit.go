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
	ctx   context.Context      // the caller's; an op whose ctx ended is skipped
	apply func(b *batch) error // runs inside the batch's transaction
	cost  int64                // estimated transaction bytes, see opCost
	// durable: reply only after a sync to disk. Otherwise the op is lazy:
	// it is answered once applied, and its writes are committed with the
	// next durable op's, or within lazyFlushDelay (see held).
	durable bool
	// linger: a durable op that may wait for a producer's op to share its
	// sync (an ack; see linger). Only durable ops linger.
	linger bool
	done   chan error // buffered 1; receives the outcome once
}

func newOp(ctx context.Context, cost int64, durable bool, apply func(b *batch) error) *op {
	return &op{ctx: ctx, apply: apply, cost: cost, durable: durable, done: make(chan error, 1)}
}

// urgent tells a durable op that does not linger: its caller waits for
// the sync with nothing to gain from waiting longer (an enqueue).
func (o *op) urgent() bool { return o.durable && !o.linger }

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

// lazyFlushDelay bounds how long the writes of lazy ops (Lease, AckLazy,
// the sweep) wait in the held transaction for a durable op to carry them
// to disk before the committer commits them by themselves. (choice: 10ms,
// a few syncs' time; a shorter delay costs a sync per few deliveries when
// nothing is enqueued, a longer one only widens what a crash loses, which
// is redelivered.)
const lazyFlushDelay = 10 * time.Millisecond

// maxHeldWrites bounds the writes of the held transaction: past it, the
// batch that crossed it is committed rather than held. Each iterator badger
// opens in a transaction copies and sorts all its pending writes, and the
// committer opens a few per Lease and Ack. (choice: 256 writes, about 20
// leased and acked messages per sync when nothing else commits.)
const maxHeldWrites = 256

// run is the committer: it owns every write to the queue's keys.
func (q *Queue) run() {
	defer close(q.stopped)
	var tick <-chan time.Time
	if q.opts.SweepInterval > 0 {
		t := time.NewTicker(q.opts.SweepInterval)
		defer t.Stop()
		tick = t.C
	}
	flush := time.NewTimer(time.Hour)
	flush.Stop()
	defer flush.Stop()
	for {
		var flushC <-chan time.Time
		if q.held != nil {
			flushC = flush.C
		}
		wasHeld := q.held != nil
		select {
		case o := <-q.ops:
			ops := q.gather(o)
			if q.mayLinger(ops) {
				ops = q.linger(ops)
			}
			q.commit(ops)
			q.noteProducers(ops)
		case <-tick:
			q.commit([]*op{q.sweepOp()})
		case <-flushC:
			q.flushHeld()
		case <-q.closing:
			q.drain()
			q.flushHeld()
			return
		}
		if q.held != nil && !wasHeld {
			flush.Reset(q.flushDelay)
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
	return q.gatherMore([]*op{first})
}

// gatherMore adds to ops whatever is waiting, within bounds.
func (q *Queue) gatherMore(ops []*op) []*op {
	cost := opsCost(ops)
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

// ackLinger bounds how long a batch of acks waits for a producer's
// enqueue to share its sync (linger). (choice: 5ms, about one commit of
// a loaded disk's; it ends as soon as an enqueue comes, and only batches
// that come while producers are active wait.)
const ackLinger = 5 * time.Millisecond

// mayLinger tells whether ops, just gathered, should wait for more: their
// durable ops are all acks (none is urgent, at least one is durable), and
// the last durable batch committed had an urgent op, so producers are
// active and their next enqueue is due. A consumer acking as it delivers
// then shares the producers' syncs instead of paying one of its own for
// every few acks, which their enqueues waited behind (each sync also
// costs CPU: badger msyncs its whole memtable log). Once producers stop,
// at most one batch lingers: it commits without an urgent op.
func (q *Queue) mayLinger(ops []*op) bool {
	if q.lingerDelay <= 0 || !q.producing {
		return false
	}
	durable := false
	for _, o := range ops {
		if o.urgent() {
			return false
		}
		durable = durable || o.durable
	}
	return durable
}

// linger adds to ops the ops that come until an urgent one does (then
// whatever else is waiting), the batch is full, q.lingerDelay passes, or
// Close begins. Each op still returns only once its batch is synced: a
// lingering ack is answered later, never before it is on disk. Lazy ops
// that come meanwhile (leases) wait with the batch, at most lingerDelay.
func (q *Queue) linger(ops []*op) []*op {
	q.lingers.Add(1)
	t := time.NewTimer(q.lingerDelay)
	defer t.Stop()
	cost := opsCost(ops)
	for len(ops) < q.maxOps && cost < q.maxCost {
		select {
		case o := <-q.ops:
			ops = append(ops, o)
			cost += o.cost
			if o.urgent() {
				return q.gatherMore(ops)
			}
		case <-t.C:
			return ops
		case <-q.closing:
			return ops
		}
	}
	return ops
}

// noteProducers records, after ops were committed, whether producers are
// active (mayLinger): a batch with a durable op tells, one of lazy ops
// only does not.
func (q *Queue) noteProducers(ops []*op) {
	durable, urgent := false, false
	for _, o := range ops {
		durable = durable || o.durable
		urgent = urgent || o.urgent()
	}
	if durable {
		q.producing = urgent
	}
}

// commit applies ops in one transaction and replies to each. If the
// transaction as a whole fails before committing (too big, say), each op
// is retried in a transaction of its own.
func (q *Queue) commit(ops []*op) {
	if q.held != nil && q.held.cost+opsCost(ops) > q.maxCost {
		q.flushHeld() // the batch goes on in a transaction of its own
	}
	errs, committed, err := q.commitTxn(ops)
	if err != nil {
		q.failed()
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

func opsCost(ops []*op) int64 {
	var c int64
	for _, o := range ops {
		c += o.cost
	}
	return c
}

// commitTxn applies ops to the held transaction (or a new one) and, if
// any of them is durable (or lazy writes must be seen at once, see
// batch.mustCommit), commits it and syncs once; else it keeps the
// transaction as the held one, its ops answered. It returns each op's own
// error; err fails all of them, committed tells whether the transaction
// committed (or was kept) before err.
func (q *Queue) commitTxn(ops []*op) (errs []error, committed bool, err error) {
	b := q.held
	q.held = nil
	var mark heldMark // what the held ops wrote, answered already
	if b == nil {
		b = q.newBatch()
	} else {
		mark = heldMark{held: true, writes: len(b.txn.writes), length: b.length, dead: b.dead}
		b.now, b.readied = q.now(), false
	}
	keep := false
	defer func() {
		if !keep {
			b.txn.Discard()
		}
	}()
	errs = make([]error, len(ops))
	durable := false
	for i, o := range ops {
		if err := o.ctx.Err(); err != nil {
			errs[i] = err // the caller is gone: do not lease for no one
			continue
		}
		e := o.apply(b)
		if e != nil && !isOpError(e) {
			if mark.held {
				e = errors.Join(e, q.salvage(b, mark))
			}
			return nil, false, e
		}
		errs[i] = e
		durable = durable || (e == nil && o.durable)
		b.cost += o.cost
	}
	if !durable && !b.mustCommit && len(b.txn.writes) < maxHeldWrites {
		if !b.txn.dirty() {
			return errs, true, nil // nothing to hold
		}
		keep = true
		q.held = b
		q.length.Store(b.length)
		if b.readied {
			q.signal() // a Lease, through the committer, sees the held writes
		}
		return errs, true, nil
	}
	if err := q.commitBatch(b); err != nil {
		return nil, !errors.Is(err, errNotCommitted), err
	}
	return errs, true, nil
}

// heldMark is where the held transaction's answered lazy ops ended, when
// a batch is applied to it.
type heldMark struct {
	held         bool
	writes       int
	length, dead int64
}

// salvage commits, in a transaction of their own, the writes that b's
// held part made (its lazy ops, answered already), when a batch applied to
// b failed: they are not lost with it (a lost lazy ack would be delivered
// again while its consumer was told it was done).
func (q *Queue) salvage(b *batch, mark heldMark) error {
	s := q.newBatch()
	defer s.txn.Discard()
	s.diskLength, s.diskDead = b.diskLength, b.diskDead
	s.length, s.dead = mark.length, mark.dead
	if err := s.txn.replay(b.txn.writes[:mark.writes]); err != nil {
		return fmt.Errorf("salvaging lazy writes: %w", err)
	}
	if err := q.commitBatch(s); err != nil {
		return fmt.Errorf("salvaging lazy writes: %w", err)
	}
	return nil
}

// flushHeld commits the held transaction, if any, and syncs it: the lazy
// writes it carries are then on disk.
func (q *Queue) flushHeld() {
	b := q.held
	if b == nil {
		return
	}
	q.held = nil
	defer b.txn.Discard()
	if err := q.commitBatch(b); err != nil {
		q.failed()
		q.flushErr = errors.Join(q.flushErr, fmt.Errorf("committing lazy writes: %w", err))
	}
}

// errNotCommitted wraps a commit that failed before anything was written.
var errNotCommitted = errors.New("not committed")

// commitBatch writes b's counters, commits its transaction and syncs it.
// An error wrapping errNotCommitted left nothing written.
func (q *Queue) commitBatch(b *batch) error {
	if b.length != b.diskLength || b.dead != b.diskDead {
		if err := b.txn.Set(q.k.counts(), encodeCounts(b.length, b.dead)); err != nil {
			return fmt.Errorf("writing counts: %w: %w", errNotCommitted, err)
		}
	}
	if err := b.txn.Commit(); err != nil {
		return fmt.Errorf("committing: %w: %w", errNotCommitted, err)
	}
	q.length.Store(b.length)
	q.dead.Store(b.dead)
	q.commits.Add(1)
	if b.readied {
		defer q.signal() // after the sync: Lease sees what was signalled
	}
	q.syncs.Add(1) // by this Sync, or by the commit if the DB syncs writes
	if !q.syncWrites {
		if err := q.db.Sync(); err != nil {
			return fmt.Errorf("syncing: %w", err)
		}
	}
	return nil
}

// failed resets what the committer keeps in memory after a transaction
// failed: the floors (they may reflect its deletes), the sweep's resume
// key, and the counters,
// read again from disk (the failed transaction may have carried lazy
// writes already answered: they are lost, as at a crash).
func (q *Queue) failed() {
	q.floors.reset()
	q.sweepFrom = nil
	if err := q.loadCounts(); err != nil {
		q.flushErr = errors.Join(q.flushErr, fmt.Errorf("reloading counts: %w", err))
	}
}
