package direct

import (
	"math"
	"time"
)

// bucket is a token bucket of bytes refilled from engine time (no clock of
// its own). It lends: a datagram may go while the balance is positive and
// take it below zero, so one larger than the depth still goes (choice); the
// bytes sent by time t are then at most depth + rate·t + one datagram.
type bucket struct {
	rate, depth float64 // bytes/s, bytes
	tokens      float64
	at          time.Time
}

func newBucket(rate, depth int64, now time.Time) bucket {
	return bucket{rate: float64(rate), depth: float64(depth), tokens: float64(depth), at: now}
}

func (b *bucket) refill(now time.Time) {
	if now.After(b.at) {
		b.tokens = min(b.depth, b.tokens+b.rate*now.Sub(b.at).Seconds())
		b.at = now
	}
}

func (b *bucket) ok() bool { return b.tokens > 0 }

func (b *bucket) take(n int) { b.tokens -= float64(n) }

// earn adds n bytes of credit (up to the depth).
func (b *bucket) earn(n float64) { b.tokens = min(b.depth, b.tokens+n) }

// readyAt is when the balance turns positive again.
func (b *bucket) readyAt() time.Time {
	if b.tokens > 0 {
		return b.at
	}
	if b.rate <= 0 {
		return time.Time{}
	}
	wait := math.Ceil(-b.tokens/b.rate*1e9) + 1
	return b.at.Add(time.Duration(wait))
}

// expBackoff draws a NAK back-off from [0, maxWait]: the truncated
// exponential distribution of NORM (RFC 5740, 5.3; RFC 5401), with
// λ = ln(groupSize) + 1, by inverting its distribution function for u, a
// uniform draw from [0, 1). The first of many receivers to fire does so
// early, most others late enough to hear its NCF and stay silent.
func expBackoff(maxWait time.Duration, groupSize float64, u float64) time.Duration {
	if maxWait <= 0 {
		return 0
	}
	lambda := math.Log(max(groupSize, 1)) + 1
	return time.Duration(float64(maxWait) / lambda * math.Log1p(u*math.Expm1(lambda)))
}
