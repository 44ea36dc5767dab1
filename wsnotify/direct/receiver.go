package direct

import (
	"container/heap"
	"net/netip"
	"slices"
	"time"
)

// Receiver is the receiving side of one session: it puts datagrams in
// order, reassembles notifications, detects gaps, asks for repairs after a
// random back-off unless an NCF or another receiver's NAK was heard first,
// and reports every loss it gives up as a Gap, never silently. It is
// deterministic (its randomness comes from Config.Rand) and not safe for
// concurrent use.
//
// Use: Tick(now) whenever time passes and before each Step; then, while
// HasReady, carry out Ready() and call Advance. Next says when the next
// Tick is due.
type Receiver struct {
	cfg     ReceiverConfig
	codec   *Codec
	now     time.Time
	started bool
	synced  bool
	hdr     Header

	next, top uint64 // every sequence below next is resolved; top is the highest known
	buf       map[uint64]*Data
	bufBytes  int
	missing   map[uint64]*miss
	missLow   uint64    // no missing sequence is below it (they are only added above top)
	due       deadlines // the waits of missing sequences, by end (deadlines.go)
	lost      map[uint64]GapReason
	cycleAt   time.Time // end of the running NAK back-off

	rtt       time.Duration
	backoff   float64
	groupSize float64

	demotedUntil time.Time
	joinAt       time.Time

	asm         assembly
	skipPartial bool      // just synchronised: fragments of a notification begun earlier are not ours
	discarding  bool      // the rest of a notification that lost a datagram...
	discardWhy  GapReason // ...for this reason
	gap         *Gap
	seen        uint64

	m  ReceiverMetrics
	rd Ready
	// steps counts the iterations of every loop over the receiver's
	// tables (missing, buffered, lost, waits): the work a datagram or a
	// tick costs, which tests bound instead of timing it.
	steps int64
}

type missState uint8

const (
	backingOff missState = iota // waiting for the NAK back-off
	waitNCF                     // NAKed
	waitRepair                  // confirmed (NCF, or another receiver's NAK)
)

type miss struct {
	state    missState
	deadline time.Time
	tries    int
}

type assembly struct {
	active      bool
	start       uint64
	frags, next uint16
	parts       [][]byte
	size        int
}

// NewReceiver returns a receiver for cfg.
func NewReceiver(cfg ReceiverConfig) (*Receiver, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	codec, err := NewCodec(cfg.Key)
	if err != nil {
		return nil, err
	}
	return &Receiver{
		cfg: cfg, codec: codec, hdr: Header{Session: cfg.Session},
		buf: map[uint64]*Data{}, missing: map[uint64]*miss{}, lost: map[uint64]GapReason{},
		rtt: cfg.RTT, backoff: cfg.Backoff, groupSize: float64(cfg.GroupSize),
	}, nil
}

// HasReady reports whether Ready has anything to do.
func (r *Receiver) HasReady() bool { return !r.rd.Empty() }

// Ready returns what the driver must do. Until Advance it returns the same
// work again, plus anything new.
func (r *Receiver) Ready() Ready { return r.rd }

// Advance tells the engine the last Ready has been carried out.
func (r *Receiver) Advance() { r.rd = Ready{} }

// Session returns the session and epoch followed (zero before the first
// packet when Config.Session is 0).
func (r *Receiver) Session() Header { return r.hdr }

// Metrics returns a copy of the counters.
func (r *Receiver) Metrics() ReceiverMetrics {
	m := r.m
	if r.seen > 0 {
		m.Loss = float64(m.Missed) / float64(r.seen)
	}
	if r.now.Before(r.demotedUntil) {
		m.DemotedUntil = r.demotedUntil
	}
	return m
}

// Step feeds one packet heard from from (the sender's data, heartbeats,
// NCFs and demotions; NAKs of other receivers, when the network lets this
// one hear them).
func (r *Receiver) Step(from netip.AddrPort, p Packet) {
	if !r.accept(p) {
		r.m.Foreign++
		return
	}
	switch p := p.(type) {
	case *Data:
		r.onData(p)
	case *Heartbeat:
		r.onHeartbeat(p)
	case *NCF:
		r.onConfirm(p.Ranges, min(p.Wait, MaxWindow))
	case *NAK:
		r.onConfirm(p.Ranges, 0)
	case *Demote:
		r.onDemote(p)
	default:
		r.m.Foreign++
	}
	r.deliver()
}

// accept checks p's session and epoch: a newer epoch is a restart of the
// sender (what was not received of the old one becomes a gap), an older
// one is stale. Only an original data datagram or a heartbeat starts
// following a session or an epoch: they carry the position to start from;
// an NCF, NAK or demotion of an epoch not followed yet is ignored, and so
// is a repair (of an old sequence, asked for by others: starting there
// would make this receiver NAK the history since).
func (r *Receiver) accept(p Packet) bool {
	h := p.header()
	if r.hdr.Session != 0 && h.Session != r.hdr.Session {
		return false
	}
	positions := false
	switch p := p.(type) {
	case *Data:
		positions = !p.Repair
	case *Heartbeat:
		positions = true
	}
	switch {
	case !r.synced:
		if !positions {
			return false
		}
		if r.hdr.Session == 0 {
			r.joinAt = r.now // the session is known now: announce ourselves
		}
		r.sync(h, p)
	case h.Epoch < r.hdr.Epoch:
		return false
	case h.Epoch > r.hdr.Epoch:
		if !positions {
			return false
		}
		r.skipTo(r.top+1, GapRestart)
		clear(r.missing)
		r.due = r.due[:0]
		clear(r.lost)
		clear(r.buf)
		r.bufBytes, r.asm, r.cycleAt = 0, assembly{}, time.Time{}
		r.joinAt = r.now // announce ourselves to the restarted sender
		r.sync(h, p)
	}
	return true
}

// sync starts following the session at the current position
// (NORM_SYNC_CURRENT, RFC 5740, 5.2): from the first data datagram heard,
// or after the lead of the first heartbeat; nothing earlier is asked for.
func (r *Receiver) sync(h Header, p Packet) {
	r.synced, r.hdr, r.skipPartial, r.discarding, r.missLow = true, h, true, false, 0
	switch p := p.(type) {
	case *Data:
		r.next, r.top = p.Seq, p.Seq-1
	case *Heartbeat:
		r.next, r.top = p.Lead+1, p.Lead
	}
}

func (r *Receiver) onData(d *Data) {
	r.m.DataPackets++
	if d.Repair {
		r.m.RepairPackets++
	}
	if _, dup := r.buf[d.Seq]; dup || d.Seq < r.next {
		r.m.Duplicates++
		return
	}
	if _, gone := r.lost[d.Seq]; gone {
		r.m.Duplicates++
		return
	}
	if d.Seq > r.top {
		r.extend(d.Seq - 1)
		r.top = d.Seq
		r.seen++
	}
	if _, ok := r.missing[d.Seq]; ok {
		delete(r.missing, d.Seq)
		r.m.Recovered++
	}
	r.buf[d.Seq] = d
	r.bufBytes += bufCost(d)
	for r.bufBytes > r.cfg.MaxBufferBytes && r.giveUpLowest(GapOverflow) {
		r.deliver()
	}
}

// bufEntryCost is what a buffered datagram costs beyond its body (choice:
// the decoded Data, its map entry and allocation overhead, rounded up), so
// that MaxBufferBytes bounds memory even for datagrams with tiny bodies.
const bufEntryCost = 128

func bufCost(d *Data) int { return len(d.Body) + bufEntryCost }

// extend learns that every sequence up to to exists: those not seen are
// missing.
func (r *Receiver) extend(to uint64) {
	if to <= r.top {
		return
	}
	if to-r.top > uint64(r.cfg.MaxPending) {
		r.skipTo(to-uint64(r.cfg.MaxPending)+1, GapOverflow)
	}
	for seq := r.top + 1; seq <= to; seq++ {
		r.steps++
		r.m.Missed++
		r.seen++
		if r.now.Before(r.demotedUntil) {
			r.lost[seq] = GapDemoted
			continue
		}
		r.missing[seq] = &miss{}
		r.startCycle()
	}
	r.top = to
	for len(r.missing) > r.cfg.MaxPending && r.giveUpLowest(GapOverflow) {
	}
}

// giveUpLowest declares the lowest missing sequence lost. Its scan starts
// where the last one ended (missLow), so giving many up costs what they
// are, not their square.
func (r *Receiver) giveUpLowest(why GapReason) bool {
	if len(r.missing) == 0 {
		return false
	}
	for seq := max(r.next, r.missLow); seq <= r.top; seq++ {
		r.steps++
		if _, ok := r.missing[seq]; ok {
			delete(r.missing, seq)
			r.lost[seq] = why
			r.missLow = seq + 1
			return true
		}
	}
	return false
}

func (r *Receiver) startCycle() {
	if r.cycleAt.IsZero() {
		maxWait := time.Duration(r.backoff * float64(r.rtt))
		r.cycleAt = r.now.Add(expBackoff(maxWait, r.groupSize, r.cfg.Rand.Float64()))
	}
}

// onHeartbeat takes the sender's window edges and timing. The timing is
// held to what a sender may be configured with (MinRTT..MaxRTT, at most
// MaxBackoff), and a running NAK back-off longer than the new values allow
// is drawn again: one forged heartbeat cannot put NAKs off for weeks.
func (r *Receiver) onHeartbeat(h *Heartbeat) {
	if h.RTT > 0 {
		r.rtt = min(max(h.RTT, MinRTT), MaxRTT)
	}
	if h.Backoff > 0 {
		r.backoff = min(h.Backoff, MaxBackoff)
	}
	if h.GroupSize > 0 {
		r.groupSize = float64(h.GroupSize)
	}
	if !r.cycleAt.IsZero() && r.cycleAt.After(r.now.Add(time.Duration(r.backoff*float64(r.rtt)))) {
		r.cycleAt = time.Time{}
		r.startCycle()
	}
	switch {
	case h.Final && h.Trail > r.next:
		r.skipTo(h.Trail, GapClosed)
	case h.Trail > r.next:
		r.skipTo(h.Trail, GapWindow)
	}
	r.extend(h.Lead)
}

// onConfirm takes an NCF, or another receiver's NAK, for ranges: the
// sequences in them will be repaired (within wait, the sender says), so
// this receiver does not ask (RFC 3208, 6.3: NAK suppression; RFC 5740,
// 5.3).
func (r *Receiver) onConfirm(ranges []Range, wait time.Duration) {
	deadline := r.now.Add(wait + r.rtts(r.cfg.RepairWait))
	budget := maxNAKSeqs
	for _, rg := range ranges {
		lo, hi := max(rg.From, r.next), min(rg.To, r.top)
		for seq := lo; seq <= hi && budget > 0; seq++ {
			r.steps++
			budget--
			ms := r.missing[seq]
			if ms == nil {
				continue
			}
			if ms.state == backingOff {
				r.m.Suppressed++
			}
			if ms.state != waitRepair || deadline.After(ms.deadline) {
				r.wait(seq, ms, waitRepair, deadline)
			}
		}
	}
}

func (r *Receiver) rtts(n float64) time.Duration { return time.Duration(n * float64(r.rtt)) }

// onDemote: the sender ignores this receiver's NAKs for a while, so what is
// missing now, and what goes missing until then, becomes a gap at once. A
// Demote repeated while demoted (the sender tells again when NAKs still
// come) only moves the end of the hold.
func (r *Receiver) onDemote(d *Demote) {
	again := r.now.Before(r.demotedUntil)
	r.demotedUntil = r.now.Add(min(d.Hold, MaxDemoteHold))
	if again {
		return
	}
	r.m.Demotions++
	for seq := range r.missing {
		r.steps++
		r.lost[seq] = GapDemoted
	}
	clear(r.missing)
	r.due = r.due[:0]
	r.cycleAt = time.Time{}
	r.rd.Demoted = append(r.rd.Demoted, Demotion{Session: r.hdr.Session, Reason: d.Reason, Until: r.demotedUntil})
}

// Tick advances the engine's clock (never backwards) and runs what is due:
// Joins, the end of the NAK back-off (one NAK for everything still missing
// and not confirmed), and the waits of NAKed or confirmed sequences (each
// wait that ends without the repair counts: after MaxNAKs of them the
// sequence is given up as a gap; RFC 3208, 6.3's NAK_NCF_RETRIES and
// NAK_DATA_RETRIES in one count, choice).
func (r *Receiver) Tick(now time.Time) {
	if now.After(r.now) {
		r.now = now
	}
	if !r.started {
		r.started, r.joinAt = true, r.now
	}
	if r.hdr.Session != 0 && r.cfg.JoinInterval > 0 && !r.now.Before(r.joinAt) {
		r.rd.Send = append(r.rd.Send, Datagram{To: Dest{Kind: ToSender}, Kind: KindJoin, Bytes: r.codec.EncodeControl(&Join{Header: r.hdr})})
		r.joinAt = r.now.Add(r.cfg.JoinInterval)
	}
	for {
		d, ok := r.nextDue()
		if !ok || r.now.Before(d.at) {
			break
		}
		r.steps++
		heap.Pop(&r.due)
		seq, ms := d.seq, r.missing[d.seq]
		ms.tries++
		if ms.tries >= r.cfg.MaxNAKs {
			delete(r.missing, seq)
			r.lost[seq] = GapUnrecovered
			continue
		}
		ms.state = backingOff
		r.startCycle()
	}
	if !r.cycleAt.IsZero() && !r.now.Before(r.cycleAt) {
		r.cycleAt = time.Time{}
		r.sendNAKs()
	}
	r.deliver()
}

// sendNAKs asks for every sequence still backing off, in as few NAKs as
// the limits of one datagram allow.
func (r *Receiver) sendNAKs() {
	var seqs []uint64
	for seq, ms := range r.missing {
		r.steps++
		if ms.state == backingOff {
			seqs = append(seqs, seq)
		}
	}
	slices.Sort(seqs)
	deadline := r.now.Add(r.rtts(r.cfg.NCFWait))
	for len(seqs) > 0 {
		var rs []Range
		n := 0
		for n < len(seqs) && n < maxNAKSeqs {
			if k := len(rs); k > 0 && rs[k-1].To+1 == seqs[n] {
				rs[k-1].To = seqs[n]
			} else if k == MaxRanges {
				break
			} else {
				rs = append(rs, Range{seqs[n], seqs[n]})
			}
			r.wait(seqs[n], r.missing[seqs[n]], waitNCF, deadline)
			n++
		}
		seqs = seqs[n:]
		r.rd.Send = append(r.rd.Send, Datagram{To: Dest{Kind: ToSender}, Kind: KindNAK, Bytes: r.codec.EncodeControl(&NAK{Header: r.hdr, Ranges: rs})})
		r.m.NAKsSent++
		r.m.NAKedSeqs += int64(n)
	}
}

// Idle reports whether the receiver waits for nothing: no sequence
// missing, nothing buffered or half reassembled, nothing to hand over.
func (r *Receiver) Idle() bool {
	return len(r.missing)+len(r.buf)+len(r.lost) == 0 && !r.asm.active && r.rd.Empty()
}

// Next is when Tick next has something to do (zero: nothing scheduled).
func (r *Receiver) Next() time.Time {
	var next time.Time
	earlier := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	earlier(r.cycleAt)
	if r.hdr.Session != 0 && r.cfg.JoinInterval > 0 {
		earlier(r.joinAt)
	}
	if d, ok := r.nextDue(); ok {
		earlier(d.at)
	}
	return next
}

// skipTo resolves everything below seq: what is missing there is lost for
// why, what was received is delivered in order, and sequences never heard
// of are reported in the gap too.
func (r *Receiver) skipTo(seq uint64, why GapReason) {
	for s := range r.missing {
		r.steps++
		if s < seq {
			delete(r.missing, s)
			r.lost[s] = why
		}
	}
	r.deliver()
	if r.next < seq {
		r.drop(r.next, why)
		r.gapRange(r.next+1, seq-1, why)
		r.next = seq
		r.top = max(r.top, seq-1)
		r.flushGap()
	}
}

// deliver resolves sequences from next on while they are received or lost.
func (r *Receiver) deliver() {
	for r.next <= r.top {
		r.steps++
		if d := r.buf[r.next]; d != nil {
			delete(r.buf, r.next)
			r.bufBytes -= bufCost(d)
			r.take(d)
		} else if why, ok := r.lost[r.next]; ok {
			delete(r.lost, r.next)
			r.drop(r.next, why)
		} else {
			break
		}
		r.next++
	}
	r.flushGap()
}

// take adds an in-order datagram to the notification being reassembled.
func (r *Receiver) take(d *Data) {
	if r.skipPartial {
		if d.Frag != 0 {
			return // the rest of a notification sent before we joined
		}
		r.skipPartial = false
	}
	if r.discarding {
		if d.Frag != 0 {
			r.gapRange(d.Seq, d.Seq, r.discardWhy)
			return
		}
		r.discarding = false
	}
	a := &r.asm
	if a.active {
		if d.Frag == a.next && d.Frags == a.frags {
			a.parts = append(a.parts, d.Body)
			a.size += len(d.Body)
			a.next++
			switch {
			case a.size > r.cfg.MaxMessageBytes:
				r.gapRange(a.start, d.Seq, GapMalformed)
				r.discarding, r.discardWhy = a.next < a.frags, GapMalformed
				*a = assembly{}
			case a.next == a.frags:
				if notify := slices.Concat(a.parts...); isNotify(notify) {
					r.deliverOne(a.start, notify, int64(a.frags))
				} else {
					r.gapRange(a.start, d.Seq, GapMalformed)
				}
				*a = assembly{}
			}
			return
		}
		r.gapRange(a.start, d.Seq-1, GapMalformed)
		*a = assembly{}
	}
	switch {
	case d.Frags == 1:
		r.deliverOne(d.Seq, d.Body, 1)
	case d.Frag != 0:
		r.gapRange(d.Seq, d.Seq, GapMalformed)
		r.discarding, r.discardWhy = true, GapMalformed
	default:
		*a = assembly{active: true, start: d.Seq, frags: d.Frags, next: 1, parts: [][]byte{d.Body}, size: len(d.Body)}
	}
}

func (r *Receiver) deliverOne(seq uint64, notify []byte, seqs int64) {
	r.rd.Deliver = append(r.rd.Deliver, Delivery{Session: r.hdr.Session, Epoch: r.hdr.Epoch, Seq: seq, Notify: notify})
	r.m.Delivered++
	r.m.DeliveredSeqs += seqs
}

// drop resolves the lost sequence seq: it takes down the notification being
// reassembled, and the rest of it that follows.
func (r *Receiver) drop(seq uint64, why GapReason) {
	from := seq
	if r.asm.active {
		from = r.asm.start
		r.asm = assembly{}
	}
	r.skipPartial = false
	r.discarding, r.discardWhy = true, why
	r.gapRange(from, seq, why)
}

// gapRange adds from..to to the gap being reported (contiguous, same
// reason), or starts a new one.
func (r *Receiver) gapRange(from, to uint64, why GapReason) {
	if from > to {
		return
	}
	if g := r.gap; g != nil && g.Reason == why && g.To+1 == from {
		g.To = to
		return
	}
	r.flushGap()
	r.gap = &Gap{Session: r.hdr.Session, Epoch: r.hdr.Epoch, From: from, To: to, Reason: why}
}

func (r *Receiver) flushGap() {
	if r.gap == nil {
		return
	}
	r.rd.Gaps = append(r.rd.Gaps, *r.gap)
	r.m.Gaps++
	r.m.GapSeqs += int64(r.gap.To - r.gap.From + 1)
	r.gap = nil
}
