package direct

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// ErrFull is Publish's answer when MaxQueueBytes of notifications already
// wait for the rate limit: the publisher should retry later.
var ErrFull = errors.New("direct: send queue full")

// ErrClosed is Publish's answer once the session is closed (Close).
var ErrClosed = errors.New("direct: session closed")

// Position is where a notification went in its session: the epoch and the
// sequence number of its first datagram, and how many datagrams it took.
// A receiver's Gap names sequence numbers; the notifications lost in it
// are those whose Seq is in it.
type Position struct {
	Header
	Seq   uint64
	Frags uint16
}

// maxNAKSeqs bounds the sequence numbers one NAK can ask for (choice): a
// receiver never asks for more in one datagram, and a sender looks at no
// more, whatever a NAK's ranges say.
const maxNAKSeqs = 1024

// Sender is the sending side of one session: it numbers and fragments
// notifications, keeps the repair window, sends heartbeats, answers NAKs
// with NCFs and rate-capped repairs, and demotes receivers that would make
// repair a storm. It is deterministic and not safe for concurrent use.
//
// Use: Tick(now) whenever time passes and before each Step or Publish;
// then, while HasReady, carry out Ready() and call Advance. Next says when
// the next Tick is due.
type Sender struct {
	cfg     SenderConfig
	codec   *Codec
	now     time.Time
	started bool
	closed  bool

	nextSeq            uint64
	queue              []*frame // numbered, waiting for the rate limit
	queueBytes         int
	window             []*frame // sent and kept for repair: seqs trail..lead
	windowBytes        int
	trail, lead        uint64
	dataOver, fragOver int // datagram sizes around a body

	total, repair bucket
	repairs       map[uint64]*repairState
	dueQ          []uint64 // sequences gathering NAKs, by when the gathering ends
	repairQ       []uint64 // sequences waiting for repair budget
	lingerQ       []uint64 // repaired sequences, by end of linger
	ctlQ          []outCtl // heartbeats and demotions waiting for the rate limit
	ncfQ          []outCtl // NCFs waiting for the repair budget (at most maxQueuedNCFs)

	hbAt   time.Time // the next heartbeat after data or idle ones...
	hbIvl  time.Duration
	hbLast time.Time // ...and the last one: ambient heartbeats go at least every HeartbeatMax

	peers        map[netip.AddrPort]*peer
	fanout       []netip.AddrPort // Unicast: joined peers, sorted
	intervalAt   time.Time
	intervalSeqs int

	m  SenderMetrics
	rd Ready
}

type frame struct {
	seq         uint64
	frag, frags uint16
	body        []byte
	size        int
	sentAt      time.Time
}

type repairState struct {
	pending     bool // gathering NAKs, or waiting in repairQ
	queued      bool // in repairQ
	dueAt       time.Time
	lingerUntil time.Time
	confirmedAt time.Time // the last NCF naming it
}

type peer struct {
	addr         netip.AddrPort
	joined       bool
	lastHeard    time.Time
	naked        int // sequences NAKed in the current interval
	strikes      int // intervals in a row above DemoteLoss
	loss         float64
	demotedUntil time.Time
	demotedWhy   DemoteReason
	toldAt       time.Time // the last Demote sent to it
	demotions    int
	naks         int64
}

type outCtl struct {
	to    Dest
	kind  Kind
	bytes []byte
}

// NewSender returns a sender for cfg.
func NewSender(cfg SenderConfig) (*Sender, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	codec, err := NewCodec(cfg.Key)
	if err != nil {
		return nil, err
	}
	return &Sender{
		cfg: cfg, codec: codec, nextSeq: 1, trail: 1, hbIvl: cfg.HeartbeatMin,
		dataOver: dataOverhead(cfg.To, false), fragOver: dataOverhead(cfg.To, true),
		repairs: map[uint64]*repairState{}, peers: map[netip.AddrPort]*peer{},
	}, nil
}

func (s *Sender) hdr() Header { return Header{Session: s.cfg.Session, Epoch: s.cfg.Epoch} }

// Window returns the repair window [trail, lead] (trail = lead+1: empty).
func (s *Sender) Window() (trail, lead uint64) { return s.trail, s.lead }

// Publish numbers notify (a wsnt:Notify element), fragments it to the MTU
// and queues it for sending; it returns the notification's position. It
// answers ErrFull when the queue is full, ErrClosed after Close, and an
// error for a notification over MaxMessageBytes.
func (s *Sender) Publish(notify []byte) (Position, error) {
	if s.closed {
		return Position{}, ErrClosed
	}
	if len(notify) == 0 || len(notify) > s.cfg.MaxMessageBytes {
		return Position{}, fmt.Errorf("direct: a notification of %d bytes (at most %d)", len(notify), s.cfg.MaxMessageBytes)
	}
	var frames []*frame
	if len(notify)+s.dataOver <= s.cfg.MTU {
		frames = []*frame{{body: notify, frags: 1, size: len(notify) + s.dataOver}}
	} else {
		chunk := (s.cfg.MTU - s.fragOver) / 4 * 3
		n := (len(notify) + chunk - 1) / chunk
		if n > 0xffff {
			return Position{}, fmt.Errorf("direct: a notification of %d bytes needs %d fragments (at most 65535)", len(notify), n)
		}
		for i := range n {
			b := notify[i*chunk : min(len(notify), (i+1)*chunk)]
			frames = append(frames, &frame{body: b, frag: uint16(i), frags: uint16(n), size: s.fragOver + (len(b)+2)/3*4})
		}
	}
	size := 0
	for _, f := range frames {
		size += f.size
	}
	if s.queueBytes+size > s.cfg.MaxQueueBytes {
		s.m.QueueFull++
		return Position{}, ErrFull
	}
	pos := Position{Header: s.hdr(), Seq: s.nextSeq, Frags: uint16(len(frames))}
	for _, f := range frames {
		f.seq = s.nextSeq
		s.nextSeq++
	}
	s.queue = append(s.queue, frames...)
	s.queueBytes += size
	s.m.Published++
	s.pump()
	return pos, nil
}

// Idle reports whether the sender has nothing left to do for what was
// published: no datagram waits for the rate limit, no NAK is being
// gathered, no repair or NCF waits for its budget.
func (s *Sender) Idle() bool {
	return len(s.queue)+len(s.dueQ)+len(s.repairQ)+len(s.ncfQ)+len(s.ctlQ) == 0
}

// closingHeartbeats is how many copies of the final heartbeat Close sends
// (choice: a lost one would leave receivers waiting for repairs that
// will not come until their NAKs run out).
const closingHeartbeats = 3

// Close ends the session: what was published and not sent yet is
// dropped (counted in Abandoned), and a final heartbeat whose trail is
// past everything numbered tells receivers that nothing below it will be
// sent or repaired, so they report what they lack as a gap (GapClosed) at
// once. The final heartbeats go whatever the rate limit (three datagrams
// of ~50 bytes). Afterwards Publish answers ErrClosed and Tick and Step
// do nothing.
func (s *Sender) Close() {
	if s.closed {
		return
	}
	s.closed = true
	s.m.Abandoned += int64(len(s.queue))
	s.queue, s.queueBytes = nil, 0
	s.ctlQ, s.ncfQ, s.repairQ, s.dueQ = nil, nil, nil, nil
	b := s.codec.EncodeControl(&Heartbeat{Header: s.hdr(), Trail: s.nextSeq, Lead: s.nextSeq - 1,
		RTT: s.cfg.RTT, Backoff: s.cfg.Backoff, GroupSize: uint32(s.groupSize()), Final: true})
	for range closingHeartbeats {
		n := s.emit(Dest{Kind: ToGroup}, KindHeartbeat, b)
		s.m.ControlPackets++
		s.m.ControlBytes += int64(n)
	}
}

// Step feeds one packet received from a receiver at from (a NAK or a Join;
// other kinds are counted and ignored). A NAK must name the current epoch;
// a Join, about membership only, may come from a receiver that has not
// heard the session yet.
func (s *Sender) Step(from netip.AddrPort, p Packet) {
	if s.closed {
		return
	}
	if h := p.header(); h.Session != s.cfg.Session || h.Epoch != s.cfg.Epoch && p.Kind() != KindJoin {
		s.m.Foreign++
		return
	}
	switch p := p.(type) {
	case *NAK:
		s.onNAK(from, p.Ranges)
	case *Join:
		s.onJoin(from, p.Leave)
	default:
		s.m.Foreign++
	}
	s.pump()
}

// Tick advances the engine's clock (never backwards) and runs what is
// due: the end of NAK gathering, heartbeats, the demotion interval, the
// window's age limit, and sending what the rate limit now allows.
func (s *Sender) Tick(now time.Time) {
	if now.After(s.now) {
		s.now = now
	}
	if s.closed {
		return
	}
	if !s.started {
		s.started = true
		s.total = newBucket(s.cfg.MaxRate, s.cfg.MaxBurst, s.now)
		s.repair = newBucket(s.cfg.RepairFloor, s.cfg.RepairBurst, s.now)
		s.hbAt, s.intervalAt = s.now, s.now
	}
	s.endGathering()
	for len(s.lingerQ) > 0 {
		st := s.repairs[s.lingerQ[0]]
		if st != nil && !st.pending && s.now.Before(st.lingerUntil) {
			break
		}
		if st != nil && !st.pending {
			delete(s.repairs, s.lingerQ[0])
		}
		s.lingerQ = s.lingerQ[1:]
	}
	// Heartbeats (RFC 3208, 5.1.5): HeartbeatMin after data, doubling
	// while idle; and, while data flows, at least every HeartbeatMax
	// (5.1.4, ambient SPMs), so that receivers learn the trail.
	if !s.now.Before(s.hbAt) || !s.now.Before(s.hbLast.Add(s.cfg.HeartbeatMax)) {
		s.heartbeat()
	}
	if !s.now.Before(s.intervalAt.Add(s.cfg.DemoteInterval)) {
		s.endInterval()
	}
	s.trim()
	s.pump()
}

// heartbeat queues a heartbeat: the window's edges and the timing of NAKs.
func (s *Sender) heartbeat() {
	s.queueCtl(Dest{Kind: ToGroup}, &Heartbeat{Header: s.hdr(), Trail: s.trail, Lead: s.lead,
		RTT: s.cfg.RTT, Backoff: s.cfg.Backoff, GroupSize: uint32(s.groupSize())})
	s.hbIvl = min(2*s.hbIvl, s.cfg.HeartbeatMax)
	s.hbAt, s.hbLast = s.now.Add(s.hbIvl), s.now
}

// Next is when Tick next has something to do (zero: nothing, once closed).
func (s *Sender) Next() time.Time {
	if s.closed {
		return time.Time{}
	}
	next := s.hbAt
	earlier := func(t time.Time) {
		if !t.IsZero() && t.Before(next) {
			next = t
		}
	}
	earlier(s.hbLast.Add(s.cfg.HeartbeatMax))
	earlier(s.intervalAt.Add(s.cfg.DemoteInterval))
	for _, seq := range s.dueQ {
		if st := s.repairs[seq]; st != nil && st.pending && !st.queued {
			earlier(st.dueAt)
			break
		}
	}
	if len(s.lingerQ) > 0 {
		if st := s.repairs[s.lingerQ[0]]; st != nil {
			earlier(st.lingerUntil)
		}
	}
	if len(s.window) > 0 {
		earlier(s.window[0].sentAt.Add(s.cfg.Window))
	}
	if len(s.ctlQ)+len(s.ncfQ)+len(s.queue)+len(s.repairQ) > 0 {
		if !s.total.ok() {
			earlier(s.total.readyAt())
		} else if len(s.ncfQ)+len(s.repairQ) > 0 && !s.repair.ok() {
			earlier(s.repair.readyAt())
		}
	}
	return next
}

// HasReady reports whether Ready has anything to do.
func (s *Sender) HasReady() bool { return !s.rd.Empty() }

// Ready returns the datagrams to write. Until Advance it returns the same
// work again, plus anything new.
func (s *Sender) Ready() Ready { return s.rd }

// Advance tells the engine the last Ready has been carried out.
func (s *Sender) Advance() { s.rd = Ready{} }

func (s *Sender) groupSize() int {
	if s.cfg.GroupSize > 0 {
		return s.cfg.GroupSize
	}
	return max(1, len(s.peers))
}

// maxQueuedNCFs bounds the NCFs waiting for the repair budget (choice;
// each at most ~1 KB): beyond it an NCF is dropped, and its askers NAK
// again.
const maxQueuedNCFs = 256

// maxQueuedControl bounds the demotions waiting for the rate limit
// (choice): beyond it a Demote is dropped and counted (it is told again at
// the receiver's next NAK). At most one heartbeat waits: a newer one
// replaces it (only the latest window matters).
const maxQueuedControl = 1024

// queueCtl queues a heartbeat or a demotion; it waits only for the rate
// limit.
func (s *Sender) queueCtl(to Dest, p Packet) {
	c := outCtl{to: to, kind: p.Kind(), bytes: s.codec.EncodeControl(p)}
	if c.kind == KindHeartbeat {
		for i := range s.ctlQ {
			if s.ctlQ[i].kind == KindHeartbeat {
				s.ctlQ[i] = c
				return
			}
		}
	} else if len(s.ctlQ) >= maxQueuedControl {
		s.m.ControlDropped++
		return
	}
	s.ctlQ = append(s.ctlQ, c)
}

// queueNCF queues an NCF: NAKs cause it, so it waits for the repair budget
// like a repair, though ahead of the repairs.
func (s *Sender) queueNCF(p *NCF) {
	if len(s.ncfQ) >= maxQueuedNCFs {
		s.m.NCFsDropped++
		return
	}
	s.ncfQ = append(s.ncfQ, outCtl{to: Dest{Kind: ToGroup}, kind: KindNCF, bytes: s.codec.EncodeControl(p)})
}

// pump sends what the rate limit allows (RFC 3208, 5.1.1: one rate over
// everything the source sends): heartbeats and demotions first; then,
// within the repair budget, NCFs and repairs (what NAKs cause; 5.1.3 puts
// NCFs ahead); then new data.
func (s *Sender) pump() {
	if !s.started {
		return
	}
	s.total.refill(s.now)
	s.repair.refill(s.now)
	for s.total.ok() {
		switch {
		case len(s.ctlQ) > 0:
			c := s.ctlQ[0]
			s.ctlQ = s.ctlQ[1:]
			n := s.emit(c.to, c.kind, c.bytes)
			s.total.take(n)
			s.m.ControlPackets++
			s.m.ControlBytes += int64(n)
		case len(s.ncfQ) > 0 && s.repair.ok():
			c := s.ncfQ[0]
			s.ncfQ = s.ncfQ[1:]
			n := s.emit(c.to, c.kind, c.bytes)
			s.total.take(n)
			s.repair.take(n)
			s.m.ControlPackets++
			s.m.ControlBytes += int64(n)
			s.m.NCFsSent++
		case len(s.repairQ) > 0 && s.repair.ok():
			seq := s.repairQ[0]
			s.repairQ = s.repairQ[1:]
			s.sendRepair(seq)
		case len(s.queue) > 0:
			s.sendData()
		default:
			return
		}
	}
}

func (s *Sender) sendData() {
	f := s.queue[0]
	s.queue = s.queue[1:]
	s.queueBytes -= f.size
	f.sentAt = s.now
	b := s.codec.AppendData(make([]byte, 0, f.size), s.cfg.To, s.data(f, false))
	n := s.emit(Dest{Kind: ToGroup}, KindData, b)
	s.total.take(n)
	s.repair.earn(s.cfg.RepairFraction * float64(n))
	s.m.DataPackets++
	s.m.DataBytes += int64(n)
	s.window = append(s.window, f)
	s.windowBytes += f.size
	s.lead = f.seq
	s.intervalSeqs++
	s.hbIvl = s.cfg.HeartbeatMin
	s.hbAt = s.now.Add(s.hbIvl)
	s.trim()
}

func (s *Sender) sendRepair(seq uint64) {
	st := s.repairs[seq]
	if st == nil {
		return
	}
	f := s.frameAt(seq)
	if f == nil { // left the window while waiting
		delete(s.repairs, seq)
		s.m.RepairsDropped++
		return
	}
	b := s.codec.AppendData(make([]byte, 0, f.size), s.cfg.To, s.data(f, true))
	n := s.emit(Dest{Kind: ToGroup}, KindData, b)
	s.total.take(n)
	s.repair.take(n)
	s.m.RepairPackets++
	s.m.RepairBytes += int64(n)
	st.pending, st.queued = false, false
	st.lingerUntil = s.now.Add(s.cfg.Linger)
	s.lingerQ = append(s.lingerQ, seq)
}

func (s *Sender) data(f *frame, repair bool) *Data {
	return &Data{Header: s.hdr(), Seq: f.seq, Frag: f.frag, Frags: f.frags, Repair: repair, Body: f.body}
}

// emit adds a datagram to Ready (one copy per joined receiver for a group
// datagram in Unicast mode) and returns the bytes put on the wire.
func (s *Sender) emit(to Dest, k Kind, b []byte) int {
	if to.Kind == ToGroup && s.cfg.Mode == Unicast {
		for _, a := range s.fanout {
			s.rd.Send = append(s.rd.Send, Datagram{To: Dest{Kind: ToPeer, Addr: a}, Kind: k, Bytes: b})
		}
		return len(b) * len(s.fanout)
	}
	s.rd.Send = append(s.rd.Send, Datagram{To: to, Kind: k, Bytes: b})
	return len(b)
}

func (s *Sender) frameAt(seq uint64) *frame {
	if seq < s.trail || seq > s.lead {
		return nil
	}
	return s.window[seq-s.trail]
}

// trim drops the oldest datagrams beyond the window's age or size.
func (s *Sender) trim() {
	for len(s.window) > 0 && (s.windowBytes > s.cfg.WindowBytes || !s.now.Before(s.window[0].sentAt.Add(s.cfg.Window))) {
		s.windowBytes -= s.window[0].size
		s.window[0] = nil
		s.window = s.window[1:]
		s.trail++
	}
}

// onNAK handles a NAK (RFC 3208, 5.2-5.3; RFC 5740, 5.4.1): a NAK from a
// demoted receiver is ignored; one beyond the lead (which no receiver has
// heard of) demotes its sender; sequences below the trail are answered
// with a heartbeat, the window's edges (RFC 5740, 5.4.3: SQUELCH; at most
// one per Linger): their asker waited while they left the window and has
// not heard the trail yet; each sequence in the window asked for is
// confirmed at once (NCF to the group),
// gathered for Aggregate, repaired once, and not repaired again within
// Linger. A NAK for a sequence whose repair is already coming is confirmed
// again (its asker lost the first NCF, or would give the repair up), but
// one sequence at most once per Linger (RFC 3208, 5.2: identical NCFs
// rate-limited against NAK storms).
func (s *Sender) onNAK(from netip.AddrPort, ranges []Range) {
	p := s.peer(from)
	s.m.NAKsReceived++
	if p == nil {
		s.m.NAKsIgnored++
		return
	}
	p.lastHeard = s.now
	p.naks++
	if s.now.Before(p.demotedUntil) {
		s.m.NAKsIgnored++
		// Told again, at most once per Linger: a Demote lost on the way
		// would leave it NAKing into the void, unaware that it must
		// recover over HTTP (the Demote is smaller than the NAK).
		if !s.now.Before(p.toldAt.Add(s.cfg.Linger)) {
			s.tellDemoted(p)
		}
		return
	}
	for _, r := range ranges {
		if r.To > s.lead {
			s.demote(p, DemoteOutside)
			return
		}
	}
	var confirm []uint64
	budget := maxNAKSeqs
	for _, r := range ranges {
		if r.From < s.trail {
			s.m.NAKsBelowWindow++
			if !s.now.Before(s.hbLast.Add(s.cfg.Linger)) {
				s.heartbeat()
			}
		}
		for seq := max(r.From, s.trail); seq <= r.To && budget > 0; seq++ {
			budget--
			p.naked++
			s.m.NAKedSeqs++
			s.request(seq)
			if st := s.repairs[seq]; st.pending && (st.confirmedAt.IsZero() || !s.now.Before(st.confirmedAt.Add(s.cfg.Linger))) {
				st.confirmedAt = s.now
				confirm = append(confirm, seq)
			}
		}
	}
	slices.Sort(confirm)
	confirm = slices.Compact(confirm)
	wait := s.repairWait()
	for rs := toRanges(confirm); len(rs) > 0; {
		n := min(len(rs), MaxRanges)
		s.queueNCF(&NCF{Header: s.hdr(), Wait: wait, Ranges: rs[:n]})
		rs = rs[n:]
	}
}

// repairWait bounds how long a repair asked for now waits: the gathering,
// then every repair ahead of it at the floor rate of the repair budget (the
// data-rate share only makes it sooner), plus a datagram's worth of debt.
func (s *Sender) repairWait() time.Duration {
	avg := s.cfg.MTU
	if len(s.window) > 0 {
		avg = s.windowBytes / len(s.window)
	}
	if s.cfg.Mode == Unicast {
		avg *= max(1, len(s.fanout))
	}
	ahead := float64((len(s.repairQ)+len(s.dueQ)+1)*avg) - s.repair.tokens
	wait := s.cfg.Aggregate
	if ahead > 0 {
		wait += time.Duration(ahead / float64(s.cfg.RepairFloor) * float64(time.Second))
	}
	return min(wait, s.cfg.Window)
}

// request records a NAK for seq: it starts a repair unless one is coming
// or lingering.
func (s *Sender) request(seq uint64) {
	st := s.repairs[seq]
	switch {
	case st == nil:
		st = &repairState{}
		s.repairs[seq] = st
	case st.pending:
		s.m.NAKsAggregated++
		return
	case s.now.Before(st.lingerUntil):
		s.m.NAKsLingered++
		return
	}
	st.pending, st.dueAt, st.confirmedAt = true, s.now.Add(s.cfg.Aggregate), time.Time{}
	s.dueQ = append(s.dueQ, seq)
	s.m.RepairRequests++
}

// endGathering moves sequences whose NAK gathering has ended to the repair
// queue; beyond MaxRepairQueue the oldest waiting repair is dropped
// (receivers ask again, or report a gap).
func (s *Sender) endGathering() {
	for len(s.dueQ) > 0 {
		seq := s.dueQ[0]
		st := s.repairs[seq]
		if st != nil && st.pending && !st.queued && s.now.Before(st.dueAt) {
			return
		}
		s.dueQ = s.dueQ[1:]
		if st == nil || !st.pending || st.queued {
			continue
		}
		if len(s.repairQ) >= s.cfg.MaxRepairQueue {
			delete(s.repairs, s.repairQ[0])
			s.repairQ = s.repairQ[1:]
			s.m.RepairsDropped++
		}
		st.queued = true
		s.repairQ = append(s.repairQ, seq)
	}
}

func (s *Sender) onJoin(from netip.AddrPort, leave bool) {
	if leave {
		if _, ok := s.peers[from]; ok {
			delete(s.peers, from)
			s.rebuildFanout()
		}
		return
	}
	p := s.peer(from)
	if p == nil {
		return
	}
	p.lastHeard = s.now
	if !p.joined {
		p.joined = true
		s.rebuildFanout()
	}
}

// peer returns the state of the receiver at a, new if need be; nil when
// MaxReceivers are already tracked.
func (s *Sender) peer(a netip.AddrPort) *peer {
	if p := s.peers[a]; p != nil {
		return p
	}
	if len(s.peers) >= s.cfg.MaxReceivers {
		s.m.PeersRefused++
		return nil
	}
	p := &peer{addr: a, lastHeard: s.now}
	s.peers[a] = p
	return p
}

func (s *Sender) rebuildFanout() {
	s.fanout = s.fanout[:0]
	for a, p := range s.peers {
		if p.joined {
			s.fanout = append(s.fanout, a)
		}
	}
	slices.SortFunc(s.fanout, netip.AddrPort.Compare)
}

// endInterval closes a demotion interval: a receiver whose NAKed share of
// the sequences sent stayed above DemoteLoss for two intervals in a row is
// demoted (TIBCO Rendezvous's retransmission control; choice: two, so that
// one burst does not demote); receivers silent for PeerTimeout are
// forgotten. An interval with fewer than DemoteMinSeqs sequences sent
// counts only for a receiver that NAKed at least that many (more than was
// sent: no sign of loss, but of a NAK flood).
func (s *Sender) endInterval() {
	counted := s.intervalSeqs >= s.cfg.DemoteMinSeqs
	changed := false
	for _, a := range s.sortedPeers() {
		p := s.peers[a]
		if counted || p.naked >= s.cfg.DemoteMinSeqs {
			p.loss = float64(p.naked) / float64(max(s.intervalSeqs, 1))
			if p.loss > s.cfg.DemoteLoss && !s.now.Before(p.demotedUntil) {
				p.strikes++
				if p.strikes >= 2 {
					s.demote(p, DemoteLoss)
				}
			} else {
				p.strikes = 0
			}
		}
		p.naked = 0
		if s.now.Sub(p.lastHeard) > s.cfg.PeerTimeout {
			delete(s.peers, a)
			changed = true
		}
	}
	if changed {
		s.rebuildFanout()
	}
	s.intervalSeqs = 0
	s.intervalAt = s.now
}

func (s *Sender) sortedPeers() []netip.AddrPort {
	as := make([]netip.AddrPort, 0, len(s.peers))
	for a := range s.peers {
		as = append(as, a)
	}
	slices.SortFunc(as, netip.AddrPort.Compare)
	return as
}

// demote ignores p's NAKs for DemoteHold and tells it so.
func (s *Sender) demote(p *peer, why DemoteReason) {
	p.demotedUntil, p.demotedWhy = s.now.Add(s.cfg.DemoteHold), why
	p.strikes = 0
	p.demotions++
	s.m.Demotions++
	s.tellDemoted(p)
}

// tellDemoted sends p a Demote for the rest of its hold.
func (s *Sender) tellDemoted(p *peer) {
	p.toldAt = s.now
	s.queueCtl(Dest{Kind: ToPeer, Addr: p.addr}, &Demote{Header: s.hdr(), Reason: p.demotedWhy, Hold: p.demotedUntil.Sub(s.now), Lead: s.lead})
}
