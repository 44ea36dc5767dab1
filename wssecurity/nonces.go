package wssecurity

import (
	"container/heap"
	"crypto/sha256"
	"sync"
	"time"
)

// nonceCache remembers the nonces of accepted UsernameTokens until their
// tokens are too old to be accepted anyway (UsernameToken Profile 1.1, 3.1:
// a nonce cache limited to a freshness period bounds the server's
// resources). It is keyed by identity: a nonce is recorded only after its
// token authenticated, under the user it proved, so nobody can fill the
// cache for others, and each identity has its own bound besides the
// global one.
type nonceCache struct {
	max, perID int

	mu    sync.Mutex // guards seen, count and byExp
	seen  map[nonceKey]time.Time
	count map[string]int // entries per identity
	byExp expiryHeap
}

// nonceKey holds a digest of the nonce, so that every entry has the same
// size whatever the nonce's.
type nonceKey struct {
	id  string
	sum [16]byte
}

func newNonceCache(max, perID int) *nonceCache {
	return &nonceCache{max: max, perID: perID, seen: map[nonceKey]time.Time{}, count: map[string]int{}}
}

// nonceResult is what add decided.
type nonceResult uint8

const (
	nonceNew     nonceResult = iota // recorded
	nonceReplay                     // seen before and not expired
	nonceFullID                     // the identity's bound is reached
	nonceFullAll                    // the global bound is reached
)

// add records nonce for identity id until expires. At a bound it records
// nothing and returns, besides the result, when the first entry expires
// (nonceFullAll) or 0 (nonceFullID: the caller knows its window).
func (c *nonceCache) add(id string, nonce []byte, expires, now time.Time) (nonceResult, time.Duration) {
	k := nonceKey{id: id}
	sum := sha256.Sum256(nonce)
	copy(k.sum[:], sum[:])
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sweepLocked(now)
	if _, dup := c.seen[k]; dup {
		return nonceReplay, 0
	}
	if c.count[id] >= c.perID {
		return nonceFullID, 0
	}
	if len(c.seen) >= c.max {
		return nonceFullAll, c.byExp[0].at.Sub(now)
	}
	c.seen[k] = expires
	c.count[id]++
	heap.Push(&c.byExp, expiry{at: expires, key: k})
	return nonceNew, 0
}

// sweepLocked forgets the entries that expired by now. c.mu must be held.
func (c *nonceCache) sweepLocked(now time.Time) {
	for len(c.byExp) > 0 && !c.byExp[0].at.After(now) {
		e := heap.Pop(&c.byExp).(expiry)
		delete(c.seen, e.key)
		if c.count[e.key.id]--; c.count[e.key.id] <= 0 {
			delete(c.count, e.key.id)
		}
	}
}

// len returns the number of entries, expired ones included until the next
// add sweeps them.
func (c *nonceCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}

type expiry struct {
	at  time.Time
	key nonceKey
}

// expiryHeap is a min-heap of expiries (container/heap).
type expiryHeap []expiry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
