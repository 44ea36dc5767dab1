package natsstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/wsreliable"
)

// The engine records of a reliable service (driver.Journal): bucket
// P_rec, key "s.{shard}.{base64url(key)}" for a record of a scope (its
// shard: ShardOf(Record.Scope)), "n.{node}.{base64url(key)}" for a node's
// own records (no scope). Every write is conditioned on the revision of
// the key this node last read or wrote (compare-and-set: the stream's
// expected last subject sequence, 0 for a key it has not seen), and the
// records of one Commit are one atomic batch (JetStream atomic batch
// publish, nats-server 2.12+): a node that wrote from a stale view of a
// group or sequence (another took its shard meanwhile) fails as a whole,
// and the driver reloads. Deletes are purge markers removed after
// markerTTL.

// revisions are the revisions of the keys this node knows, by shard (-1
// for its own records): the expected last sequences of its writes.
type revisions struct {
	mu sync.Mutex // guards by
	by map[int]map[string]uint64
}

func newRevisions() *revisions { return &revisions{by: map[int]map[string]uint64{}} }

func (rv *revisions) get(shard int, key string) uint64 {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return rv.by[shard][key]
}

// set records key's revision (0: forget it).
func (rv *revisions) set(shard int, key string, rev uint64) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	m := rv.by[shard]
	if m == nil {
		m = map[string]uint64{}
		rv.by[shard] = m
	}
	if rev == 0 {
		delete(m, key)
		return
	}
	m[key] = rev
}

// reset replaces shard's revisions (a fresh read).
func (rv *revisions) reset(shard int, m map[string]uint64) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	if m == nil {
		delete(rv.by, shard)
		return
	}
	rv.by[shard] = m
}

const ownShard = -1

// recordKey is the bucket key of an engine record key in shard (ownShard:
// this node's own).
func (r *Reliable) recordKey(shard int, key string) string {
	if shard == ownShard {
		return "n." + r.o.Node + "." + encodeKey(key)
	}
	return "s." + strconv.Itoa(shard) + "." + encodeKey(key)
}

// shardOfScope is the shard of a record of scope ("": ownShard).
func (r *Reliable) shardOfScope(scope string) int {
	if scope == "" {
		return ownShard
	}
	return r.ShardOf(scope)
}

// Records implements driver.Journal: this node's own records and those of
// the shards it holds.
func (r *Reliable) Records(ctx context.Context) ([]wsreliable.Record, error) {
	recs, err := r.readShard(ctx, ownShard)
	if err != nil {
		return nil, err
	}
	for _, s := range r.m.held() {
		more, err := r.readShard(ctx, s)
		if err != nil {
			return nil, err
		}
		recs = append(recs, more...)
	}
	return recs, nil
}

// ShardRecords implements driver.Shards.
func (r *Reliable) ShardRecords(ctx context.Context, s int) ([]wsreliable.Record, error) {
	if !r.m.holds(s) {
		return nil, fmt.Errorf("natsstore: reading shard %d: %w", s, errNotHeld)
	}
	return r.readShard(ctx, s)
}

// readShard reads shard's records (a watch's initial values, once the
// bucket's replicas caught up) and resets its revisions to theirs, the
// purge markers' included (a key deleted and written again).
func (r *Reliable) readShard(ctx context.Context, shard int) ([]wsreliable.Record, error) {
	ctx, cancel := r.call(ctx)
	defer cancel()
	if err := r.caughtUp(ctx, r.records); err != nil {
		return nil, err
	}
	prefix := strings.TrimSuffix(r.recordKey(shard, "x"), encodeKey("x"))
	w, err := r.records.Watch(ctx, prefix+">")
	if err != nil {
		return nil, fmt.Errorf("natsstore: reading records: %w", err)
	}
	defer w.Stop() //nolint:errcheck // done reading
	var recs []wsreliable.Record
	revs := map[string]uint64{}
	for {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("natsstore: reading records: %w", ctx.Err())
		case e, ok := <-w.Updates():
			if !ok {
				return nil, errors.New("natsstore: reading records: the watch ended")
			}
			if e == nil {
				r.revs.reset(shard, revs)
				return recs, nil
			}
			revs[e.Key()] = e.Revision()
			if e.Operation() != jetstream.KeyValuePut {
				continue
			}
			key, err := decodeKey(strings.TrimPrefix(e.Key(), prefix))
			if err != nil {
				return nil, fmt.Errorf("natsstore: reading records: key %q: %w", e.Key(), err)
			}
			recs = append(recs, wsreliable.Record{Key: key, Value: e.Value()})
		}
	}
}

// write is one record write of a Commit.
type write struct {
	shard int
	key   string // bucket key
	value []byte // nil: delete
}

// Commit implements driver.Journal: the deliveries first, each once (see
// doc.go: a crash, or a refusal, between the two leaves deliveries whose
// records are not written; a retransmission makes them again under the
// same ID, which the stream drops), then the records in one atomic batch.
func (r *Reliable) Commit(ctx context.Context, recs []wsreliable.Record, deliveries []queueing.Message) error {
	ctx, cancel := r.call(ctx)
	defer cancel()
	writes, err := r.writes(recs)
	if err != nil {
		return err
	}
	if err := r.enqueue(ctx, deliveries); err != nil {
		return err
	}
	return r.writeRecords(ctx, writes)
}

// writes maps recs onto bucket writes, one per key (the last value of a
// key wins: an atomic batch takes one condition per subject), refusing a
// record of a shard this node does not hold.
func (r *Reliable) writes(recs []wsreliable.Record) ([]write, error) {
	var out []write
	at := map[string]int{}
	for _, rec := range recs {
		shard := r.shardOfScope(rec.Scope)
		if shard != ownShard && !r.m.holds(shard) {
			return nil, fmt.Errorf("%w: %q of shard %d", errNotHeld, rec.Key, shard)
		}
		w := write{shard: shard, key: r.recordKey(shard, rec.Key), value: rec.Value}
		if i, ok := at[w.key]; ok {
			out[i] = w
			continue
		}
		at[w.key] = len(out)
		out = append(out, w)
	}
	return out, nil
}

// writeRecords writes ws, each conditioned on its key's revision: one
// record alone, more in atomic batches of at most maxBatch (the server's
// limit: beyond it a Commit is written in parts, each atomic).
func (r *Reliable) writeRecords(ctx context.Context, ws []write) error {
	for len(ws) > 0 {
		n := min(len(ws), maxBatch)
		msgs := make([]*nats.Msg, n)
		for i, w := range ws[:n] {
			msgs[i] = r.recordMsg(w)
		}
		first, err := r.publishBatch(ctx, msgs)
		if isWrongLastSequence(err) {
			return fmt.Errorf("natsstore: writing records: %w: %v", ErrConflict, err)
		}
		if err != nil {
			return fmt.Errorf("natsstore: writing records: %w", err)
		}
		for i, w := range ws[:n] {
			if w.value == nil {
				r.revs.set(w.shard, w.key, 0) // written again only after a fresh read
			} else {
				r.revs.set(w.shard, w.key, first+uint64(i))
			}
		}
		ws = ws[n:]
	}
	return nil
}

// ErrConflict: a record changed since this node read it (another node
// wrote it: it took the shard).
var ErrConflict = errors.New("a record changed since it was read")

// recordMsg is w as a message on the bucket's stream: a value, or a purge
// marker (KV-Operation PURGE, rolling the subject up) removed after
// markerTTL; conditioned on the key's revision.
func (r *Reliable) recordMsg(w write) *nats.Msg {
	m := nats.NewMsg("$KV." + r.records.Bucket() + "." + w.key)
	m.Data = w.value
	if w.value == nil {
		m.Header.Set("KV-Operation", "PURGE")
		m.Header.Set(jetstream.MsgRollup, jetstream.MsgRollupSubject)
		m.Header.Set("Nats-TTL", markerTTL.String())
	}
	m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(r.revs.get(w.shard, w.key), 10))
	return m
}

// enqueue publishes the deliveries, each on its shard's subject with its
// DedupKey as Nats-Msg-Id, and returns once the stream acknowledged every
// one; queueing.ErrQueueFull when the stream is full.
func (r *Reliable) enqueue(ctx context.Context, deliveries []queueing.Message) error {
	futures := make([]jetstream.PubAckFuture, 0, len(deliveries))
	for _, d := range deliveries {
		m := nats.NewMsg(r.queueSubject(r.ShardOf(d.Group)))
		m.Data = d.Body
		m.Header.Set(groupHeader, d.Group)
		if d.DedupKey != "" {
			m.Header.Set(jetstream.MsgIDHeader, d.DedupKey)
		}
		f, err := r.js.PublishMsgAsync(m, jetstream.WithRetryAttempts(0))
		if err != nil {
			return fmt.Errorf("natsstore: enqueueing: %w", err)
		}
		futures = append(futures, f)
	}
	added := 0
	for _, f := range futures {
		select {
		case ack := <-f.Ok():
			if !ack.Duplicate {
				added++
			}
		case err := <-f.Err():
			r.q.addWaiting(added)
			if isStreamFull(err) {
				return fmt.Errorf("natsstore: enqueueing: %w", queueing.ErrQueueFull)
			}
			return fmt.Errorf("natsstore: enqueueing: %w", err)
		case <-ctx.Done():
			r.q.addWaiting(added)
			return fmt.Errorf("natsstore: enqueueing: %w", ctx.Err())
		}
	}
	r.q.addWaiting(added)
	return nil
}

// groupHeader carries a delivery's queue group (queueing.Message.Group).
const groupHeader = "Wsgw-Queue-Group"

// isStreamFull: the stream refused a message beyond its MaxMsgs
// (DiscardNew).
func isStreamFull(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeStoreFailed &&
		strings.Contains(apiErr.Description, "maximum messages")
}

// errCodeStoreFailed is JetStream's JSStreamStoreFailedF (nats.go has no
// constant for it).
const errCodeStoreFailed jetstream.ErrorCode = 10077

// maxBatch is the most messages in one atomic batch (nats-server's
// default JetStream limit).
const maxBatch = 1000

// publishBatch publishes msgs to one stream as a whole (one message: a
// plain publish) and returns the stream sequence of the first. A batch
// is JetStream's atomic batch publish: each message carries the batch's
// ID and its place, the last one the commit; the server stores them all
// or none, and answers the commit with the last one's sequence and the
// count. A stream that no server answers for yet (just made) is tried
// again until ctx ends.
func (r *Reliable) publishBatch(ctx context.Context, msgs []*nats.Msg) (uint64, error) {
	for {
		first, err := r.publishBatchOnce(ctx, msgs)
		if !errors.Is(err, nats.ErrNoResponders) {
			return first, err
		}
		select {
		case <-ctx.Done():
			return 0, err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (r *Reliable) publishBatchOnce(ctx context.Context, msgs []*nats.Msg) (uint64, error) {
	if len(msgs) == 1 {
		ack, err := r.js.PublishMsg(ctx, msgs[0], jetstream.WithRetryAttempts(0))
		if err != nil {
			return 0, err
		}
		return ack.Sequence, nil
	}
	id := nuid.Next()
	for i, m := range msgs {
		m.Header.Set("Nats-Batch-Id", id)
		m.Header.Set("Nats-Batch-Sequence", strconv.Itoa(i+1))
		if i < len(msgs)-1 {
			if err := r.nc.PublishMsg(m); err != nil {
				return 0, err
			}
		}
	}
	last := msgs[len(msgs)-1]
	last.Header.Set("Nats-Batch-Commit", "1")
	resp, err := r.nc.RequestMsgWithContext(ctx, last)
	if err != nil {
		return 0, err
	}
	var ack batchAck
	if err := json.Unmarshal(resp.Data, &ack); err != nil {
		return 0, fmt.Errorf("reading the batch's acknowledgement: %w", err)
	}
	if ack.Error != nil {
		return 0, ack.Error
	}
	if ack.Count != len(msgs) || ack.Seq < uint64(len(msgs)) {
		return 0, fmt.Errorf("the batch's acknowledgement counts %d messages up to %d, want %d", ack.Count, ack.Seq, len(msgs))
	}
	return ack.Seq - uint64(len(msgs)) + 1, nil
}

// batchAck is the server's answer to a batch's commit.
type batchAck struct {
	Stream string              `json:"stream"`
	Seq    uint64              `json:"seq"`
	Count  int                 `json:"count"`
	Error  *jetstream.APIError `json:"error,omitempty"`
}
