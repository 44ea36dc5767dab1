package badgerq

import (
	"context"

	"github.com/wsgw/wsgw/queueing"
)

// sweepBudget bounds the expiry-index keys one sweep looks at.
const sweepBudget = 256

// sweepOp moves expired messages to the dead letters. It scans the front
// of the expiry index (ordered by expiry time) and stops at the first
// message not yet expired or after sweepBudget keys; messages leased at
// the moment are left to their consumer (Lease checks expiry again).
func (q *Queue) sweepOp() *op {
	return newOp(context.Background(), opCost(sweepBudget, 0), false, func(b *batch) error { return b.sweep() })
}

func (b *batch) sweep() error {
	var due []readyKey
	b.scan(b.q.k.spacePrefix(spaceExpiry), &b.q.floors.expiry, func(key []byte, live bool) bool {
		at, seq := splitTimeSeq(key)
		if at > b.now || len(due) == sweepBudget {
			return false
		}
		if live {
			due = append(due, readyKey{at: at, seq: seq})
		}
		return true
	})
	for _, d := range due {
		seq := d.seq
		m, found, err := b.getMeta(b.q.k.meta(seq))
		if err != nil {
			return err
		}
		switch {
		case !found: // a stale index key
			if err := b.txn.Delete(b.q.k.expiry(d.at, seq)); err != nil {
				return err
			}
		case m.leased() && m.visibleAt > b.now: // in flight
		default:
			if err := b.deadLetter(seq, m, queueing.ReasonExpired); err != nil {
				return err
			}
		}
	}
	return nil
}
