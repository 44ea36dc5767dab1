package natsstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// The replies kept for pickup (driver.Mailbox): bucket P_mb, key
// "{base64url(box)}.{delivery's stream sequence, 20 digits}" (a box's
// keys sort oldest first), value the lease's deadline (8 bytes, unix ns,
// 0 for none) and the reply; every write with a per-message TTL of
// ReplyTTL, so a reply nobody picks up goes after it. TakeReply leases a
// reply by a write conditioned on its revision, so that two nodes never
// hand one out at once.

func (r *Reliable) replyKey(box string, id uint64) string {
	return fmt.Sprintf("%s.%020d", encodeKey(box), id)
}

// keepReply stores reply in box under delivery id, not leased.
func (r *Reliable) keepReply(ctx context.Context, box string, id uint64, reply []byte) error {
	if _, err := r.putReply(ctx, r.replyKey(box, id), time.Time{}, reply, -1); err != nil {
		return fmt.Errorf("natsstore: keeping a reply: %w", err)
	}
	return nil
}

// putReply writes a reply's value with its lease deadline, conditioned on
// rev (-1: none), with the reply's TTL.
func (r *Reliable) putReply(ctx context.Context, key string, deadline time.Time, reply []byte, rev int64) (uint64, error) {
	v := make([]byte, 8, 8+len(reply))
	if !deadline.IsZero() {
		binary.BigEndian.PutUint64(v, uint64(deadline.UnixNano()))
	}
	opts := []jetstream.PublishOpt{jetstream.WithMsgTTL(r.o.ReplyTTL)}
	if rev >= 0 {
		opts = append(opts, jetstream.WithExpectLastSequencePerSubject(uint64(rev)))
	}
	ack, err := r.js.Publish(ctx, "$KV."+r.mailbox.Bucket()+"."+key, append(v, reply...), opts...)
	if err != nil {
		return 0, err
	}
	return ack.Sequence, nil
}

// TakeReply implements driver.Mailbox: the oldest reply of box that is not
// leased, or whose lease ran out, leased until now+lease.
func (r *Reliable) TakeReply(ctx context.Context, box string, lease time.Duration) (key string, reply []byte, ok bool, err error) {
	ctx, cancel := r.call(ctx)
	defer cancel()
	keys, err := r.boxKeys(ctx, box)
	if err != nil {
		return "", nil, false, err
	}
	now := r.o.Queue.Now()
	for _, k := range keys {
		e, err := r.mailbox.Get(ctx, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
			continue // settled meanwhile
		}
		if err != nil {
			return "", nil, false, fmt.Errorf("natsstore: taking a reply: %w", err)
		}
		v := e.Value()
		if len(v) < 8 {
			continue
		}
		if until := int64(binary.BigEndian.Uint64(v)); until != 0 && now.UnixNano() < until {
			continue // leased
		}
		_, err = r.putReply(ctx, k, now.Add(lease), v[8:], int64(e.Revision()))
		if isWrongLastSequence(err) {
			continue // another node took it
		}
		if err != nil {
			return "", nil, false, fmt.Errorf("natsstore: taking a reply: %w", err)
		}
		return k, v[8:], true, nil
	}
	return "", nil, false, nil
}

// boxKeys lists the keys of box's replies, oldest first. The listing is
// a watch, which may be placed on a replica behind the leader: it starts
// once the replicas have caught up (caughtUp), so that it lists every
// reply kept before (a reply acknowledged a moment ago and missing from
// the list would be picked up only at the next try).
func (r *Reliable) boxKeys(ctx context.Context, box string) ([]string, error) {
	if err := r.caughtUp(ctx, r.mailbox); err != nil {
		return nil, err
	}
	l, err := r.mailbox.ListKeysFiltered(ctx, encodeKey(box)+".*")
	if err != nil {
		if errors.Is(err, jetstream.ErrNoKeysFound) {
			return nil, nil
		}
		return nil, fmt.Errorf("natsstore: listing replies: %w", err)
	}
	defer l.Stop() //nolint:errcheck // done listing
	var keys []string
	for k := range l.Keys() {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys, nil
}

// SettleReply implements driver.Mailbox: a reply written is deleted; one
// that was not is offered again at once (its lease ended).
func (r *Reliable) SettleReply(ctx context.Context, key string, written bool) error {
	ctx, cancel := r.call(ctx)
	defer cancel()
	if strings.Count(key, ".") != 1 {
		return fmt.Errorf("natsstore: settling reply %q: not a reply of this store", key)
	}
	if written {
		if err := r.mailbox.Purge(ctx, key, jetstream.PurgeTTL(markerTTL)); err != nil {
			return fmt.Errorf("natsstore: deleting a reply: %w", err)
		}
		return nil
	}
	e, err := r.mailbox.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return nil // settled already, or expired
	}
	if err != nil {
		return fmt.Errorf("natsstore: ending a reply's lease: %w", err)
	}
	if v := e.Value(); len(v) >= 8 {
		if _, err := r.putReply(ctx, key, time.Time{}, v[8:], int64(e.Revision())); err != nil && !isWrongLastSequence(err) {
			return fmt.Errorf("natsstore: ending a reply's lease: %w", err)
		}
	}
	return nil
}
