package badgerq

import (
	"context"

	"github.com/wsgw/wsgw/queueing"
)

// sweepBudget bounds the expiry-index keys one sweep looks at.
const sweepBudget = 256

// sweepOp moves expired messages to the dead letters. It scans the
// expiry index (ordered by expiry time) from where the last sweep stopped
// (Queue.sweepFrom), and stops at the first message not yet expired, at
// the end, or after sweepBudget expired keys; messages leased at the
// moment are left to their consumer (Lease checks expiry again). A sweep
// stopped by its budget leaves sweepFrom after the last key it looked at,
// so the next goes on from there: more than sweepBudget leased expired
// messages at the front never hide the expired ones behind them. One that
// reached an unexpired key or the end starts the next from the front
// again (where messages that expire sooner than those before them were
// written meanwhile).
func (q *Queue) sweepOp() *op {
	return newOp(context.Background(), opCost(sweepBudget, 0), false, func(b *batch) error { return b.sweep() })
}

func (b *batch) sweep() error {
	q := b.q
	f := &q.floors.expiry
	if q.sweepFrom != nil {
		f = &floor{key: q.sweepFrom} // a resumed scan raises no floor
	}
	var due []readyKey
	var last []byte
	b.scan(q.k.spacePrefix(spaceExpiry), f, func(key []byte, live bool) bool {
		at, seq := splitTimeSeq(key)
		if at > b.now || len(due) == sweepBudget {
			return false
		}
		if live {
			due = append(due, readyKey{at: at, seq: seq})
			last = append(last[:0], key...) // key is valid until the iterator moves
		}
		return true
	})
	q.sweepFrom = nil
	if len(due) == sweepBudget {
		q.sweepFrom = append(last, 0) // the least key after last
	}
	for _, d := range due {
		seq := d.seq
		m, found, err := b.getMeta(q.k.meta(seq))
		if err != nil {
			return err
		}
		switch {
		case !found: // a stale index key
			if err := b.txn.Delete(q.k.expiry(d.at, seq)); err != nil {
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
