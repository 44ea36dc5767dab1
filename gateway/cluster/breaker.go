package cluster

import (
	"sync/atomic"
	"time"
)

// The per-replica circuit breaker, as in Envoy and Nygard's Release It!:
//
//	closed    -> open       failure ratio over Window >= FailureRatio,
//	                        with at least MinRequests in the window
//	open      -> half-open  OpenFor after opening, at the next Pick
//	half-open -> closed     the probe succeeded
//	half-open -> open       the probe failed
//
// Half-open admits one request at a time (the probe). Outcomes of
// requests begun before the last transition (a different epoch) are
// ignored, so replies to requests sent before the breaker opened do not
// close it again.

type breakerState int32

const (
	breakerClosed breakerState = iota
	breakerOpen
	breakerHalfOpen
)

func (s breakerState) String() string {
	switch s {
	case breakerOpen:
		return "open"
	case breakerHalfOpen:
		return "half-open"
	}
	return "closed"
}

// breaker is one replica's breaker. Its methods ending in Locked need the
// owning Replica.mu held; state and epoch may be loaded without it.
type breaker struct {
	cfg      BreakerConfig
	disabled bool

	state atomic.Int32  // a breakerState; written under Replica.mu
	epoch atomic.Uint64 // bumped at every transition; written under Replica.mu

	openedAt time.Time // when it last opened
	probeAt  time.Time // when the half-open probe was reserved; zero when free
	win      window    // outcomes while closed
}

func (b *breaker) init(cfg BreakerConfig) {
	b.cfg = cfg
	b.disabled = cfg.FailureRatio < 0
	b.win.width = cfg.Window / windowBuckets
	if b.win.width <= 0 {
		b.win.width = 1
	}
}

// admitsLocked reports whether a request may be sent now.
func (b *breaker) admitsLocked(now time.Time) bool {
	switch breakerState(b.state.Load()) {
	case breakerOpen:
		return !now.Before(b.openedAt.Add(b.cfg.OpenFor))
	case breakerHalfOpen:
		return b.probeAt.IsZero() || !now.Before(b.probeAt.Add(b.cfg.OpenFor))
	}
	return true
}

// reserveLocked claims a request slot: in half-open, the probe.
func (b *breaker) reserveLocked(now time.Time) (from, to breakerState, ok bool) {
	from = breakerState(b.state.Load())
	if !b.admitsLocked(now) {
		return from, from, false
	}
	if from == breakerClosed {
		return from, from, true
	}
	if from == breakerOpen {
		b.setLocked(breakerHalfOpen)
	}
	b.probeAt = now
	return from, breakerHalfOpen, true
}

// releaseProbeLocked frees the half-open probe slot held by a request
// begun in epoch that ended without telling anything about the replica.
func (b *breaker) releaseProbeLocked(epoch uint64) {
	if epoch == b.epoch.Load() && breakerState(b.state.Load()) == breakerHalfOpen {
		b.probeAt = time.Time{}
	}
}

// recordLocked feeds the outcome of a request begun in epoch.
func (b *breaker) recordLocked(now time.Time, epoch uint64, failed bool) (from, to breakerState) {
	from = breakerState(b.state.Load())
	if epoch != b.epoch.Load() {
		return from, from
	}
	switch from {
	case breakerClosed:
		b.win.add(now, failed)
		total, fails := b.win.totals(now)
		if total >= b.cfg.MinRequests && float64(fails) >= b.cfg.FailureRatio*float64(total) {
			b.openLocked(now)
		}
	case breakerHalfOpen:
		if failed {
			b.openLocked(now)
		} else {
			b.setLocked(breakerClosed)
		}
	}
	return from, breakerState(b.state.Load())
}

func (b *breaker) openLocked(now time.Time) {
	b.setLocked(breakerOpen)
	b.openedAt = now
}

func (b *breaker) setLocked(s breakerState) {
	b.state.Store(int32(s))
	b.epoch.Add(1)
	b.probeAt = time.Time{}
	b.win.reset()
}

// effectiveLocked is the state as seen from outside: open turns
// half-open once OpenFor has passed.
func (b *breaker) effectiveLocked(now time.Time) breakerState {
	s := breakerState(b.state.Load())
	if s == breakerOpen && b.admitsLocked(now) {
		return breakerHalfOpen
	}
	return s
}

// windowBuckets is the resolution of the sliding window.
const windowBuckets = 10

// window counts outcomes over a sliding window of windowBuckets buckets.
type window struct {
	width time.Duration // of one bucket
	slots [windowBuckets]struct {
		id        int64 // bucket number (time / width) the counts belong to
		ok, fails int
	}
}

func (w *window) add(now time.Time, failed bool) {
	id := now.UnixNano() / int64(w.width)
	s := &w.slots[id%windowBuckets]
	if s.id != id {
		s.id, s.ok, s.fails = id, 0, 0
	}
	if failed {
		s.fails++
	} else {
		s.ok++
	}
}

func (w *window) totals(now time.Time) (total, fails int) {
	id := now.UnixNano() / int64(w.width)
	for _, s := range w.slots {
		if s.id > id-windowBuckets && s.id <= id {
			total += s.ok + s.fails
			fails += s.fails
		}
	}
	return total, fails
}

func (w *window) reset() {
	for i := range w.slots {
		w.slots[i].id, w.slots[i].ok, w.slots[i].fails = 0, 0, 0
	}
}
