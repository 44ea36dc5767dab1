package gateway

import (
	"sync"
	"time"
)

// retryBudget caps retries gateway-wide: over a sliding window (the current
// and the previous period) retries may be at most minRetries plus ratio
// times the requests seen, so that a failing backend cannot multiply the
// load on the others (the "retry storm").
type retryBudget struct {
	ratio      float64
	minRetries int
	period     time.Duration
	now        func() time.Time

	mu sync.Mutex // guards the fields below
	// start is when the current period began.
	start       time.Time
	cur, prev   budgetCounts
	initialized bool
}

type budgetCounts struct{ requests, retries int }

func newRetryBudget() *retryBudget {
	return &retryBudget{ratio: 0.2, minRetries: 10, period: 10 * time.Second, now: time.Now}
}

// request counts one request.
func (b *retryBudget) request() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rollLocked()
	b.cur.requests++
}

// allowRetry reports whether one more retry fits the budget, and if so
// counts it.
func (b *retryBudget) allowRetry() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rollLocked()
	requests := b.cur.requests + b.prev.requests
	retries := b.cur.retries + b.prev.retries
	if float64(retries) >= float64(b.minRetries)+b.ratio*float64(requests) {
		return false
	}
	b.cur.retries++
	return true
}

// rollLocked advances the periods; b.mu must be held.
func (b *retryBudget) rollLocked() {
	now := b.now()
	if !b.initialized {
		b.start, b.initialized = now, true
		return
	}
	switch elapsed := now.Sub(b.start); {
	case elapsed >= 2*b.period:
		b.prev, b.cur, b.start = budgetCounts{}, budgetCounts{}, now
	case elapsed >= b.period:
		b.prev, b.cur, b.start = b.cur, budgetCounts{}, b.start.Add(b.period)
	}
}
