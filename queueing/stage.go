package queueing

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsgw/wsgw/internal/fielderr"
)

// StageConfig configures a Stage. Zero fields take the defaults in comments.
type StageConfig struct {
	Name     string
	Workers  int // concurrent tasks; default 64
	QueueLen int // tasks waiting for a worker; default 256; negative means no queue
	// TargetDelay is the queueing delay above which the stage refuses new
	// work (CoDel-style: refused once the oldest waiter has waited longer
	// than TargetDelay); 0 means 100ms, negative disables the check.
	TargetDelay time.Duration
	// Limiter, when set and not Disabled, makes the worker count adaptive
	// (Limiter): between Limiter.Min and Workers, learned from the round
	// trips the stage's user reports with Observe; the queue is then also
	// bounded to what the limit drains soon (LimiterConfig.QueueFactor).
	// Nil: Workers is fixed.
	Limiter *LimiterConfig
}

const (
	defaultWorkers     = 64
	defaultQueueLen    = 256
	defaultTargetDelay = 100 * time.Millisecond
	// retryAfterFactor scales the delay target into the Retry-After hint:
	// a client that comes back after a few targets finds a drained queue
	// unless the overload persists.
	retryAfterFactor = 4
	// retryAfterNoTarget is the hint when the delay check is disabled.
	retryAfterNoTarget = time.Second
)

// Reasons a stage gives in BusyError.Reason.
const (
	ReasonQueueFull = "queue full"
	ReasonDelay     = "queueing delay over target"
	ReasonClosed    = "stage closed"
	ReasonLimit     = "over the adaptive concurrency limit"
)

// Validate reports every invalid field of c as *fielderr.Error values
// (paths such as "Workers"), in field order.
func (c StageConfig) Validate() error {
	var l fielderr.List
	if c.Workers < 0 {
		l.Add(fielderr.Path{}.Field("Workers"), "%d is negative", c.Workers)
	}
	if c.Limiter != nil {
		l.Nest(fielderr.Path{}.Field("Limiter"), c.Limiter.Validate())
	}
	return l.Err()
}

func (c StageConfig) withDefaults() StageConfig {
	if c.Workers == 0 {
		c.Workers = defaultWorkers
	}
	switch {
	case c.QueueLen == 0:
		c.QueueLen = defaultQueueLen
	case c.QueueLen < 0:
		c.QueueLen = 0
	}
	if c.TargetDelay == 0 {
		c.TargetDelay = defaultTargetDelay
	}
	return c
}

// BusyError is returned by Do when the stage refuses work.
type BusyError struct {
	Stage      string
	Reason     string        // ReasonQueueFull, ReasonDelay or ReasonClosed
	RetryAfter time.Duration // a hint for clients
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("stage %s busy: %s (retry after %s)", e.Stage, e.Reason, e.RetryAfter)
}

// Stage is a bounded queue in front of a bounded pool of workers with
// admission control (SEDA).
//
// Execution model: a Stage owns no goroutines. A "worker" is a slot; Do
// runs fn on the caller's goroutine once it holds one of Workers slots,
// so an admitted request costs a mutex round trip rather than a goroutine
// hand-off. Callers that find every slot taken wait in a FIFO queue of at
// most QueueLen; a finishing task hands its slot directly to the oldest
// waiter, so order is first come, first served and no barging newcomer
// can overtake the queue.
type Stage struct {
	cfg        StageConfig
	retryAfter time.Duration
	now        func() time.Time // the clock; tests replace it

	mu      sync.Mutex // guards running, waiters, closed, drained, lim
	lim     *Limiter   // nil: cfg.Workers slots
	running int        // slots held (tasks running or granted a slot)
	waiters waitList   // callers waiting for a slot, oldest first
	closed  bool
	drained chan struct{} // closed once closed && running == 0 && no waiters

	admitted atomic.Uint64
	rejected atomic.Uint64
	canceled atomic.Uint64
}

// NewStage returns a running stage; Close stops it.
func NewStage(cfg StageConfig) (*Stage, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("configuring stage %s: %w", cfg.Name, err)
	}
	cfg = cfg.withDefaults()
	s := &Stage{cfg: cfg, now: time.Now, drained: make(chan struct{})}
	if cfg.Limiter != nil && !cfg.Limiter.Disabled {
		s.lim = NewLimiter(*cfg.Limiter, cfg.Workers)
	}
	s.retryAfter = retryAfterNoTarget
	if cfg.TargetDelay > 0 {
		s.retryAfter = retryAfterFactor * cfg.TargetDelay
	}
	return s, nil
}

// Name returns the stage's configured name.
func (s *Stage) Name() string { return s.cfg.Name }

// Do admits fn or refuses it at once with *BusyError. Once admitted, fn runs
// when a worker is free and Do returns after fn returns. If ctx ends while
// fn waits in the queue, Do returns ctx.Err() and fn never runs.
//
// fn runs on the caller's goroutine. A panic in fn releases the worker
// slot and propagates to the caller. After Close, Do refuses with
// Reason ReasonClosed.
func (s *Stage) Do(ctx context.Context, fn func(ctx context.Context)) error {
	if err := s.acquire(ctx); err != nil {
		return err
	}
	defer s.release()
	fn(ctx)
	return nil
}

// acquire obtains a worker slot, waiting in the queue if need be.
func (s *Stage) acquire(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return s.refuse(ReasonClosed)
	}
	if s.running < s.workersLocked() && s.waiters.len == 0 {
		s.running++
		s.mu.Unlock()
		s.admitted.Add(1)
		return nil
	}
	if s.waiters.len >= s.cfg.QueueLen {
		s.mu.Unlock()
		return s.refuse(ReasonQueueFull)
	}
	if s.lim != nil && s.waiters.len >= s.lim.QueueLen() {
		s.mu.Unlock()
		return s.refuse(ReasonLimit)
	}
	now := s.now()
	if s.cfg.TargetDelay > 0 && s.waiters.len > 0 && now.Sub(s.waiters.head.since) > s.cfg.TargetDelay {
		s.mu.Unlock()
		return s.refuse(ReasonDelay)
	}
	w := &waiter{since: now, ready: make(chan struct{})}
	s.waiters.pushBack(w)
	s.mu.Unlock()
	s.admitted.Add(1)

	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
	}
	s.mu.Lock()
	if w.granted {
		// The slot arrived as ctx ended: pass it on, fn must not run.
		s.mu.Unlock()
		s.release()
	} else {
		s.waiters.remove(w)
		s.signalDrainedLocked()
		s.mu.Unlock()
	}
	s.canceled.Add(1)
	return ctx.Err()
}

// release gives the caller's slot to the oldest waiter, or frees it (when
// no one waits, or an adaptive limit shrank below the slots held).
func (s *Stage) release() {
	s.mu.Lock()
	if s.running > s.workersLocked() || s.waiters.len == 0 {
		s.running--
		s.grantLocked()
		s.signalDrainedLocked()
	} else {
		s.grantOneLocked()
	}
	s.mu.Unlock()
}

// workersLocked returns the slots the stage may hand out now. s.mu must
// be held.
func (s *Stage) workersLocked() int {
	if s.lim != nil {
		return min(s.lim.Limit(), s.cfg.Workers)
	}
	return s.cfg.Workers
}

// grantLocked hands free slots to waiters, oldest first. s.mu must be
// held.
func (s *Stage) grantLocked() {
	for s.waiters.len > 0 && s.running < s.workersLocked() {
		s.running++
		s.grantOneLocked()
	}
}

// grantOneLocked hands a slot already counted in running to the oldest
// waiter. s.mu must be held and a waiter must be queued.
func (s *Stage) grantOneLocked() {
	w := s.waiters.popFront()
	w.granted = true
	close(w.ready)
}

// Observe reports the round trip of one task of class that ran in the
// stage (for the gateway: a backend's time to reply to an operation), and
// whether it was dropped (a timeout or a failure for want of capacity),
// to the stage's adaptive limit (Limiter.Observe says what a class is).
// It must be called before the task's Do returns, so that the task counts
// among those in flight. Without a limiter it does nothing.
func (s *Stage) Observe(class string, rtt time.Duration, dropped bool) {
	if s.lim == nil {
		return
	}
	s.mu.Lock()
	s.lim.Observe(s.now(), class, rtt, s.running, dropped)
	s.grantLocked()
	s.mu.Unlock()
}

// signalDrainedLocked closes drained when a closed stage has no work
// left. s.mu must be held.
func (s *Stage) signalDrainedLocked() {
	if s.closed && s.running == 0 && s.waiters.len == 0 {
		select {
		case <-s.drained:
		default:
			close(s.drained)
		}
	}
}

func (s *Stage) refuse(reason string) error {
	s.rejected.Add(1)
	return &BusyError{Stage: s.cfg.Name, Reason: reason, RetryAfter: s.retryAfter}
}

// StageStats is a snapshot of a stage's counters.
type StageStats struct {
	Queued   int    // callers waiting for a worker
	Running  int    // worker slots in use
	Limit    int    // worker slots allowed now (Workers, or the adaptive limit)
	Admitted uint64 // Do calls admitted (run at once or queued), ever
	Rejected uint64 // Do calls refused with *BusyError, ever
	Canceled uint64 // admitted calls whose ctx ended before fn ran, ever
}

// Stats returns a snapshot of the stage's counters.
func (s *Stage) Stats() StageStats {
	s.mu.Lock()
	st := StageStats{Queued: s.waiters.len, Running: s.running, Limit: s.workersLocked()}
	s.mu.Unlock()
	st.Admitted = s.admitted.Load()
	st.Rejected = s.rejected.Load()
	st.Canceled = s.canceled.Load()
	return st
}

// Close refuses new work, lets admitted work finish, and returns. Work
// already queued still runs (unless its ctx ends). Close may be called
// more than once and from several goroutines; each returns once drained.
func (s *Stage) Close() {
	s.mu.Lock()
	s.closed = true
	s.signalDrainedLocked()
	s.mu.Unlock()
	<-s.drained
}
