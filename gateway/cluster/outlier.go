package cluster

import "time"

// Passive outlier detection, as in Envoy's consecutive-5xx detector: a
// replica whose requests fail ConsecutiveFailures times in a row is
// ejected for n x BaseEjection (n: ejections in a row, at most 10), then
// re-admitted when the time is up. No more than MaxEjectedPercent of a
// partition's replicas are ejected at once, and never all of them: with
// two or more replicas at least one may be ejected, with one none.

// recordOutlier feeds one outcome to r's consecutive-failure count.
func (r *Replica) recordOutlier(now time.Time, o Outcome) {
	threshold := r.p.c.cfg.Outlier.ConsecutiveFailures
	if threshold < 0 {
		return
	}
	if o == Success {
		if r.failures.Load() != 0 {
			r.failures.Store(0)
		}
		return
	}
	if r.failures.Add(1) >= int64(threshold) {
		r.p.tryEject(r, now)
	}
}

// maxEjected is how many of the partition's replicas may be out at once.
func (p *Partition) maxEjected() int {
	n := len(p.replicas)
	m := n * p.c.cfg.Outlier.MaxEjectedPercent / 100
	m = max(m, 1)
	return min(m, n-1)
}

// tryEject ejects r unless it is already out or the partition is at its
// ejection limit (then r stays in and its next failure tries again).
func (p *Partition) tryEject(r *Replica, now time.Time) {
	p.mu.Lock()
	if r.ejected(now) {
		p.mu.Unlock()
		return
	}
	out := 0
	for _, x := range p.replicas {
		if x.ejected(now) {
			out++
		}
	}
	if out >= p.maxEjected() {
		p.mu.Unlock()
		return
	}
	base := p.c.cfg.Outlier.BaseEjection
	if !r.ejectionEnd.IsZero() && now.Sub(r.ejectionEnd) >= maxEjectionMultiplier*base {
		r.timesEjected = 0 // stayed in long enough: start counting again
	}
	r.timesEjected = min(r.timesEjected+1, maxEjectionMultiplier)
	d := time.Duration(r.timesEjected) * base
	r.ejectionEnd = now.Add(d)
	r.ejectedUntil.Store(r.ejectionEnd.UnixNano())
	r.failures.Store(0)
	times := r.timesEjected
	p.mu.Unlock()
	r.log().Warn("replica ejected", "for", d, "times", times)
}
