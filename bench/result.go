package bench

import (
	"math"
	"slices"
	"time"
)

// Result is one side's measurement of a Load.
type Result struct {
	System string // what was measured, e.g. "wsgw badgerq" or "RabbitMQ 3.12.1"
	Load   Load

	Elapsed    time.Duration // wall time of the run, setup excluded
	Throughput float64       // acknowledged messages per second

	// Acknowledgement latency: from the send of a message to its
	// acknowledgement, over every message of the run.
	P50, P99, Max time.Duration

	// Syncs is the number of syncs to disk the wsgw side made (its group
	// commits); 0 when unknown (the peer).
	Syncs uint64
}

// newResult computes the figures of a run of l that took elapsed, with
// lat the latency of each message (sorted in place).
func newResult(l Load, elapsed time.Duration, lat []time.Duration) Result {
	slices.Sort(lat)
	r := Result{Load: l, Elapsed: elapsed}
	if elapsed > 0 {
		r.Throughput = float64(len(lat)) / elapsed.Seconds()
	}
	if len(lat) > 0 {
		r.P50 = percentile(lat, 0.50)
		r.P99 = percentile(lat, 0.99)
		r.Max = lat[len(lat)-1]
	}
	return r
}

// percentile returns the nearest-rank p-th percentile (0 < p <= 1) of
// sorted, which must not be empty: the smallest value with at least
// p*len(sorted) values at or below it.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}
