package gateway

import (
	"sync"
	"time"

	"github.com/wsgw/wsgw/caller"
)

// FailedAuthLimit bounds the failed authentications of each client
// address (SecurityConfig.FailedAuth). A password is checked against an
// argon2id or bcrypt hash, which is made to be expensive: a stranger
// sending wrong passwords must not be able to eat the gateway's CPU. Each
// address (an IPv6 one by its /64, package caller; behind trusted proxies,
// the client X-Forwarded-For names) has a bucket of Burst failures, one
// more coming back every Recovery; an address with none left is answered
// wsse:FailedAuthentication (WS-Security 1.1, 12) for a request carrying a
// UsernameToken without its password being checked, until one comes back.
// (choice) Its correct password is refused too meanwhile: telling it apart
// would take the hashing the limit saves. Requests without a
// UsernameToken, and successful ones, spend nothing.
//
// The table is bounded (MaxAddresses): full buckets are dropped first;
// when every tracked address still has failures against it, new addresses
// share one overflow bucket (choice: memory and hashing stay bounded under
// a flood from many addresses; the addresses already tracked keep their
// own).
type FailedAuthLimit struct {
	// Burst is how many failures an address may have at once; zero: 10,
	// negative: no limit.
	Burst int
	// Recovery is how long until one more failure is allowed; zero: 30s.
	Recovery time.Duration
	// MaxAddresses bounds the addresses tracked; zero: 10000.
	MaxAddresses int
}

// Defaults of FailedAuthLimit.
const (
	DefaultFailedAuthBurst        = 10
	DefaultFailedAuthRecovery     = 30 * time.Second
	DefaultFailedAuthMaxAddresses = 10000
)

func (c FailedAuthLimit) withDefaults() FailedAuthLimit {
	if c.Burst == 0 {
		c.Burst = DefaultFailedAuthBurst
	}
	if c.Recovery == 0 {
		c.Recovery = DefaultFailedAuthRecovery
	}
	if c.MaxAddresses == 0 {
		c.MaxAddresses = DefaultFailedAuthMaxAddresses
	}
	return c
}

// authLimiter applies a FailedAuthLimit.
type authLimiter struct {
	cfg FailedAuthLimit // with defaults
	now func() time.Time

	mu       sync.Mutex // guards buckets and overflow
	buckets  map[caller.ID]*authBucket
	overflow authBucket
}

// authBucket holds the failures an address may still have (tokens, as of
// at).
type authBucket struct {
	tokens float64
	at     time.Time
}

func newAuthLimiter(cfg FailedAuthLimit, now func() time.Time) *authLimiter {
	if now == nil {
		now = time.Now
	}
	cfg = cfg.withDefaults()
	return &authLimiter{cfg: cfg, now: now, buckets: map[caller.ID]*authBucket{},
		overflow: authBucket{tokens: float64(cfg.Burst), at: now()}}
}

// allow reports whether a request of who may have its password checked.
func (l *authLimiter) allow(who caller.ID) bool {
	if l.cfg.Burst < 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucketLocked(who, false)
	return b == nil || b.tokens >= 1
}

// failed records a failed authentication of who.
func (l *authLimiter) failed(who caller.ID) {
	if l.cfg.Burst < 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.bucketLocked(who, true); b != nil {
		b.tokens = max(b.tokens-1, 0)
	}
}

// bucketLocked returns who's bucket refilled to now; nil when who has
// none and create is false (a full bucket). l.mu must be held.
func (l *authLimiter) bucketLocked(who caller.ID, create bool) *authBucket {
	now := l.now()
	b, ok := l.buckets[who]
	switch {
	case ok:
	case len(l.buckets) >= l.cfg.MaxAddresses && !l.dropFullLocked(now):
		b = &l.overflow
	case !create:
		return nil
	default:
		b = &authBucket{tokens: float64(l.cfg.Burst), at: now}
		l.buckets[who] = b
	}
	l.refill(b, now)
	return b
}

// refill gives b back what Recovery brought since it was last seen.
func (l *authLimiter) refill(b *authBucket, now time.Time) {
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(b.tokens+float64(d)/float64(l.cfg.Recovery), float64(l.cfg.Burst))
	}
	b.at = now
}

// dropFullLocked removes the buckets that are full again and reports
// whether there is room now. l.mu must be held.
func (l *authLimiter) dropFullLocked(now time.Time) bool {
	for who, b := range l.buckets {
		if l.refill(b, now); b.tokens >= float64(l.cfg.Burst) {
			delete(l.buckets, who)
		}
	}
	return len(l.buckets) < l.cfg.MaxAddresses
}
