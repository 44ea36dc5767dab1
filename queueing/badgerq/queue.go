package badgerq

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/queueing"
)

// Queue is one durable queue stored under its own prefix of a badger DB.
// Its methods are safe for concurrent use. Every change goes through the
// queue's committer goroutine, which gathers concurrent calls into one
// badger transaction and one sync to disk (group commit).
type Queue struct {
	db         *badger.DB
	k          keys
	opts       queueing.Options
	seq        *badger.Sequence
	syncWrites bool  // the DB syncs on every commit; no extra Sync needed
	maxOps     int   // ops gathered into one transaction
	maxCost    int64 // estimated bytes gathered into one transaction (opCost)
	// valueThreshold is the DB's: values this large go to the value log
	// (valueCost).
	valueThreshold int64

	ops       chan *op
	closing   chan struct{} // closed by Close: no new ops
	stopped   chan struct{} // closed when the committer has returned
	closeOnce sync.Once

	// Counters, written by the committer only, read by Stats.
	length  atomic.Int64
	dead    atomic.Int64
	commits atomic.Uint64
	syncs   atomic.Uint64
	scanned atomic.Uint64 // index keys visited by scans, for tests
	lingers atomic.Uint64 // batches that lingered (commit.go), for tests

	sigMu sync.Mutex    // guards sig
	sig   chan struct{} // closed when messages may have become visible

	rnd    *rand.Rand // used by the committer only (backoff jitter)
	floors floors     // used by the committer only
	// sweepFrom is the expiry-index key the next sweep starts at; nil:
	// the front (sweep.go). Used by the committer only.
	sweepFrom []byte
	// held is the transaction of lazy ops applied and answered but not
	// yet committed (commitTxn); used by the committer only.
	held *batch
	// flushDelay is lazyFlushDelay (tests set it before their first call);
	// read by the committer.
	flushDelay time.Duration
	// lingerDelay is ackLinger (tests set it before their first call; 0:
	// acks never linger); read by the committer.
	lingerDelay time.Duration
	// producing: the last durable batch committed had an urgent op
	// (mayLinger); used by the committer only.
	producing bool
	// flushErr is what committing held writes by themselves failed with;
	// written by the committer, read by Close after it stopped.
	flushErr error
}

// Open opens the queue stored under prefix in db, starting its committer;
// Close stops it. The caller owns db and closes it after Close. prefix must
// not be empty, and no queue's prefix may be a prefix of another's (end
// them with a separator: "q/orders/"). One Queue per prefix at a time.
//
// Open the DB with SyncWrites true: see "Durability contract" in the
// package documentation for why, and for what SyncWrites false risks.
func Open(db *badger.DB, prefix string, opts queueing.Options) (*Queue, error) {
	if prefix == "" {
		return nil, errors.New("opening queue: empty prefix")
	}
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("opening queue %q: %w", prefix, err)
	}
	q := &Queue{
		db:          db,
		k:           keys{prefix: []byte(prefix)},
		opts:        opts.WithDefaults(),
		syncWrites:  db.Opts().SyncWrites,
		maxOps:      1024,
		flushDelay:  lazyFlushDelay,
		lingerDelay: ackLinger,
		closing:     make(chan struct{}),
		stopped:     make(chan struct{}),
		sig:         make(chan struct{}),
		rnd:         rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
	}
	q.maxCost = db.MaxBatchSize() / 2
	q.valueThreshold = db.Opts().ValueThreshold
	if need := opCost(q.opts.MaxBatch, int64(q.opts.MaxBatchBytes)); need > q.maxCost {
		return nil, fmt.Errorf("opening queue %q: a full batch (%d bytes estimated) does not fit a badger transaction (%d); lower MaxBatch or MaxBatchBytes, or raise the DB's MemTableSize",
			prefix, need, q.maxCost)
	}
	if q.opts.MaxMessageBytes > q.opts.MaxBatchBytes && q.valueThreshold > int64(q.opts.MaxBatchBytes) {
		return nil, fmt.Errorf("opening queue %q: a message of MaxMessageBytes (%d) is over MaxBatchBytes (%d) and under the DB's ValueThreshold (%d): it would fit no batch; lower MaxMessageBytes or the ValueThreshold",
			prefix, q.opts.MaxMessageBytes, q.opts.MaxBatchBytes, q.valueThreshold)
	}
	q.ops = make(chan *op, q.maxOps)
	if err := q.loadCounts(); err != nil {
		return nil, fmt.Errorf("opening queue %q: %w", prefix, err)
	}
	seq, err := db.GetSequence(q.k.seq(), 1000)
	if err != nil {
		return nil, fmt.Errorf("opening queue %q: sequence: %w", prefix, err)
	}
	q.seq = seq
	go q.run()
	return q, nil
}

func (q *Queue) loadCounts() error {
	return q.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(q.k.counts())
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error {
			d := decoder{b: v}
			l, dl := d.uvarint(), d.uvarint()
			if d.bad {
				return fmt.Errorf("decoding counts: %w", errCorrupt)
			}
			q.length.Store(int64(l))
			q.dead.Store(int64(dl))
			return nil
		})
	})
}

func encodeCounts(length, dead int64) []byte {
	b := binary.AppendUvarint(nil, uint64(length))
	return binary.AppendUvarint(b, uint64(dead))
}

// Close refuses new calls, commits those already submitted, stops the
// committer and releases the unused part of the ID sequence. It does not
// close the DB.
func (q *Queue) Close() error {
	var err error
	q.closeOnce.Do(func() {
		close(q.closing)
		<-q.stopped
		err = errors.Join(q.flushErr, q.seq.Release())
	})
	return err
}

// Stats is a snapshot of a queue's counters.
type Stats struct {
	Length      int // messages in the queue: ready, leased, delayed
	DeadLetters int
	Commits     uint64 // transactions committed since Open
	Syncs       uint64 // syncs to disk since Open (group commits)
}

// Stats returns the queue's counters.
func (q *Queue) Stats() Stats {
	return Stats{
		Length:      int(q.length.Load()),
		DeadLetters: int(q.dead.Load()),
		Commits:     q.commits.Load(),
		Syncs:       q.syncs.Load(),
	}
}

// Ready returns a channel that is closed once messages may have become
// visible after the call: an enqueue, a redrive, a group moving on to its
// next message or a nack without delay committed. Messages that become
// visible with the passing of time (a lease or a nack delay running out)
// close nothing, so a consumer waits on Ready and a timer, then Leases.
func (q *Queue) Ready() <-chan struct{} {
	q.sigMu.Lock()
	defer q.sigMu.Unlock()
	return q.sig
}

func (q *Queue) signal() {
	q.sigMu.Lock()
	defer q.sigMu.Unlock()
	close(q.sig)
	q.sig = make(chan struct{})
}

// now is the queue's clock in unix nanoseconds.
func (q *Queue) now() int64 { return q.opts.Now().UnixNano() }

// addDur adds d to a time in unix nanoseconds.
func addDur(ns int64, d time.Duration) int64 { return ns + int64(d) }

// submit hands o to the committer and waits for its outcome. If ctx ends
// after o was handed over, the outcome is unknown: o may still commit.
func (q *Queue) submit(ctx context.Context, o *op) error {
	select {
	case <-q.closing:
		return queueing.ErrClosed
	default:
	}
	select {
	case q.ops <- o:
	case <-ctx.Done():
		return ctx.Err()
	case <-q.closing:
		return queueing.ErrClosed
	}
	select {
	case err := <-o.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-q.stopped:
		select {
		case err := <-o.done:
			return err
		default:
			return queueing.ErrClosed
		}
	}
}

// LargestMessage returns the largest message body a queue with opts on db
// can take: MaxBatchBytes when the DB keeps bodies that large in its tree
// (below its ValueThreshold; an in-memory DB keeps them all there), else
// MaxMessageBytes (larger bodies go to the value log, see doc.go).
func LargestMessage(db *badger.DB, opts queueing.Options) int {
	opts = opts.WithDefaults()
	if db.Opts().ValueThreshold > int64(opts.MaxBatchBytes) {
		return min(opts.MaxMessageBytes, opts.MaxBatchBytes)
	}
	return opts.MaxMessageBytes
}
