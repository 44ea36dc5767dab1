package natsstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// jsBase makes the streams, buckets and consumers of a store, with its
// replicas, on its JetStream.
type jsBase struct {
	js       jetstream.JetStream
	replicas int
}

// bucketConfig is the stream of KV bucket name as nats.go makes one
// (jetstream.KeyValueConfig{History: 1, LimitMarkerTTL: markerTTL}), on
// file storage with the store's replicas and direct gets off.
func (s *jsBase) bucketConfig(name string) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:                   "KV_" + name,
		Subjects:               []string{"$KV." + name + ".>"},
		MaxMsgsPerSubject:      1,
		MaxBytes:               -1,
		MaxMsgSize:             -1,
		MaxMsgs:                -1,
		MaxConsumers:           -1,
		Storage:                jetstream.FileStorage,
		Replicas:               s.replicas,
		AllowRollup:            true,
		DenyDelete:             true,
		Duplicates:             2 * time.Minute,
		Discard:                jetstream.DiscardNew,
		AllowMsgTTL:            true,
		SubjectDeleteMarkerTTL: markerTTL,
	}
}

// attemptTimeout bounds one attempt to make or find a stream or consumer.
// (choice) JetStream does not always answer a create of a stream that
// another node is creating at the same moment (a cluster whose nodes start
// together): the attempt times out and the next one finds the stream.
const attemptTimeout = 2 * time.Second

// ensureStream returns stream cfg.Name, made with cfg when there is none,
// once it has a leader. Attempts that time out, or that JetStream refuses
// for want of current peers (a node starting or catching up), are made
// again until ctx ends. A stream that exists is returned whatever its
// configuration: the caller checks what it needs.
func (s *jsBase) ensureStream(ctx context.Context, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	var last error
	for {
		st, err := s.attempt(ctx, func(actx context.Context) (jetstream.Stream, error) {
			st, err := s.js.Stream(actx, cfg.Name)
			if errors.Is(err, jetstream.ErrStreamNotFound) {
				st, err = s.js.CreateStream(actx, cfg)
			}
			return st, err
		})
		if err == nil {
			if c := st.CachedInfo().Cluster; c == nil || c.Leader != "" {
				return st, nil
			}
			err = errors.New("no leader yet")
		}
		var apiErr *jetstream.APIError
		retriable := errors.Is(err, context.DeadlineExceeded) || errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) ||
			errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeNoPeers || err.Error() == "no leader yet"
		if !retriable {
			return nil, err
		}
		last = err
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (last attempt: %v)", ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// attempt runs fn with a context bounded by attemptTimeout within ctx.
func (s *jsBase) attempt(ctx context.Context, fn func(context.Context) (jetstream.Stream, error)) (jetstream.Stream, error) {
	actx, cancel := context.WithTimeout(ctx, attemptTimeout)
	defer cancel()
	return fn(actx)
}

// errCodeNoPeers is JetStream's JSClusterNoPeersErrF: "no suitable peers
// for placement" (nats.go has no constant for it).
const errCodeNoPeers jetstream.ErrorCode = 10005

// ensureConsumer makes or updates consumer cfg on st, each attempt
// bounded by attemptTimeout (see there), until ctx ends.
func (s *jsBase) ensureConsumer(ctx context.Context, st jetstream.Stream, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	for {
		actx, cancel := context.WithTimeout(ctx, attemptTimeout)
		c, err := st.CreateOrUpdateConsumer(actx, cfg)
		cancel()
		if err == nil || ctx.Err() != nil {
			return c, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (last attempt: %v)", ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// caughtUp waits until every replica of kv's stream that is not offline
// has every message its leader has, or ctx ends (then it goes on: the
// watch will catch up). A watch or scan is an ordered consumer, which
// JetStream places on any replica of the stream, one that has just
// restarted included: started on a replica behind the leader, its
// "initial values" would lack writes that were acknowledged before it
// (a quorum has them, that replica not yet).
func (s *jsBase) caughtUp(ctx context.Context, kv jetstream.KeyValue) error {
	name := "KV_" + kv.Bucket()
	for {
		st, err := s.js.Stream(ctx, name)
		if err != nil {
			return fmt.Errorf("natsstore: reading stream %s: %w", name, err)
		}
		c := st.CachedInfo().Cluster
		if c == nil || replicasCurrent(c) {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func replicasCurrent(c *jetstream.ClusterInfo) bool {
	if c.Leader == "" {
		return false
	}
	for _, p := range c.Replicas {
		if !p.Offline && (!p.Current || p.Lag > 0) {
			return false
		}
	}
	return true
}

// listening waits until a publish on subject reaches its stream, or ctx
// ends. A stream just made has a leader before every server knows that
// it listens on its subjects: a publish through a server that does not
// know yet gets no response, and of values published at once some may be
// stored and others not (a gap in a list). The probe is a publish that
// expects a last sequence the stream cannot have: the stream answers it
// (wrong last sequence) and stores nothing.
func (s *jsBase) listening(ctx context.Context, subject string) error {
	for {
		_, err := s.js.Publish(ctx, subject, nil, jetstream.WithExpectLastSequence(math.MaxUint64))
		if err == nil {
			return fmt.Errorf("natsstore: the probe of %s was stored", subject)
		}
		if ctx.Err() != nil {
			return fmt.Errorf("natsstore: no stream answers on %s: %w", subject, err)
		}
		if !errors.Is(err, nats.ErrNoResponders) && !errors.Is(err, jetstream.ErrNoStreamResponse) {
			return nil // the stream answered
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("natsstore: no stream answers on %s: %w", subject, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
