package direct

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

// The simulated network: one sender, n receivers, each link with its own
// loss (independent, or in bursts), delay, reordering (extra random delay)
// and duplication, all from one seed. Time moves from event to event
// (datagram arrivals and the engines' Next), so a run of seconds of
// protocol time takes milliseconds.

type linkModel struct {
	loss      float64 // chance a datagram to this receiver is lost
	burst     int     // a loss drops this many datagrams in a row (0, 1: independent)
	delay     time.Duration
	jitter    time.Duration // extra uniform delay: reorders
	dup       float64       // chance a datagram arrives twice
	nakLoss   float64       // chance its NAK is lost on the way up
	burstLeft int
}

type simEvent struct {
	at    time.Time
	seq   int // tie-break: scheduling order
	to    int // receiver index, -1 the sender
	timer bool
	pub   bool
	from  netip.AddrPort
	p     Packet
}

type eventQ []*simEvent

func (q eventQ) Len() int { return len(q) }
func (q eventQ) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q eventQ) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQ) Push(x any)   { *q = append(*q, x.(*simEvent)) }
func (q *eventQ) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

type sim struct {
	t     testing.TB
	rng   *rand.Rand
	now   time.Time
	q     eventQ
	n     int
	s     *Sender
	rs    []*Receiver
	links []linkModel
	addrs []netip.AddrPort
	index map[netip.AddrPort]int
	// What each receiver handed its consumer, in order.
	got   [][]uint64    // notification numbers (from the payload)
	gotAt [][]time.Time // when each was handed over
	gaps  [][]Gap
	dem   []bool
	// The sender's wire bytes over time, to check the caps.
	sentData, sentRepair, sentNCF, sentAll int64
	start                                  time.Time
	capCheck                               func()
	decoded                                map[*byte]Packet
	nextEvent                              int
	timerAt                                []time.Time // per engine (0: the sender), the pending timer
	touched                                []int
	isTouched                              []bool
	pub                                    func(time.Time) time.Time
	lost, lostData, naksSent               int64
	lostSeqs                               map[uint64]bool // data sequences lost by at least one receiver
	codec                                  *Codec
}

func newSim(t testing.TB, seed uint64, n int, scfg SenderConfig, rcfg ReceiverConfig, link func(i int) linkModel) *sim {
	sm := &sim{t: t, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), now: scriptEpoch, n: n,
		index: map[netip.AddrPort]int{}, decoded: map[*byte]Packet{}, start: scriptEpoch,
		timerAt: make([]time.Time, n+1), isTouched: make([]bool, n), lostSeqs: map[uint64]bool{}}
	scfg.Session, rcfg.Session = 0x5111, 0x5111
	scfg.Key, rcfg.Key = testKey, testKey
	sm.codec = newTestCodec(t)
	scfg.Epoch = 1
	s, err := NewSender(scfg)
	if err != nil {
		t.Fatal(err)
	}
	sm.s = s
	for i := range n {
		rc := rcfg
		rc.Rand = rand.New(rand.NewPCG(seed, uint64(i)+1))
		r, err := NewReceiver(rc)
		if err != nil {
			t.Fatal(err)
		}
		a := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 7400)
		sm.rs = append(sm.rs, r)
		sm.links = append(sm.links, link(i))
		sm.addrs = append(sm.addrs, a)
		sm.index[a] = i
		sm.got = append(sm.got, nil)
		sm.gotAt = append(sm.gotAt, nil)
		sm.gaps = append(sm.gaps, nil)
		sm.dem = append(sm.dem, false)
	}
	s.Tick(sm.now)
	for i, r := range sm.rs {
		r.Tick(sm.now)
		sm.touch(i)
	}
	sm.flush()
	return sm
}

func (sm *sim) push(e *simEvent) {
	e.seq = sm.nextEvent
	sm.nextEvent++
	heap.Push(&sm.q, e)
}

func (sm *sim) decode(b []byte) Packet {
	if p, ok := sm.decoded[&b[0]]; ok {
		return p
	}
	p, err := sm.codec.Decode(b)
	if err != nil {
		sm.t.Fatalf("undecodable datagram: %v", err)
	}
	sm.decoded[&b[0]] = p
	return p
}

// flush carries out the Ready of every engine touched: the sender's
// datagrams are scheduled at each receiver through its link; receivers'
// NAKs and Joins go to the sender (NAKs are not overheard: multicast NAKs
// are off, as in PGM). Then each touched engine's next timer is scheduled.
func (sm *sim) flush() {
	if sm.s.HasReady() {
		rd := sm.s.Ready()
		sm.s.Advance()
		clear(sm.decoded)
		for _, d := range rd.Send {
			p := sm.decode(d.Bytes)
			if dp, ok := p.(*Data); ok && dp.Repair {
				sm.sentRepair += int64(len(d.Bytes))
			} else if ok {
				sm.sentData += int64(len(d.Bytes))
			} else if d.Kind == KindNCF {
				sm.sentNCF += int64(len(d.Bytes))
			}
			sm.sentAll += int64(len(d.Bytes))
			switch d.To.Kind {
			case ToGroup:
				for i := range sm.rs {
					sm.transmit(i, p)
				}
			case ToPeer:
				sm.transmit(sm.index[d.To.Addr], p)
			}
		}
		if sm.capCheck != nil {
			sm.capCheck()
		}
	}
	sm.schedule(-1)
	for _, i := range sm.touched {
		sm.drain(i)
		sm.schedule(i)
	}
	sm.touched = sm.touched[:0]
	clear(sm.isTouched)
}

func (sm *sim) drain(i int) {
	r := sm.rs[i]
	if !r.HasReady() {
		return
	}
	rd := r.Ready()
	r.Advance()
	for _, d := range rd.Deliver {
		var k uint64
		if _, err := fmt.Sscanf(string(d.Notify[len(d.Notify)-len("</n></wsnt:Notify>")-8:]), "%d</n>", &k); err != nil {
			sm.t.Fatalf("receiver %d: delivery %q: %v", i, d.Notify, err)
		}
		sm.got[i] = append(sm.got[i], k)
		sm.gotAt[i] = append(sm.gotAt[i], sm.now)
	}
	sm.gaps[i] = append(sm.gaps[i], rd.Gaps...)
	if len(rd.Demoted) > 0 {
		sm.dem[i] = true
	}
	for _, d := range rd.Send {
		if d.Kind == KindNAK {
			sm.naksSent++
			if sm.rng.Float64() < sm.links[i].nakLoss {
				continue
			}
		}
		p, err := sm.codec.Decode(d.Bytes)
		if err != nil {
			sm.t.Fatal(err)
		}
		sm.push(&simEvent{at: sm.now.Add(sm.links[i].delay), to: -1, from: sm.addrs[i], p: p})
	}
}

// schedule makes sure engine i (-1: the sender) is ticked at its Next.
func (sm *sim) schedule(i int) {
	var next time.Time
	if i < 0 {
		next = sm.s.Next()
	} else {
		next = sm.rs[i].Next()
	}
	at := &sm.timerAt[i+1]
	if next.IsZero() || !at.IsZero() && at.After(sm.now) && !next.Before(*at) {
		return
	}
	if next.Before(sm.now) {
		next = sm.now
	}
	*at = next
	sm.push(&simEvent{at: next, to: i, timer: true})
}

func (sm *sim) touch(i int) {
	if !sm.isTouched[i] {
		sm.isTouched[i] = true
		sm.touched = append(sm.touched, i)
	}
}

func (sm *sim) transmit(i int, p Packet) {
	l := &sm.links[i]
	if l.burstLeft > 0 {
		l.burstLeft--
		sm.lost++
		return
	}
	if sm.rng.Float64() < l.loss {
		l.burstLeft = max(l.burst, 1) - 1
		sm.lost++
		if d, ok := p.(*Data); ok && !d.Repair {
			sm.lostSeqs[d.Seq] = true
			sm.lostData++
		}
		return
	}
	copies := 1
	if sm.rng.Float64() < l.dup {
		copies = 2
	}
	for range copies {
		d := l.delay
		if l.jitter > 0 {
			d += time.Duration(sm.rng.Int64N(int64(l.jitter)))
		}
		sm.push(&simEvent{at: sm.now.Add(d), to: i, p: p})
	}
}

// runUntil runs the network until end, publishing from pub (called when it
// asked to be, from the start; it returns when it wants to be called next,
// zero when done).
func (sm *sim) runUntil(end time.Time, pub func(now time.Time) time.Time) {
	if pub != nil {
		sm.pub = pub
		sm.push(&simEvent{at: sm.now, pub: true})
	}
	for len(sm.q) > 0 && !sm.q[0].at.After(end) {
		e := heap.Pop(&sm.q).(*simEvent)
		sm.now = e.at
		switch {
		case e.pub:
			sm.s.Tick(sm.now)
			if next := sm.pub(sm.now); !next.IsZero() {
				sm.push(&simEvent{at: next, pub: true})
			}
		case e.timer:
			if at := &sm.timerAt[e.to+1]; at.Equal(e.at) {
				*at = time.Time{}
			}
			if e.to < 0 {
				sm.s.Tick(sm.now)
			} else {
				sm.rs[e.to].Tick(sm.now)
				sm.touch(e.to)
			}
		case e.to < 0:
			sm.s.Tick(sm.now)
			sm.s.Step(e.from, e.p)
		default:
			r := sm.rs[e.to]
			r.Tick(sm.now)
			r.Step(netip.AddrPort{}, e.p)
			sm.touch(e.to)
		}
		sm.flush()
	}
	sm.now = end
}

// publisher publishes count notifications, one every every.
func (sm *sim) publisher(count int, every time.Duration, size int) func(time.Time) time.Time {
	k := 0
	return func(now time.Time) time.Time {
		if k >= count {
			return time.Time{}
		}
		k++
		body := fmt.Sprintf(`<wsnt:Notify xmlns:wsnt="%s">`, NSNotification)
		if pad := size - len(body) - 40; pad > 0 {
			body += fmt.Sprintf("<p>%0*d</p>", pad, 0)
		}
		body += fmt.Sprintf("<n>%08d</n></wsnt:Notify>", k)
		if _, err := sm.s.Publish([]byte(body)); err != nil {
			sm.t.Fatalf("publish %d: %v", k, err)
		}
		return now.Add(every)
	}
}

// checkDelivery asserts that receiver i got notifications 1..count in
// order, each exactly once, except those covered by explicit gaps; it
// returns how many it got.
func (sm *sim) checkDelivery(i, count int) int {
	got := sm.got[i]
	for j := 1; j < len(got); j++ {
		if got[j] <= got[j-1] {
			sm.t.Fatalf("receiver %d: got %d after %d, want increasing order", i, got[j], got[j-1])
		}
	}
	if len(got) < count && len(sm.gaps[i]) == 0 {
		sm.t.Fatalf("receiver %d: got %d of %d notifications and no gap event, want every one or a gap", i, len(got), count)
	}
	return len(got)
}
