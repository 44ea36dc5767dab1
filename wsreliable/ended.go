package wsreliable

import (
	"container/heap"
	"slices"
	"time"
)

// Ended groups are kept until their KeepUntil to recognise late
// duplicates, then forgotten. The engine finds those due without looking
// at the others: endedHeap orders them by KeepUntil. At most MaxGroups are
// kept; beyond, the one due first is forgotten early (its late duplicates
// are then treated as new messages of an unknown group).

// endedEntry is an ended group and the KeepUntil it was queued with
// (stale when the group's KeepUntil changed since, or it was forgotten).
type endedEntry struct {
	at time.Time
	id string
}

// endedHeap is a min-heap of ended groups by KeepUntil, then identifier
// (deterministic order).
type endedHeap []endedEntry

func (h endedHeap) Len() int { return len(h) }
func (h endedHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].id < h[j].id
}
func (h endedHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *endedHeap) Push(x any)   { *h = append(*h, x.(endedEntry)) }
func (h *endedHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// pushEnded queues g (ended) to be forgotten at its KeepUntil, and
// forgets the ended group due first when more than MaxGroups are kept.
func (e *Engine) pushEnded(g *inGroup) {
	heap.Push(&e.endedQ, endedEntry{at: g.KeepUntil, id: g.ID})
	for len(e.in)-len(e.openIDs) > e.cfg.MaxGroups {
		if !e.popEnded(time.Time{}) {
			return
		}
	}
}

// forgetDue forgets the ended groups whose KeepUntil has come.
func (e *Engine) forgetDue() {
	for e.popEnded(e.now) {
	}
}

// popEnded forgets the ended group due first, if it is due by now (any,
// when now is zero); it reports whether it forgot one. Stale entries are
// dropped or requeued on the way; a group still releasing held messages
// (Flush) is passed over until it is done.
func (e *Engine) popEnded(now time.Time) bool {
	var busy []endedEntry
	defer func() {
		for _, x := range busy {
			heap.Push(&e.endedQ, x)
		}
	}()
	for len(e.endedQ) > 0 {
		top := e.endedQ[0]
		if !now.IsZero() && now.Before(top.at) {
			return false
		}
		heap.Pop(&e.endedQ)
		g := e.in[top.id]
		switch {
		case g == nil || g.State != ended:
			continue // forgotten, or a new group of that identifier
		case !g.KeepUntil.Equal(top.at):
			heap.Push(&e.endedQ, endedEntry{at: g.KeepUntil, id: g.ID})
			continue
		case len(g.held) > 0:
			busy = append(busy, top)
			continue
		}
		e.forget(g)
		return true
	}
	return false
}

// addOpen records g as an open group, counted for its caller.
func (e *Engine) addOpen(g *inGroup) {
	if i, found := slices.BinarySearch(e.openIDs, g.ID); !found {
		e.openIDs = slices.Insert(e.openIDs, i, g.ID)
		e.callers.Add(g.Caller, 1)
	}
}

// removeOpen records that g is no longer open.
func (e *Engine) removeOpen(g *inGroup) {
	if i, found := slices.BinarySearch(e.openIDs, g.ID); found {
		e.openIDs = slices.Delete(e.openIDs, i, i+1)
		e.callers.Add(g.Caller, -1)
	}
}
