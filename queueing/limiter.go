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
	// ProbeInterval is how often the no-load round trip is measured anew
	// (once the round trips show a queue), with the limit held at
	// ProbeLimit until ProbeSamples samples taken at that concurrency came
	// back; default 30s, negative: never (the no-load round trip is then
	// the lowest ever seen).
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
	// maxClasses bounds the classes whose no-load round trips are kept;
	// samples of further classes share overflowClass. (choice) 256: a
	// class is an operation of one service (twice: answers and faults).
	maxClasses    = 256
	overflowClass = "\x00overflow"
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
// L*(rtt0+slack)/rtt are being served).
//
// Each sample has a class (for the gateway: the operation, and whether
// the reply was a fault), and each class its own no-load round trip: over
// a window, (rtt0+slack)/rtt is the sum of the samples' classes' no-load
// round trips (plus slack each) over the sum of their round trips. A
// single no-load round trip, the lowest of any request, took a backend's
// cheap requests (a fast operation, fast faults while its database was
// down) as the measure of its costly ones, saw a queue that was not there,
// and held the limit at a few requests (about 4 whatever the backend's
// capacity) for as long as cheap requests came (a probe measured the same
// lowest). With g = max(1, log10 L),
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
// limit. A class's no-load round trip is its lowest sample seen since the
// last probe; every ProbeInterval the limit is held at ProbeLimit until
// ProbeSamples samples taken at that concurrency have come back, and the
// lowest of each class becomes its no-load round trip, classes the probe
// did not see being relearnt from scratch (as Envoy's adaptive concurrency
// filter re-measures its minRTT), so that a backend that became slower for
// good is not held to its old speed. A probe that is due waits for a
// window whose round trips showed a queue of alpha or more, the only
// windows in which a no-load round trip too low (the backend slower for
// good; one too high is lowered by the next sample) holds the limit back:
// holding the limit at ProbeLimit refuses nearly every request while the
// probe lasts, which below capacity refused requests nothing else would
// (1.1% of them at half a backend's capacity, probes every 30s).
//
// A Limiter is deterministic: it owns no goroutine and reads no clock;
// time comes with each Observe. It is not safe for concurrent use: the
// Stage that holds it guards it with its mutex.
type Limiter struct {
	cfg   LimiterConfig
	max   int
	limit float64

	noLoad map[string]time.Duration // class -> lowest round trip since the last probe

	winN       int
	win        map[string]classWindow // the window's samples by class
	winDrop    bool
	winMaxBusy int

	started   bool
	nextProbe time.Time
	queued    bool // the last window's round trips showed a queue of alpha or more
	probing   bool
	probeN    int
	probeMin  map[string]time.Duration // class -> lowest round trip of the probe
}

// classWindow is a window's samples of one class.
type classWindow struct {
	n   int
	sum time.Duration
}

// NewLimiter returns a limiter between cfg.Min and ceiling (the stage's
// Workers).
func NewLimiter(cfg LimiterConfig, ceiling int) *Limiter {
	ceiling = max(ceiling, 1)
	cfg = cfg.withDefaults(ceiling)
	return &Limiter{cfg: cfg, max: ceiling, limit: float64(cfg.Initial),
		noLoad: make(map[string]time.Duration), win: make(map[string]classWindow),
		probeMin: make(map[string]time.Duration)}
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

// NoLoadRTT returns the no-load round trip of class the limiter measures
// against, 0 before the class's first sample.
func (l *Limiter) NoLoadRTT(class string) time.Duration { return l.noLoad[l.classOf(class)] }

// classOf returns the class under which class's samples are kept: class,
// or overflowClass once maxClasses classes are known.
func (l *Limiter) classOf(class string) string {
	if _, ok := l.noLoad[class]; ok || len(l.noLoad) < maxClasses {
		return class
	}
	return overflowClass
}

// Observe records one finished request: its class (requests of a class
// cost the backend about the same; "" for all when nothing tells them
// apart), its round trip, how many requests were in flight as it finished
// (itself included), and whether it was dropped (timed out or failed for
// want of capacity). now is the current time.
func (l *Limiter) Observe(now time.Time, class string, rtt time.Duration, inflight int, dropped bool) {
	if !l.started {
		l.started = true
		l.nextProbe = now.Add(l.cfg.ProbeInterval)
	}
	class = l.classOf(class)
	if l.probing {
		l.observeProbe(now, class, rtt, inflight, dropped)
		return
	}
	if nl, ok := l.noLoad[class]; !ok || !dropped && rtt > 0 && (nl == 0 || rtt < nl) {
		if dropped || rtt <= 0 {
			l.noLoad[class] = 0 // known, no no-load round trip yet
		} else {
			l.noLoad[class] = rtt
		}
	}
	l.winN++
	w := l.win[class]
	w.n++
	w.sum += rtt
	l.win[class] = w
	l.winDrop = l.winDrop || dropped
	l.winMaxBusy = max(l.winMaxBusy, inflight)
	if l.winN >= max(int(l.limit), minWindow) {
		l.update()
	}
	if l.cfg.ProbeInterval > 0 && !now.Before(l.nextProbe) && l.queued {
		l.probing, l.probeN = true, 0
		clear(l.probeMin)
	}
}

// update moves the limit after a full window and starts the next one.
func (l *Limiter) update() {
	lim := l.limit
	g := max(1, math.Log10(lim))
	l.queued = false
	switch {
	case l.winDrop:
		lim *= dropFactor
	case float64(l.winMaxBusy)*2 < lim:
		// Application-limited: the round trips say nothing of a higher
		// limit.
	default:
		// rtt0/rtt over the window's samples of classes whose no-load
		// round trip is known.
		var base, sum time.Duration
		for class, w := range l.win {
			if nl := l.noLoad[class]; nl > 0 {
				base += time.Duration(w.n) * (nl + l.cfg.Slack)
				sum += w.sum
			}
		}
		if base <= 0 || sum <= 0 {
			break
		}
		served := lim * float64(base) / float64(sum)
		queue := lim - served
		l.queued = queue >= 3*g
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
	l.resetWindow()
}

func (l *Limiter) resetWindow() {
	l.winN, l.winDrop, l.winMaxBusy = 0, false, 0
	clear(l.win)
}

// observeProbe takes samples at the probe concurrency; the requests
// admitted before the probe began, which finish with more in flight, do
// not count.
func (l *Limiter) observeProbe(now time.Time, class string, rtt time.Duration, inflight int, dropped bool) {
	if dropped || inflight > l.cfg.ProbeLimit {
		return
	}
	if m, ok := l.probeMin[class]; !ok || rtt < m {
		l.probeMin[class] = rtt
	}
	l.probeN++
	if l.probeN < l.cfg.ProbeSamples {
		return
	}
	l.noLoad, l.probeMin = l.probeMin, l.noLoad
	clear(l.probeMin)
	l.probing = false
	l.nextProbe = now.Add(l.cfg.ProbeInterval)
	l.resetWindow()
}
