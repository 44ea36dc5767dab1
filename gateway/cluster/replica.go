package cluster

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Replica is one backend endpoint.
//
// A replica is available to Pick when it is healthy (active checks), not
// ejected (passive outlier detection) and its breaker admits a request
// (closed, or half-open with its single probe free).
type Replica struct {
	p    *Partition
	url  string
	name string

	inFlight atomic.Int64 // requests between Begin and done
	healthy  atomic.Bool  // last verdict of active checks; starts true
	failures atomic.Int64 // consecutive failed outcomes, for ejection

	// ejectedUntil is the end of the current ejection in Unix nanoseconds,
	// 0 when never ejected. Read lock-free; written under p.mu.
	ejectedUntil atomic.Int64
	timesEjected int       // ejections in a row; guarded by p.mu
	ejectionEnd  time.Time // end of the last ejection; guarded by p.mu

	// mu guards brk's window, timestamps and transitions (brk's state and
	// epoch mirrors are also readable without it).
	mu  sync.Mutex
	brk breaker
}

func (r *Replica) URL() string  { return r.url }
func (r *Replica) Name() string { return r.name } // "r<index>" within its partition

// Partition returns the partition r belongs to.
func (r *Replica) Partition() *Partition { return r.p }

// Begin counts a request in flight on r; call done exactly once with its
// outcome, which feeds outlier ejection and the breaker. Calls of done
// after the first are ignored.
func (r *Replica) Begin() (done func(Outcome)) {
	r.inFlight.Add(1)
	epoch := r.brk.epoch.Load()
	var finished atomic.Bool
	return func(o Outcome) {
		if finished.Swap(true) {
			return
		}
		r.inFlight.Add(-1)
		r.finish(epoch, o)
	}
}

// finish feeds the outcome of a request begun in breaker epoch to the
// breaker and to outlier detection.
func (r *Replica) finish(epoch uint64, o Outcome) {
	if o == Canceled {
		r.mu.Lock()
		r.brk.releaseProbeLocked(epoch)
		r.mu.Unlock()
		return
	}
	now := r.p.c.now()
	if !r.brk.disabled {
		r.mu.Lock()
		from, to := r.brk.recordLocked(now, epoch, o != Success)
		r.mu.Unlock()
		if from != to {
			r.log().Warn("circuit breaker", "from", from.String(), "to", to.String(), "outcome", o.String())
		}
	}
	r.recordOutlier(now, o)
}

// State describes r for metrics and admin.
type State struct {
	Healthy, Ejected bool
	Breaker          string // "closed", "open", "half-open"
	InFlight         int
}

// State returns a snapshot of r's state. Breaker reads "half-open" once
// an open breaker's OpenFor has passed, although the transition itself
// happens at the next Pick.
func (r *Replica) State() State {
	now := r.p.c.now()
	r.mu.Lock()
	brk := r.brk.effectiveLocked(now)
	r.mu.Unlock()
	return State{
		Healthy:  r.healthy.Load(),
		Ejected:  r.ejected(now),
		Breaker:  brk.String(),
		InFlight: int(r.inFlight.Load()),
	}
}

func (r *Replica) ejected(now time.Time) bool {
	until := r.ejectedUntil.Load()
	return until != 0 && now.UnixNano() < until
}

// lazyNow reads the cluster clock at most once, and only when needed:
// a Pick over healthy, never-ejected replicas with closed breakers does
// not read the clock at all.
type lazyNow struct {
	c   *Cluster
	t   time.Time
	set bool
}

func (l *lazyNow) get() time.Time {
	if !l.set {
		l.t, l.set = l.c.now(), true
	}
	return l.t
}

// available reports whether Pick may choose r.
func (r *Replica) available(now *lazyNow) bool {
	if !r.healthy.Load() {
		return false
	}
	if r.ejectedUntil.Load() != 0 && r.ejected(now.get()) {
		return false
	}
	if r.brk.state.Load() == int32(breakerClosed) {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.brk.admitsLocked(now.get())
}

// reserve claims r for one request: with a closed breaker always, with a
// half-open one only for its single probe.
func (r *Replica) reserve(now *lazyNow) bool {
	if r.brk.state.Load() == int32(breakerClosed) {
		return true
	}
	r.mu.Lock()
	from, to, ok := r.brk.reserveLocked(now.get())
	r.mu.Unlock()
	if from != to {
		r.log().Info("circuit breaker", "from", from.String(), "to", to.String())
	}
	return ok
}

func (r *Replica) log() *slog.Logger {
	return r.p.c.log.With("partition", r.p.name, "replica", r.name, "url", r.url)
}
