package wssecurity

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"
)

// passCache remembers, for a while, that a PasswordText matched its user's
// password hash, so that a client sending the same password on every
// request pays for the slow hash once per period rather than per request.
// Entries are HMACs under a key drawn at start, of the user name, the
// password and the hash string, so the cache holds no password, and a hash
// changed in the users file no longer matches. Only successes are kept;
// the oldest entry goes first at the bound.
type passCache struct {
	key [32]byte
	max int
	ttl time.Duration

	mu    sync.Mutex // guards ok and order
	ok    map[[32]byte]time.Time
	order [][32]byte // insertion order, oldest first
}

func newPassCache(max int, ttl time.Duration) *passCache {
	c := &passCache{max: max, ttl: ttl, ok: map[[32]byte]time.Time{}}
	rand.Read(c.key[:]) // never fails (crypto/rand)
	return c
}

func (c *passCache) sum(name, password, hash string) [32]byte {
	m := hmac.New(sha256.New, c.key[:])
	for _, s := range []string{name, password, hash} {
		m.Write([]byte(s))
		m.Write([]byte{0})
	}
	var out [32]byte
	m.Sum(out[:0])
	return out
}

// hit reports whether k was recorded less than ttl ago.
func (c *passCache) hit(k [32]byte, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	exp, ok := c.ok[k]
	return ok && now.Before(exp)
}

// put records k until now+ttl.
func (c *passCache) put(k [32]byte, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.ok[k]; !ok {
		c.order = append(c.order, k)
	}
	c.ok[k] = now.Add(c.ttl)
	for len(c.order) > c.max {
		delete(c.ok, c.order[0])
		c.order = c.order[1:]
	}
}
