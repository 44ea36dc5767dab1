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
	// that a burst at start is not refused for want of samples. A limit
	// far above what is in use decays to a quarter of the ceiling
	// (Limiter).
	Initial int
	Min     int // the limit never goes below; default 1
	// Slack is the rise of the round trip over the no-load one that is not
	// taken for queueing: below a millisecond or so a busy host's
	// scheduling moves round trips more than a queue does. Default 1ms,
	// negative: none.
	Slack time.Duration
	// Tolerance is the queue the limit lets build downstream, as a
	// fraction of the no-load round trip (plus Slack): the limit shrinks
	// while a window's round trips exceed (1+Tolerance) times it, and
	// grows while they stay under (1+Tolerance/2) times it. Default 0.5.
	Tolerance float64
	// QueueFactor bounds the stage's queue to QueueFactor times the limit
	// (at least 1): a queue the limit drains within QueueFactor round
	// trips. Default 0.25: the limit already lets a short queue build at
	// the backend, which keeps it busy; every request waiting in the
	// stage on top of it adds to the latency of all that are admitted.
	// The stage's QueueLen still caps it.
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
	defaultTolerance     = 0.5
	defaultQueueFactor   = 0.25
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
	if c.Tolerance < 0 || math.IsNaN(c.Tolerance) {
		l.Add(fielderr.Path{}.Field("Tolerance"), "%v is negative", c.Tolerance)
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
	if c.Tolerance == 0 {
		c.Tolerance = defaultTolerance
	}
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

// Limiter is an adaptive concurrency limit learned from round-trip times,
// in the gradient form of TCP Vegas that Netflix's concurrency-limits
// (Gradient2) and Envoy's adaptive concurrency filter apply to servers:
// the limit L grows while the round trip stays near the no-load round
// trip and shrinks when requests queue downstream. Over a window of
// samples, the ratio r of the average round trip to the no-load one (plus
// Slack) says how many of the L requests in flight are being served,
// L/r (Little's law), and how many wait, L(1-1/r). The limit is steered
// into a band of queueing relative to the no-load round trip, with
// T = Tolerance:
//
//   - r <= 1+T/2 (nothing or little queues): L goes up to L(1+T/2)/r, by
//     one at least and at most doubling: below the backend's capacity,
//     where r stays near or under 1, it grows by half or more per window;
//   - 1+T/2 < r <= 1+T: L stays (the backend is busy, its queue short);
//   - r > 1+T: L goes down to L(1+T/2)/r, the middle of the band, at most
//     halving per window (Gradient2 bounds its gradient at 0.5 so that
//     one noisy window cannot collapse the limit); but in a window in which
//     never more than one was in flight, so that none queued behind
//     another, the round trips grew without a queue (a slower path to the
//     backend, a starved host): each class's lowest round trip of the
//     window becomes its no-load one, and L stays (without this, +10ms of
//     travel to a 4-slot backend held L at 1 and the goodput at 8% of
//     capacity until the next probe, 30s later);
//   - a window with a drop (timeout, failed try): L *= 0.9;
//   - a window in which fewer than L/2 were ever in flight moves L halfway
//     to twice the most in flight, not below a quarter of the ceiling
//     (the load, not the backend, set its round trips, and a limit far
//     above any use would let a sudden overload pile up before the round
//     trips could say so: TCP's congestion window validation, RFC 2861
//     (now RFC 7661), moves an unused window halfway to what was used).
//
// The band is relative: a queue of a fixed count of requests (Vegas's
// alpha and beta, 3 and 6 requests or more) is several times the
// capacity of a backend of 4 slots, whose admitted requests then waited
// three service times and more. With the default T of 0.5 the limit
// settles between 1.25 and 1.5 times what the backend serves without
// queueing (counting Slack): every slot stays busy, and the round trip
// stays within 1.5 times the no-load one plus Slack. The no-load round
// trip is the lowest, so a backend whose service times vary widely
// settles lower in the band: simulated, 64 slots of 50ms +-30% kept
// 0.93 of their capacity busy (the old rule, 0.3).
//
// A window is max(L, 4) samples of requests sent since the last change of
// the limit (Vegas adjusts once per round trip on a segment sent after
// its last change): the requests still in flight from before a cut would
// otherwise report the queue the cut already removed, and cut again.
// Drops count whenever they were sent.
//
// Each sample has a class (for the gateway: the operation, and whether
// the reply was a fault), and each class its own no-load round trip: over
// a window, r is the sum of the samples' round trips over the sum of
// their classes' no-load round trips (plus slack each). A single no-load
// round trip, the lowest of any request, took a backend's cheap requests
// (a fast operation, fast faults while its database was down) as the
// measure of its costly ones, saw a queue that was not there, and held
// the limit at a few requests whatever the backend's capacity.
//
// A class's no-load round trip is its lowest sample seen since the last
// probe; every ProbeInterval the limit is held at ProbeLimit until
// ProbeSamples samples taken at that concurrency have come back, and the
// lowest of each class becomes its no-load round trip, classes the probe
// did not see being relearnt from scratch (as Envoy's adaptive concurrency
// filter re-measures its minRTT), so that a backend that became slower for
// good is not held to its old speed. A probe that is due waits for a
// window whose round trips showed a queue (r over 1+T/2), the only
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

	winStart   time.Time // the window counts requests sent from then on
	winN       int
	win        map[string]classWindow // the window's samples by class
	winDrop    bool
	winMaxBusy int

	started   bool
	nextProbe time.Time
	queued    bool // the last window's round trips showed a queue (r over 1+T/2)
	probing   bool
	probeN    int
	probeMin  map[string]time.Duration // class -> lowest round trip of the probe
}

// classWindow is a window's samples of one class.
type classWindow struct {
	n      int
	sum    time.Duration
	lowest time.Duration
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
	return int(math.Round(l.limit))
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
// want of capacity). now is the current time; now-rtt is when the request
// was sent.
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
	if !dropped && now.Add(-rtt).Before(l.winStart) {
		return // sent under an earlier limit
	}
	l.winN++
	w := l.win[class]
	if w.n == 0 || rtt < w.lowest {
		w.lowest = rtt
	}
	w.n++
	w.sum += rtt
	l.win[class] = w
	l.winDrop = l.winDrop || dropped
	l.winMaxBusy = max(l.winMaxBusy, inflight)
	if l.winN >= max(int(l.limit), minWindow) {
		l.update(now)
	}
	if l.cfg.ProbeInterval > 0 && !now.Before(l.nextProbe) && l.queued {
		l.probing, l.probeN = true, 0
		clear(l.probeMin)
	}
}

// update moves the limit after a full window and starts the next one.
func (l *Limiter) update(now time.Time) {
	lim := l.limit
	used := 2 * float64(l.winMaxBusy)
	l.queued = false
	switch {
	case l.winDrop:
		lim *= dropFactor
	case used < lim:
		// Application-limited: the round trips say nothing of a higher
		// limit; an unused one decays (RFC 2861).
		lim = max((lim+used)/2, min(lim, float64(l.max)/4))
	default:
		r := l.ratio()
		if r <= 0 {
			break
		}
		low, high := 1+l.cfg.Tolerance/2, 1+l.cfg.Tolerance
		l.queued = r > low
		switch {
		case r <= low:
			lim = max(lim+1, min(2*lim, lim*low/r))
		case r > high && l.winMaxBusy <= 1:
			// A lone request queues behind nothing: the round trips
			// grew without a queue (a slower path, a starved host),
			// and are the no-load ones now.
			l.relearnFromWindow()
			l.queued = false
		case r > high:
			lim = max(lim/2, lim*low/r)
		}
	}
	l.limit = min(max(lim, float64(l.cfg.Min)), float64(l.max))
	l.resetWindow(now)
}

// ratio returns the window's round trips over its classes' no-load round
// trips plus slack, counting the classes whose no-load round trip is
// known; 0 when none is.
func (l *Limiter) ratio() float64 {
	var base, sum time.Duration
	for class, w := range l.win {
		if nl := l.noLoad[class]; nl > 0 {
			base += time.Duration(w.n) * (nl + l.cfg.Slack)
			sum += w.sum
		}
	}
	if base <= 0 || sum <= 0 {
		return 0
	}
	return float64(sum) / float64(base)
}

// relearnFromWindow makes the lowest round trip of each class in the
// window its no-load round trip, as a probe would have.
func (l *Limiter) relearnFromWindow() {
	for class, w := range l.win {
		if w.n > 0 && w.lowest > 0 {
			l.noLoad[class] = w.lowest
		}
	}
}

func (l *Limiter) resetWindow(now time.Time) {
	l.winStart = now
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
	l.resetWindow(now)
}
