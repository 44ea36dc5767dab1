package natsstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// The broker's lead (wsnotify.Leader): key "demand" of bucket P_lease
// holds the leading node's name, written with a per-message TTL of
// leaseTTL; the leader writes it again, conditioned on its revision, each
// time it asks, and another node takes it once it has expired.

// leaseTTL is how long a lead lasts unless renewed (choice: several of
// the broker's sweep intervals, 5s by default).
const leaseTTL = 15 * time.Second

const leaseKind, leaseKey = "lease", "demand"

// Lead reports whether this node (Options.Node) holds the lead, taking it
// when nobody holds it and renewing it when it does.
func (s *BrokerStore) Lead(ctx context.Context) (bool, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	kv, err := s.bucket(ctx, leaseKind)
	if err != nil {
		return false, err
	}
	e, err := kv.Get(ctx, leaseKey)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted):
		_, err := kv.Create(ctx, leaseKey, []byte(s.o.Node), jetstream.KeyTTL(leaseTTL))
		if isWrongLastSequence(err) { // another node took it first
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("natsstore: taking the lead: %w", err)
		}
		return true, nil
	case err != nil:
		return false, fmt.Errorf("natsstore: reading the lead: %w", err)
	case string(e.Value()) != s.o.Node:
		return false, nil
	}
	_, err = s.js.Publish(ctx, "$KV."+kv.Bucket()+"."+leaseKey, []byte(s.o.Node),
		jetstream.WithExpectLastSequencePerSubject(e.Revision()), jetstream.WithMsgTTL(leaseTTL))
	if isWrongLastSequence(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("natsstore: renewing the lead: %w", err)
	}
	return true, nil
}
