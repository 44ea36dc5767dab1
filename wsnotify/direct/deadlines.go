package direct

import (
	"container/heap"
	"time"
)

// The receiver's waits (a NAKed sequence waiting for its NCF, a confirmed
// one for its repair) in the order they end, so that Tick and Next look
// only at the waits due, not at every missing sequence (up to MaxPending)
// for every datagram. An entry whose sequence has since been resolved,
// gone back to its back-off or been given another deadline is stale and
// skipped (choice: lazy deletion; the heap is rebuilt from the missing
// table when stale entries outnumber live ones).

type deadline struct {
	at  time.Time
	seq uint64
}

type deadlines []deadline

func (h deadlines) Len() int { return len(h) }
func (h deadlines) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h deadlines) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *deadlines) Push(x any)   { *h = append(*h, x.(deadline)) }
func (h *deadlines) Pop() any {
	old := *h
	d := old[len(old)-1]
	*h = old[:len(old)-1]
	return d
}

// wait sets ms (the state of missing sequence seq) waiting until at.
func (r *Receiver) wait(seq uint64, ms *miss, state missState, at time.Time) {
	ms.state, ms.deadline = state, at
	heap.Push(&r.due, deadline{at: at, seq: seq})
	if len(r.due) > 2*len(r.missing)+64 {
		r.due = r.due[:0]
		for s, m := range r.missing {
			r.steps++
			if m.state != backingOff {
				r.due = append(r.due, deadline{at: m.deadline, seq: s})
			}
		}
		heap.Init(&r.due)
	}
}

// nextDue returns the earliest live wait, dropping stale entries before it.
func (r *Receiver) nextDue() (deadline, bool) {
	for len(r.due) > 0 {
		r.steps++
		d := r.due[0]
		if ms := r.missing[d.seq]; ms != nil && ms.state != backingOff && ms.deadline.Equal(d.at) {
			return d, true
		}
		heap.Pop(&r.due)
	}
	return deadline{}, false
}
