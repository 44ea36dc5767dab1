package natsstore

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/wsgw/wsgw/storage"
)

// The delivery handoff (wsnotify.Handoff): work-queue stream P_Q, subject
// P.q.{shard}; shard i is taken through durable consumer P_q{i}, a pull
// consumer whose priority group is pinned (PriorityPolicyPinned): every
// node pulls from every shard, and JetStream delivers a shard's items to
// one pinned client at a time. When that client stops pulling for
// pinnedTTL (its node died or lost its quorum) JetStream pins another;
// items it had been sent and had not acknowledged are sent again after
// ackWait. (choice) Pinned consumers over rendezvous hashing on heartbeat
// keys: JetStream elects the owner and moves it, and keeps the items
// nobody took replicated, with no membership protocol of ours.

const (
	handoffGroup = "owner"
	// pinnedTTL: a shard's owner that has not pulled for this long loses
	// the shard (choice: failover within seconds, no flapping while a
	// node pulls every pullExpiry).
	pinnedTTL  = 5 * time.Second
	pullExpiry = 2 * time.Second
	// ackWait: an item sent to an owner that did not acknowledge it is
	// sent again after this long (taking an item queues it: milliseconds).
	ackWait = 5 * time.Second
	// maxHandedItems bounds the stream (choice): a Hand beyond it fails,
	// and the Notify with it gets a fault.
	maxHandedItems = 1_000_000
)

// Shards is the number of delivery shards.
func (s *BrokerStore) Shards() int { return s.o.Shards }

func (s *BrokerStore) handoffSubject(shard int) string {
	return s.o.Prefix + ".q." + strconv.Itoa(shard)
}

// handoffStream returns the work-queue stream, made on first use.
func (s *BrokerStore) handoffStream(ctx context.Context) (jetstream.Stream, error) {
	cfg := jetstream.StreamConfig{
		Name:      s.o.Prefix + "_Q",
		Subjects:  []string{s.o.Prefix + ".q.*"},
		Retention: jetstream.WorkQueuePolicy,
		Storage:   jetstream.FileStorage,
		Replicas:  s.o.Replicas,
		MaxMsgs:   maxHandedItems,
		Discard:   jetstream.DiscardNew,
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.queue != nil {
		return s.queue, nil
	}
	st, err := s.ensureStream(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("natsstore: opening stream %s: %w", cfg.Name, err)
	}
	s.queue = st
	return st, nil
}

// Hand publishes the items, each on its shard's subject, and returns once
// the stream acknowledged every one.
func (s *BrokerStore) Hand(ctx context.Context, items ...storage.Work) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	if _, err := s.handoffStream(ctx); err != nil {
		return err
	}
	futures := make([]jetstream.PubAckFuture, 0, len(items))
	for _, it := range items {
		if it.Shard < 0 || it.Shard >= s.o.Shards {
			return fmt.Errorf("natsstore: shard %d out of [0, %d)", it.Shard, s.o.Shards)
		}
		f, err := s.js.PublishAsync(s.handoffSubject(it.Shard), it.Value)
		if err != nil {
			return fmt.Errorf("natsstore: handing off: %w", err)
		}
		futures = append(futures, f)
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return fmt.Errorf("natsstore: handing off: %w", err)
		case <-ctx.Done():
			return fmt.Errorf("natsstore: handing off: %w", ctx.Err())
		}
	}
	return nil
}

// Take pulls every shard with the pinned priority group and calls fn with
// each item it is sent, then acknowledges it, until ctx ends. fn is called
// one item at a time.
func (s *BrokerStore) Take(ctx context.Context, fn func(storage.Work)) error {
	cctx, cancel := s.call(ctx)
	st, err := s.handoffStream(cctx)
	if err != nil {
		cancel()
		return err
	}
	var fnMu sync.Mutex // one item at a time
	var ccs []jetstream.ConsumeContext
	defer func() {
		for _, cc := range ccs {
			cc.Stop()
		}
	}()
	for shard := range s.o.Shards {
		c, err := s.ensureConsumer(cctx, st, jetstream.ConsumerConfig{
			Durable:        fmt.Sprintf("%s_q%d", s.o.Prefix, shard),
			FilterSubject:  s.handoffSubject(shard),
			AckPolicy:      jetstream.AckExplicitPolicy,
			AckWait:        ackWait,
			MaxDeliver:     -1,
			MaxAckPending:  1000,
			PriorityPolicy: jetstream.PriorityPolicyPinned,
			PriorityGroups: []string{handoffGroup},
			PinnedTTL:      pinnedTTL,
		})
		if err != nil {
			cancel()
			return fmt.Errorf("natsstore: opening consumer of shard %d: %w", shard, err)
		}
		cc, err := c.Consume(func(m jetstream.Msg) {
			fnMu.Lock()
			fn(storage.Work{Shard: shard, Value: m.Data()})
			fnMu.Unlock()
			m.Ack() //nolint:errcheck // not acknowledged: sent again after ackWait
		}, jetstream.PullPriorityGroup(handoffGroup), jetstream.PullExpiry(pullExpiry), jetstream.PullMaxMessages(64))
		if err != nil {
			cancel()
			return fmt.Errorf("natsstore: taking shard %d: %w", shard, err)
		}
		ccs = append(ccs, cc)
	}
	cancel()
	<-ctx.Done()
	return nil
}
