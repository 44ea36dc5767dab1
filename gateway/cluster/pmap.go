package cluster

import (
	"math/rand/v2"
	"sync"
)

// The partition map: rendezvous (highest-random-weight) hashing, Thaler
// and Ravishankar 1998. Each partition scores every key with a hash of
// (key, partition name); the key goes to the partition with the highest
// score. Adding a partition to n moves only the keys it now wins, about
// 1/(n+1) of them, all to the newcomer; removing one moves only its keys.
//
// The hash is FNV-1a 64 of the key, xored with a per-partition seed (the
// FNV-1a 64 of its name, finalised) and put through the MurmurHash3 64-bit
// finaliser for avalanche. It is fixed: the same key reaches the same
// partition in every process and after restarts, as long as the
// partition names are unchanged.

const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

// fnv1a64 is FNV-1a 64 over s, without converting s to bytes.
func fnv1a64(s string) uint64 {
	h := uint64(fnvOffset64)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime64
	}
	return h
}

// fmix64 is the MurmurHash3 64-bit finaliser.
func fmix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

func partitionSeed(name string) uint64 { return fmix64(fnv1a64(name)) }

// score is the rendezvous weight of a key (hashed) on a partition.
func score(keyHash, seed uint64) uint64 { return fmix64(keyHash ^ seed) }

// Partition returns the partition for key by rendezvous hashing.
func (c *Cluster) Partition(key string) *Partition {
	if len(c.parts) == 1 {
		return c.parts[0]
	}
	kh := fnv1a64(key)
	best, bestScore := c.parts[0], score(kh, c.parts[0].seed)
	for _, p := range c.parts[1:] {
		// Ties (2^-64) go to the earlier partition in config order.
		if s := score(kh, p.seed); s > bestScore {
			best, bestScore = p, s
		}
	}
	return best
}

// AnyPartition returns a partition for a request without a key: the one
// with the most available capacity, that is the fewest requests in flight
// per available replica, ties broken at random. When no partition has an
// available replica it returns one at random, whose Pick returns nil.
func (c *Cluster) AnyPartition() *Partition {
	now := lazyNow{c: c}
	var best *Partition
	var bestAvail, bestLoad int64
	ties := 0
	for _, p := range c.parts {
		avail, load := p.capacity(&now)
		if avail == 0 {
			continue
		}
		// Compare load/avail without division: a is better than b when
		// a.load*b.avail < b.load*a.avail.
		switch {
		case best == nil || load*bestAvail < bestLoad*avail:
			best, bestAvail, bestLoad, ties = p, avail, load, 1
		case load*bestAvail == bestLoad*avail:
			ties++ // reservoir sampling keeps each tie with chance 1/ties
			if rand.IntN(ties) == 0 {
				best, bestAvail, bestLoad = p, avail, load
			}
		}
	}
	if best == nil {
		return c.parts[rand.IntN(len(c.parts))]
	}
	return best
}

// Partition is a set of equivalent replicas.
type Partition struct {
	c        *Cluster
	name     string
	seed     uint64 // rendezvous seed from name
	replicas []*Replica

	// mu guards ejection decisions across the partition's replicas: the
	// count of ejected replicas checked against MaxEjectedPercent, and
	// each replica's ejectedUntil writes, timesEjected and lastEjection.
	mu sync.Mutex
}

func (p *Partition) Name() string         { return p.name }
func (p *Partition) Replicas() []*Replica { return p.replicas }

// capacity returns the number of available replicas and the requests in
// flight on them.
func (p *Partition) capacity(now *lazyNow) (avail, load int64) {
	for _, r := range p.replicas {
		if r.available(now) {
			avail++
			load += r.inFlight.Load()
		}
	}
	return avail, load
}
