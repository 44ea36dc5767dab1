package cluster

import "math/rand/v2"

// Pick chooses an available replica not in exclude by power-of-two-choices
// on in-flight requests (Mitzenmacher 2001): two distinct available
// replicas drawn at random, the one with fewer requests in flight wins.
// It returns nil when none is available.
//
// There is no panic mode: when every replica of the partition is
// unhealthy, ejected or behind an open breaker, Pick returns nil and the
// gateway faults at once rather than sending traffic to replicas known to
// be bad. Passive ejection alone cannot empty a partition (one replica
// always stays in); only active checks or breakers can.
//
// Picking a replica whose breaker is half-open reserves its single probe;
// the caller must Begin a request on it (a probe never begun is forgotten
// after OpenFor).
func (p *Partition) Pick(exclude ...*Replica) *Replica {
	var buf [16]*Replica
	cands := buf[:0]
	now := lazyNow{c: p.c}
	for _, r := range p.replicas {
		if !excluded(r, exclude) && r.available(&now) {
			cands = append(cands, r)
		}
	}
	for len(cands) > 0 {
		i := twoChoices(cands)
		r := cands[i]
		if r.reserve(&now) {
			return r
		}
		// Lost the half-open probe to another caller: try the others.
		cands[i] = cands[len(cands)-1]
		cands = cands[:len(cands)-1]
	}
	return nil
}

// twoChoices returns the index of the less loaded of two distinct random
// candidates.
func twoChoices(cands []*Replica) int {
	n := len(cands)
	if n == 1 {
		return 0
	}
	i := rand.IntN(n)
	j := rand.IntN(n - 1)
	if j >= i {
		j++
	}
	if cands[j].inFlight.Load() < cands[i].inFlight.Load() {
		return j
	}
	return i
}

func excluded(r *Replica, exclude []*Replica) bool {
	for _, x := range exclude {
		if x == r {
			return true
		}
	}
	return false
}
