package badgerq

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wsgw/wsgw/queueing"
)

// Lease hands out up to n visible messages (at most MaxBatch, and no more
// once their bodies reach MaxBatchBytes), oldest first, each until
// now+visibility (0 means Options.VisibilityTimeout). It returns at once,
// with no messages if none is visible. Expired messages and messages out
// of attempts met on the way go to the dead letters. A lease is lazy (see
// the package documentation): not synced; after a crash the message is
// visible again, at once if the lease was not committed, and its attempt
// may not be counted.
func (q *Queue) Lease(ctx context.Context, n int, visibility time.Duration) ([]queueing.Lease, error) {
	if n <= 0 {
		return nil, fmt.Errorf("leasing %d messages: n must be positive", n)
	}
	if visibility < 0 {
		return nil, fmt.Errorf("leasing: negative visibility timeout %v", visibility)
	}
	if visibility == 0 {
		visibility = q.opts.VisibilityTimeout
	}
	n = min(n, q.opts.MaxBatch)
	var out []queueing.Lease
	o := newOp(ctx, opCost(n, 0), false, func(b *batch) error {
		var err error
		out, err = b.lease(n, visibility)
		return err
	})
	if err := q.submit(ctx, o); err != nil {
		return nil, fmt.Errorf("leasing: %w", err)
	}
	return out, nil
}

// leaseScanSlack is how many ready keys past n one Lease looks at, to step
// over messages it dead-letters instead of delivering.
const leaseScanSlack = 64

func (b *batch) lease(n int, visibility time.Duration) ([]queueing.Lease, error) {
	cands := b.visibleKeys(n + leaseScanSlack)
	var out []queueing.Lease
	bytes := 0
	for _, c := range cands {
		if len(out) == n || bytes >= b.q.opts.MaxBatchBytes {
			break
		}
		l, ok, err := b.leaseOne(c, visibility)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, l)
			bytes += len(l.Body)
		}
	}
	return out, nil
}

// readyKey is a decoded ready-index key.
type readyKey struct {
	at  int64
	seq uint64
}

// visibleKeys returns up to limit keys from the front of the ready index
// whose visible-at time has come.
func (b *batch) visibleKeys(limit int) []readyKey {
	var out []readyKey
	b.scan(b.q.k.spacePrefix(spaceReady), &b.q.floors.ready, func(key []byte, live bool) bool {
		at, seq := splitTimeSeq(key)
		if at > b.now || len(out) == limit {
			return false
		}
		if live {
			out = append(out, readyKey{at: at, seq: seq})
		}
		return true
	})
	return out
}

// leaseOne leases the message of c, or dead-letters it (ok false).
func (b *batch) leaseOne(c readyKey, visibility time.Duration) (l queueing.Lease, ok bool, err error) {
	k, seq := b.q.k, c.seq
	m, found, err := b.getMeta(k.meta(seq))
	if err != nil {
		return l, false, err
	}
	if !found || !m.ready() || m.visibleAt != c.at { // a stale index key
		return l, false, b.txn.Delete(k.ready(c.at, seq))
	}
	switch {
	case b.expired(m):
		return l, false, b.deadLetter(seq, m, queueing.ReasonExpired)
	case b.outOfAttempts(m):
		return l, false, b.deadLetter(seq, m, queueing.ReasonMaxAttempts)
	}
	if held, err := b.heldGroup(m); err != nil || held {
		return l, false, errors.Join(err, b.unready(seq, m)) // a lease released into a held group
	}
	body, _, err := b.get(k.body(seq))
	if err != nil {
		return l, false, err
	}
	if err := b.txn.Delete(k.ready(m.visibleAt, seq)); err != nil {
		return l, false, err
	}
	m.attempts++
	m.flags |= flagReady | flagLeased
	m.visibleAt = addDur(b.now, visibility)
	if err := b.setReady(m.visibleAt, seq); err != nil {
		return l, false, err
	}
	if err := b.txn.Set(k.meta(seq), m.encode()); err != nil {
		return l, false, err
	}
	l = queueing.Lease{Message: m.message(seq, body), Deadline: fromNano(m.visibleAt)}
	return l, true, nil
}

// message builds the public view of a message.
func (m *meta) message(seq uint64, body []byte) queueing.Message {
	return queueing.Message{
		ID:         seq,
		Body:       body,
		Group:      m.group,
		ExpiresAt:  fromNano(m.expiresAt),
		EnqueuedAt: fromNano(m.enqueuedAt),
		Attempts:   int(m.attempts),
	}
}
