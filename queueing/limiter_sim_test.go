package queueing

import (
	"container/heap"
	"math/rand/v2"
	"slices"
	"time"
)

// Simulated backends for the limiter's tests: time is simulated, every
// run is deterministic (jitter comes from a seeded generator).

// simBackend is a backend of slots servers taking service each, FIFO,
// driven by a limiter under unbounded demand: whenever a request finishes,
// new ones are admitted up to the limit at once. Each request also travels
// overhead (half each way) during which it holds no server, as a request
// on a network does.
type simBackend struct {
	slots    int
	service  time.Duration
	overhead time.Duration
	free     []time.Time // when each server is next free
	now      time.Time
	done     doneHeap
	lim      *Limiter
	rtts     []time.Duration // of every finished request, in order
	// pick, when set, gives the n-th admitted request's class and service
	// time (service is then unused).
	pick     func(n int) (string, time.Duration)
	admitted int
	finished int
}

type finish struct {
	at, admitted time.Time // admitted: sent to the backend
	arrived      time.Time // the open loop's: arrived at the stage
	class        string
}

type doneHeap []finish

func (h doneHeap) Len() int           { return len(h) }
func (h doneHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h doneHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *doneHeap) Push(x any)        { *h = append(*h, x.(finish)) }
func (h *doneHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func newSim(lim *Limiter, slots int, service time.Duration) *simBackend {
	b := &simBackend{slots: slots, service: service, lim: lim, now: time.Unix(1000, 0)}
	b.setSlots(slots)
	return b
}

// setSlots gives the backend n servers, free from now on.
func (b *simBackend) setSlots(n int) {
	b.slots = n
	b.free = make([]time.Time, n)
	for i := range b.free {
		b.free[i] = b.now
	}
}

// admit starts requests up to the limit.
func (b *simBackend) admit() {
	for len(b.done) < b.lim.Limit() {
		class, service := "", b.service
		if b.pick != nil {
			class, service = b.pick(b.admitted)
		}
		b.admitted++
		end := serve(b.free, b.now.Add(b.overhead/2), service).Add(b.overhead - b.overhead/2)
		heap.Push(&b.done, finish{at: end, admitted: b.now, class: class})
	}
}

// serve runs a request arriving at the backend at arrive on the server
// free first, and returns when its service ends.
func serve(free []time.Time, arrive time.Time, service time.Duration) time.Time {
	k := 0
	for i := range free {
		if free[i].Before(free[k]) {
			k = i
		}
	}
	free[k] = later(free[k], arrive).Add(service)
	return free[k]
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// run finishes n requests.
func (b *simBackend) run(n int) {
	b.admit()
	for range n {
		f := heap.Pop(&b.done).(finish)
		b.now = f.at
		rtt := f.at.Sub(f.admitted)
		b.lim.Observe(b.now, f.class, rtt, len(b.done)+1, false)
		b.rtts = append(b.rtts, rtt)
		b.finished++
		b.admit()
	}
}

func maxRTT(rtts []time.Duration) time.Duration {
	var m time.Duration
	for _, r := range rtts {
		m = max(m, r)
	}
	return m
}

// openLoop offers requests at evenly spaced times, whatever the replies
// (as wsgw bench overload does), to a backend of slots servers taking
// service each (times jitter, uniform in [1-jitter, 1+jitter]) plus
// overhead of travel, through lim and a queue of lim.QueueLen() as a
// Stage admits them. Its state (the clock, the servers, requests in
// flight and queued) carries over from one offer to the next.
type openLoop struct {
	lim        *Limiter
	service    time.Duration
	overhead   time.Duration
	jitter     float64
	stall      time.Duration // added to one request in stallEvery, at random
	stallEvery int
	rng        *rand.Rand
	now        time.Time
	free       []time.Time
	done       doneHeap    // admitted = when the request arrived at the stage
	queue      []time.Time // arrival times of the requests waiting for the limit
}

// loadResult is one offer's outcome.
type loadResult struct {
	refused, admitted int
	finished          int             // requests finished within the offer
	lat               []time.Duration // arrival to finish, of those, sorted
	d                 time.Duration
}

func newOpenLoop(lim *Limiter, slots int, service time.Duration) *openLoop {
	o := &openLoop{lim: lim, service: service, now: time.Unix(1000, 0), rng: rand.New(rand.NewPCG(1, 2))}
	o.free = make([]time.Time, slots)
	for i := range o.free {
		o.free[i] = o.now
	}
	return o
}

// start sends a request that arrived at arrived to the backend now.
func (o *openLoop) start(arrived time.Time) {
	service := o.service
	if o.jitter > 0 {
		service = time.Duration(float64(service) * (1 + o.jitter*(2*o.rng.Float64()-1)))
	}
	if o.stallEvery > 0 && o.rng.IntN(o.stallEvery) == 0 {
		service += o.stall
	}
	end := serve(o.free, o.now.Add(o.overhead/2), service).Add(o.overhead - o.overhead/2)
	heap.Push(&o.done, finish{at: end, admitted: o.now, arrived: arrived})
}

// offer offers rate requests per second for d.
func (o *openLoop) offer(rate float64, d time.Duration) loadResult {
	r := loadResult{d: d}
	gap := time.Duration(float64(time.Second) / rate)
	next, end := o.now, o.now.Add(d)
	for next.Before(end) {
		if len(o.done) > 0 && o.done[0].at.Before(next) {
			f := heap.Pop(&o.done).(finish)
			o.now = f.at
			r.finished++
			r.lat = append(r.lat, o.now.Sub(f.arrived))
			o.lim.Observe(o.now, "", o.now.Sub(f.admitted), len(o.done)+1, false)
			for len(o.queue) > 0 && len(o.done) < o.lim.Limit() {
				o.start(o.queue[0])
				o.queue = o.queue[1:]
			}
			continue
		}
		o.now, next = next, next.Add(gap)
		switch {
		case len(o.done) < o.lim.Limit() && len(o.queue) == 0:
			o.start(o.now)
		case len(o.queue) < o.lim.QueueLen():
			o.queue = append(o.queue, o.now)
		default:
			r.refused++
			continue
		}
		r.admitted++
	}
	o.now = end
	slices.Sort(r.lat)
	return r
}

// goodput returns the requests finished per second of the offer.
func (r loadResult) goodput() float64 { return float64(r.finished) / r.d.Seconds() }

// p returns the q-quantile of the finished requests' latency.
func (r loadResult) p(q float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[min(len(r.lat)-1, int(q*float64(len(r.lat))))]
}
