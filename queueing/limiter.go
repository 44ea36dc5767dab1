package queueing

import (
	"math"
	"time"

	"github.com/wsgw/wsgw/internal/fielderr"
)

// LimiterConfig configures the adaptive concurrency limit of a stage (see
// Limiter). Zero fields take the defaults in comments.
type LimiterConfig struct {
	// Disabled keeps the stage's worker count fixed at Workers.
	Disabled bool
	// Initial is the limit before any sample; default the ceiling (the
	// stage's Workers): the limit starts permissive and learns down, so
	// that a burst at start is not refused for want of samples.
	Initial int
	Min     int // the limit never goes below; default 1
	// Slack is the rise of the round trip over the no-load one that is not
	// taken for queueing: below a millisecond or so a busy host's
	// scheduling moves round trips more than a queue does. Default 1ms,
	// negative: none.
	Slack time.Duration
	// QueueFactor bounds the stage's queue to QueueFactor times the limit
	// (at least 1): a queue the limit drains within QueueFactor round
	// trips. Default 0.5; the stage's QueueLen still caps it.
	QueueFactor float64
	// ProbeInterval is how often the no-load round trip is measured anew,
	// with the limit held at ProbeLimit until ProbeSamples samples taken
	// at that concurrency came back; default 30s, negative: never (the
	// no-load round trip is then the lowest ever seen).
	ProbeInterval time.Duration
	ProbeLimit    int // default 2
	ProbeSamples  int // default 16
}

const (
	defaultSlack         = time.Millisecond
	defaultQueueFactor   = 0.5
	defaultProbeInterval = 30 * time.Second
	defaultProbeLimit    = 2
	defaultProbeSamples  = 16
	// minWindow is the fewest samples per limit update.
	minWindow = 4
	// dropFactor scales the limit down after a window with a drop (a
	// timeout or a failed try): multiplicative decrease.
	dropFactor = 0.9
)

// Validate reports every invalid field of c as *fielderr.Error values
// (paths such as "Initial"), in field order.
func (c LimiterConfig) Validate() error {
	var l fielderr.List
	if c.Initial < 0 {
		l.Add(fielderr.Path{}.Field("Initial"), "%d is negative", c.Initial)
	}
	if c.Min < 0 {
		l.Add(fielderr.Path{}.Field("Min"), "%d is negative", c.Min)
	}
	if c.QueueFactor < 0 || math.IsNaN(c.QueueFactor) {
		l.Add(fielderr.Path{}.Field("QueueFactor"), "%v is negative", c.QueueFactor)
	}
	if c.ProbeLimit < 0 {
		l.Add(fielderr.Path{}.Field("ProbeLimit"), "%d is negative", c.ProbeLimit)
	}
	if c.ProbeSamples < 0 {
		l.Add(fielderr.Path{}.Field("ProbeSamples"), "%d is negative", c.ProbeSamples)
	}
	return l.Err()
}

func (c LimiterConfig) withDefaults(ceiling int) LimiterConfig {
	if c.Min == 0 {
		c.Min = 1
	}
	c.Min = min(c.Min, ceiling)
	if c.Initial == 0 {
		c.Initial = ceiling
	}
	switch {
	case c.Slack == 0:
		c.Slack = defaultSlack
	case c.Slack < 0:
		c.Slack = 0
	}
	c.Initial = min(max(c.Initial, c.Min), ceiling)
	if c.QueueFactor == 0 {
		c.QueueFactor = defaultQueueFactor
	}
	if c.ProbeInterval == 0 {
		c.ProbeInterval = defaultProbeInterval
	}
	if c.ProbeLimit == 0 {
		c.ProbeLimit = defaultProbeLimit
	}
	c.ProbeLimit = min(max(c.ProbeLimit, c.Min), ceiling)
	if c.ProbeSamples == 0 {
		c.ProbeSamples = defaultProbeSamples
	}
	return c
}

// Limiter is an adaptive concurrency limit learned from round-trip times
// (TCP Vegas, as Netflix's concurrency-limits applies it to servers): the
// limit L grows while the round trip stays near the no-load round trip
// and shrinks when requests queue downstream. From the average round trip
// rtt of a window of samples and the no-load round trip rtt0 (plus
// Slack), the requests queued downstream are estimated as
// L*(1-(rtt0+slack)/rtt) (Little's law: L requests in flight, of which
// L*(rtt0+slack)/rtt are being served). With g = max(1, log10 L),
// alpha = 3g and beta = 6g:
//
//   - queue <= g: L += beta (nothing queues: grow fast);
//   - queue < alpha: L += g;
//   - queue > beta: L goes down to those served plus alpha, by g at
//     least (one window suffices to come down from a limit far too high,
//     as after the permissive start);
//   - a window with a drop (timeout, failed try): L *= 0.9;
//   - a window in which fewer than L/2 were ever in flight leaves L as it
//     is (the load, not the backend, set the round trip).
//
// A window is max(L, 4) samples: about one round trip of the whole
// limit. The no-load round trip is the lowest sample seen since the last
// probe; every ProbeInterval the limit is held at ProbeLimit until
// ProbeSamples samples taken at that concurrency have come back, and their
// lowest becomes the no-load round trip (as Envoy's adaptive concurrency
// filter re-measures its minRTT), so that a backend that became slower for
// good is not held to its old speed.
//
// A Limiter is deterministic: it owns no goroutine and reads no clock;
// time comes with each Observe. It is not safe for concurrent use: the
// Stage that holds it guards it with its mutex.
type Limiter struct {
	cfg   LimiterConfig
	max   int
	limit float64

	noLoad time.Duration // lowest round trip since the last probe; 0 before any

	winN       int
	winSum     time.Duration
	winDrop    bool
	winMaxBusy int

	started   bool
	nextProbe time.Time
	probing   bool
	probeN    int
	probeMin  time.Duration
}

// NewLimiter returns a limiter between cfg.Min and ceiling (the stage's
// Workers).
func NewLimiter(cfg LimiterConfig, ceiling int) *Limiter {
	ceiling = max(ceiling, 1)
	cfg = cfg.withDefaults(ceiling)
	return &Limiter{cfg: cfg, max: ceiling, limit: float64(cfg.Initial)}
}

// Limit returns the concurrency allowed now.
func (l *Limiter) Limit() int {
	if l.probing {
		return l.cfg.ProbeLimit
	}
	return int(l.limit)
}

// QueueLen returns how many callers may wait for the limit now.
func (l *Limiter) QueueLen() int {
	return max(1, int(math.Ceil(float64(l.Limit())*l.cfg.QueueFactor)))
}

// NoLoadRTT returns the no-load round trip the limiter measures against,
// 0 before the first sample.
func (l *Limiter) NoLoadRTT() time.Duration { return l.noLoad }

// Observe records one finished request: its round trip, how many requests
// were in flight as it finished (itself included), and whether it was
// dropped (timed out or failed for want of capacity). now is the current
// time.
func (l *Limiter) Observe(now time.Time, rtt time.Duration, inflight int, dropped bool) {
	if !l.started {
		l.started = true
		l.nextProbe = now.Add(l.cfg.ProbeInterval)
	}
	if l.probing {
		l.observeProbe(now, rtt, inflight, dropped)
		return
	}
	if !dropped && rtt > 0 && (l.noLoad == 0 || rtt < l.noLoad) {
		l.noLoad = rtt
	}
	l.winN++
	l.winSum += rtt
	l.winDrop = l.winDrop || dropped
	l.winMaxBusy = max(l.winMaxBusy, inflight)
	if l.winN >= max(int(l.limit), minWindow) {
		l.update()
	}
	if l.cfg.ProbeInterval > 0 && !now.Before(l.nextProbe) {
		l.probing, l.probeN, l.probeMin = true, 0, 0
	}
}

// update moves the limit after a full window and starts the next one.
func (l *Limiter) update() {
	lim := l.limit
	g := max(1, math.Log10(lim))
	switch {
	case l.winDrop:
		lim *= dropFactor
	case float64(l.winMaxBusy)*2 < lim:
		// Application-limited: the round trips say nothing of a higher
		// limit.
	case l.noLoad > 0 && l.winSum > 0:
		rtt := float64(l.winSum) / float64(l.winN)
		served := lim * float64(l.noLoad+l.cfg.Slack) / rtt
		queue := lim - served
		switch {
		case queue <= g:
			lim += 6 * g
		case queue < 3*g:
			lim += g
		case queue > 6*g:
			// Down to what is being served plus alpha queued at once
			// (the gradient rule of Envoy's adaptive concurrency),
			// by g at least.
			lim = min(lim-g, served+3*g)
		}
	}
	l.limit = min(max(lim, float64(l.cfg.Min)), float64(l.max))
	l.winN, l.winSum, l.winDrop, l.winMaxBusy = 0, 0, false, 0
}

// observeProbe takes samples at the probe concurrency; the requests
// admitted before the probe began, which finish with more in flight, do
// not count.
func (l *Limiter) observeProbe(now time.Time, rtt time.Duration, inflight int, dropped bool) {
	if dropped || inflight > l.cfg.ProbeLimit {
		return
	}
	if l.probeN == 0 || rtt < l.probeMin {
		l.probeMin = rtt
	}
	l.probeN++
	if l.probeN < l.cfg.ProbeSamples {
		return
	}
	l.noLoad = l.probeMin
	l.probing = false
	l.nextProbe = now.Add(l.cfg.ProbeInterval)
	l.winN, l.winSum, l.winDrop, l.winMaxBusy = 0, 0, false, 0
}
