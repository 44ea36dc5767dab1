package natsstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/wsgw/wsgw/queueing"
)

// The delivery queue of a reliable service (driver.Queue): work-queue
// stream P_Q, a delivery on subject P.q.{shard} (its queue group's shard)
// with its DedupKey as Nats-Msg-Id. Shard s is taken through durable
// consumer P_q{s} with MaxAckPending 1, by the node holding the shard
// only (OpenShard): a puller fetches its next delivery, Lease hands it
// out and extends its lease (in-progress acknowledgements every AckWait/3)
// until the lease's visibility ends; Ack is a double (confirmed)
// acknowledgement, Nack a negative one with the delay; a delivery
// delivered MaxAttempts times goes to the dead-letter stream P_D instead
// (the adapter counts deliveries: a consumer's MaxDeliver would leave it
// in the work queue for ever).

// pullWait bounds one fetch of a shard's puller.
const pullWait = 2 * time.Second

// queueState is the node's side of the delivery queue.
type queueState struct {
	consumers []jetstream.Consumer // by shard; set by Open

	mu      sync.Mutex // guards the fields below
	pullers []context.CancelFunc
	// fetched are the deliveries pulled and not yet leased, leased those
	// handed out; by stream sequence.
	fetched map[uint64]*pulled
	leased  map[uint64]*pulled
	ready   chan struct{} // closed when a delivery is fetched
	// waiting and dead are the stream's messages as last counted (Len),
	// waiting moved by this node's enqueues and acknowledgements between
	// two counts.
	waiting, dead int
}

// pulled is a delivery fetched from a shard.
type pulled struct {
	msg      jetstream.Msg
	meta     *jetstream.MsgMetadata
	shard    int
	deadline time.Time // leased until; zero while fetched
}

func newQueueState(shards int) *queueState {
	return &queueState{consumers: make([]jetstream.Consumer, shards), pullers: make([]context.CancelFunc, shards),
		fetched: map[uint64]*pulled{}, leased: map[uint64]*pulled{}, ready: make(chan struct{})}
}

func (q *queueState) addWaiting(n int) {
	q.mu.Lock()
	q.waiting += n
	q.mu.Unlock()
}

// OpenShard implements driver.Shards: shard s's puller starts.
func (r *Reliable) OpenShard(s int) {
	q := r.q
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.pullers[s] != nil || r.ctx.Err() != nil {
		return
	}
	ctx, cancel := context.WithCancel(r.ctx)
	q.pullers[s] = cancel
	r.wg.Go(func() { r.pull(ctx, s) })
}

// CloseShard implements driver.Shards: shard s's puller stops, and what
// it fetched and nobody leased goes back to the stream at once.
func (r *Reliable) CloseShard(s int) {
	q := r.q
	q.mu.Lock()
	if q.pullers[s] != nil {
		q.pullers[s]()
		q.pullers[s] = nil
	}
	var back []*pulled
	for seq, p := range q.fetched {
		if p.shard == s {
			back = append(back, p)
			delete(q.fetched, seq)
		}
	}
	q.mu.Unlock()
	for _, p := range back {
		p.msg.Nak() //nolint:errcheck // else sent again after AckWait
	}
}

// pull fetches shard s's deliveries, one at a time (MaxAckPending 1),
// until ctx ends.
func (r *Reliable) pull(ctx context.Context, s int) {
	c := r.q.consumers[s]
	for ctx.Err() == nil {
		fctx, cancel := context.WithTimeout(ctx, pullWait)
		batch, err := c.Fetch(1, jetstream.FetchContext(fctx))
		if err == nil {
			for m := range batch.Messages() {
				r.take(ctx, s, m)
			}
			err = batch.Error()
		}
		cancel()
		if err != nil && ctx.Err() == nil && !isFetchTimeout(err) {
			r.log("fetching deliveries", "shard", s, "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(500 * time.Millisecond):
			}
		}
	}
}

func isFetchTimeout(err error) bool {
	return errors.Is(err, nats.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, jetstream.ErrNoHeartbeat)
}

// take keeps m, fetched from shard s, for Lease, or sends it to the dead
// letters when it has been delivered MaxAttempts times already.
func (r *Reliable) take(ctx context.Context, s int, m jetstream.Msg) {
	md, err := m.Metadata()
	if err != nil {
		r.log("a delivery without metadata", "shard", s, "err", err)
		m.Nak() //nolint:errcheck
		return
	}
	if maxAttempts := r.o.Queue.MaxAttempts; maxAttempts > 0 && int(md.NumDelivered) > maxAttempts {
		r.deadLetter(ctx, &pulled{msg: m, meta: md, shard: s}, queueing.ReasonMaxAttempts)
		return
	}
	q := r.q
	q.mu.Lock()
	defer q.mu.Unlock()
	if ctx.Err() != nil { // closed meanwhile
		m.Nak() //nolint:errcheck
		return
	}
	q.fetched[md.Sequence.Stream] = &pulled{msg: m, meta: md, shard: s}
	close(q.ready)
	q.ready = make(chan struct{})
}

// Ready implements driver.Queue.
func (r *Reliable) Ready() <-chan struct{} {
	r.q.mu.Lock()
	defer r.q.mu.Unlock()
	return r.q.ready
}

// Lease implements driver.Queue: up to n deliveries fetched, in stream
// order, until now+visibility (0: the queue's VisibilityTimeout).
func (r *Reliable) Lease(ctx context.Context, n int, visibility time.Duration) ([]queueing.Lease, error) {
	if visibility <= 0 {
		visibility = r.o.Queue.VisibilityTimeout
	}
	q := r.q
	q.mu.Lock()
	seqs := make([]uint64, 0, len(q.fetched))
	for seq := range q.fetched {
		seqs = append(seqs, seq)
	}
	slices.Sort(seqs)
	deadline := r.o.Queue.Now().Add(visibility)
	var out []*pulled
	for _, seq := range seqs[:min(n, len(seqs))] {
		p := q.fetched[seq]
		delete(q.fetched, seq)
		p.deadline = deadline
		q.leased[seq] = p
		out = append(out, p)
	}
	q.mu.Unlock()
	leases := make([]queueing.Lease, len(out))
	for i, p := range out {
		p.msg.InProgress() //nolint:errcheck // its AckWait starts again (it may have waited for a slot)
		leases[i] = queueing.Lease{Deadline: deadline, Message: queueing.Message{
			ID: p.meta.Sequence.Stream, Body: p.msg.Data(), Group: p.msg.Headers().Get(groupHeader),
			EnqueuedAt: p.meta.Timestamp, Attempts: int(p.meta.NumDelivered)}}
	}
	return leases, nil
}

// keepLeases extends the leases of the deliveries fetched and leased
// (until their visibility ends) every AckWait/3, and counts the queue
// every second, until Close.
func (r *Reliable) keepLeases() {
	tick := time.NewTicker(r.o.AckWait / 3)
	defer tick.Stop()
	var counted time.Time
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-tick.C:
		}
		now := r.o.Queue.Now()
		q := r.q
		var keep []jetstream.Msg
		q.mu.Lock()
		for _, p := range q.fetched {
			keep = append(keep, p.msg)
		}
		for seq, p := range q.leased {
			switch {
			case now.Before(p.deadline):
				keep = append(keep, p.msg)
			case now.After(p.deadline.Add(r.o.AckWait)):
				delete(q.leased, seq) // sent again since: its Ack would find it gone
			}
		}
		q.mu.Unlock()
		for _, m := range keep {
			m.InProgress() //nolint:errcheck // a missed one: sent again after AckWait
		}
		if time.Since(counted) >= time.Second {
			counted = time.Now()
			r.count()
		}
	}
}

// count reads how many messages the queue and the dead letters hold.
func (r *Reliable) count() {
	ctx, cancel := context.WithTimeout(r.ctx, r.o.Timeout)
	defer cancel()
	qi, err := r.queue.Info(ctx)
	if err != nil {
		return
	}
	di, err := r.dead.Info(ctx)
	if err != nil {
		return
	}
	r.q.mu.Lock()
	r.q.waiting, r.q.dead = int(qi.State.Msgs), int(di.State.Msgs)
	r.q.mu.Unlock()
}

// Len implements driver.Queue, as last counted (every second, and moved
// by this node's enqueues and acknowledgements since).
func (r *Reliable) Len() (waiting, dead int) {
	r.q.mu.Lock()
	defer r.q.mu.Unlock()
	return max(r.q.waiting, 0), r.q.dead
}

// Oldest returns when the oldest delivery waiting was enqueued, false
// when none waits.
func (r *Reliable) Oldest(ctx context.Context) (time.Time, bool, error) {
	ctx, cancel := r.call(ctx)
	defer cancel()
	qi, err := r.queue.Info(ctx)
	if err != nil || qi.State.Msgs == 0 {
		return time.Time{}, false, err
	}
	return qi.State.FirstTime, true, nil
}

// leasedMsg takes delivery id out of the leased ones.
func (r *Reliable) leasedMsg(id uint64) (*pulled, error) {
	r.q.mu.Lock()
	defer r.q.mu.Unlock()
	p := r.q.leased[id]
	if p == nil {
		return nil, fmt.Errorf("natsstore: delivery %d: %w (its lease ran out, or another node's)", id, queueing.ErrNotFound)
	}
	delete(r.q.leased, id)
	return p, nil
}

// Ack implements driver.Queue: the reply is kept first (Mailbox), then
// the delivery acknowledged, confirmed by the server. A crash between the
// two writes the reply again under the same key when the delivery is
// repeated.
func (r *Reliable) Ack(ctx context.Context, id uint64, box string, reply []byte) error {
	ctx, cancel := r.call(ctx)
	defer cancel()
	r.q.mu.Lock()
	p := r.q.leased[id]
	r.q.mu.Unlock()
	if p == nil {
		return fmt.Errorf("natsstore: acking delivery %d: %w", id, queueing.ErrNotFound)
	}
	if reply != nil {
		if err := r.keepReply(ctx, box, id, reply); err != nil {
			return err
		}
	}
	if err := p.msg.DoubleAck(ctx); err != nil {
		return fmt.Errorf("natsstore: acking delivery %d: %w", id, err)
	}
	r.leasedMsg(id) //nolint:errcheck // settled
	r.q.addWaiting(-1)
	return nil
}

// Nack implements driver.Queue: delivered again after delay (negative:
// the queue's backoff for its attempts), or to the dead letters after
// its MaxAttempts-th delivery.
func (r *Reliable) Nack(ctx context.Context, id uint64, delay time.Duration) error {
	ctx, cancel := r.call(ctx)
	defer cancel()
	p, err := r.leasedMsg(id)
	if err != nil {
		return err
	}
	attempts := int(p.meta.NumDelivered)
	if maxAttempts := r.o.Queue.MaxAttempts; maxAttempts > 0 && attempts >= maxAttempts {
		return r.deadLetter(ctx, p, queueing.ReasonMaxAttempts)
	}
	if delay < 0 {
		delay = r.o.Queue.Backoff.Delay(attempts, rand.Float64())
	}
	if err := p.msg.NakWithDelay(delay); err != nil {
		return fmt.Errorf("natsstore: nacking delivery %d: %w", id, err)
	}
	return nil
}

// deadLetter moves p to the dead-letter stream (deduplicated by its
// stream sequence, should a crash repeat it) and removes it from the
// queue.
func (r *Reliable) deadLetter(ctx context.Context, p *pulled, reason string) error {
	m := nats.NewMsg(servicePrefix(r.o.Service) + ".d")
	m.Data = p.msg.Data()
	m.Header.Set(groupHeader, p.msg.Headers().Get(groupHeader))
	m.Header.Set("Wsgw-Reason", reason)
	m.Header.Set("Wsgw-Attempts", strconv.FormatUint(p.meta.NumDelivered, 10))
	m.Header.Set(jetstream.MsgIDHeader, "dead-"+strconv.FormatUint(p.meta.Sequence.Stream, 10))
	if _, err := r.js.PublishMsg(ctx, m); err != nil {
		p.msg.Nak() //nolint:errcheck // tried again at its next delivery
		return fmt.Errorf("natsstore: dead-lettering delivery %d: %w", p.meta.Sequence.Stream, err)
	}
	if err := p.msg.DoubleAck(ctx); err != nil {
		return fmt.Errorf("natsstore: dead-lettering delivery %d: %w", p.meta.Sequence.Stream, err)
	}
	r.q.mu.Lock()
	r.q.waiting--
	r.q.dead++
	r.q.mu.Unlock()
	return nil
}
