package direct

import (
	"math"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// Datagrams from a hostile network: whatever arrives goes through the
// decoders, as the driver's do, then into the engine.

// encode is p on the wire, with its tag under testKey.
func encode(p Packet) []byte {
	c, _ := NewCodec(testKey)
	if d, ok := p.(*Data); ok {
		return c.AppendData(nil, "soap.udp://239.1.1.1:7400", d)
	}
	return c.EncodeControl(p)
}

// wire feeds p to step as the driver would: encoded, then decoded; it
// reports whether the decoder let p through.
func wire(step func(netip.AddrPort, Packet), from netip.AddrPort, p Packet) bool {
	c, _ := NewCodec(testKey)
	q, err := c.Decode(encode(p))
	if err != nil {
		return false
	}
	step(from, q)
	return true
}

// within fails t if f does not return within a generous bound (an engine
// loop that never ends).
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not return within 10s", what)
	}
}

func testNotify(n string) []byte {
	return []byte(`<wsnt:Notify xmlns:wsnt="` + NSNotification + `"><m>` + n + `</m></wsnt:Notify>`)
}

func newTestReceiver(t *testing.T, cfg ReceiverConfig) *Receiver {
	t.Helper()
	cfg.Session, cfg.Key = 0x77, testKey
	if cfg.Rand == nil {
		cfg.Rand = rand.New(rand.NewPCG(1, 2))
	}
	r, err := NewReceiver(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.Tick(scriptEpoch)
	return r
}

// TestReceiver_SequenceNumbersNearWrapRefused: a heartbeat or datagram
// naming a sequence number at the top of the 64-bit space (a sender could
// never reach it) is refused by the decoder; before, a heartbeat with lead
// 2^64-1 sent the receiver's gap detection round the number space forever.
func TestReceiver_SequenceNumbersNearWrapRefused(t *testing.T) {
	h := Header{Session: 0x77, Epoch: 1}
	r := newTestReceiver(t, ReceiverConfig{})
	for seq := uint64(1); seq <= 3; seq++ {
		wire(r.Step, netip.AddrPort{}, &Data{Header: h, Seq: seq, Frags: 1, Body: testNotify("a")})
	}
	for _, p := range []Packet{
		&Heartbeat{Header: h, Trail: 0, Lead: math.MaxUint64},
		&Heartbeat{Header: h, Trail: 1, Lead: math.MaxUint64>>1 + 1},
		&Data{Header: h, Seq: math.MaxUint64, Frags: 1, Body: testNotify("x")},
		&NCF{Header: h, Ranges: []Range{{4, math.MaxUint64}}},
		&Demote{Header: h, Reason: DemoteLoss, Lead: math.MaxUint64},
	} {
		within(t, "Step of "+describe(p), func() {
			if wire(r.Step, netip.AddrPort{}, p) {
				t.Errorf("%s: got it decoded, want it refused", describe(p))
			}
		})
	}
	wire(r.Step, netip.AddrPort{}, &Data{Header: h, Seq: 4, Frags: 1, Body: testNotify("b")})
	rd := r.Ready()
	if got := len(rd.Deliver); got != 4 || len(rd.Gaps) != 0 {
		t.Errorf("got %d deliveries and gaps %v, want 4 and none", got, rd.Gaps)
	}
}

// TestReceiver_RestartHeardFirstInAnNCF: the first packet heard of a
// restarted sender (a new epoch) is an NCF (its first heartbeat and data
// were lost here, another receiver NAKed). The receiver must not take the
// new epoch from it with the old epoch's positions: the new epoch's data,
// numbered from 1 again, were then all dropped as duplicates.
func TestReceiver_RestartHeardFirstInAnNCF(t *testing.T) {
	old, h := Header{Session: 0x77, Epoch: 1}, Header{Session: 0x77, Epoch: 2}
	r := newTestReceiver(t, ReceiverConfig{})
	for seq := uint64(1); seq <= 50; seq++ {
		wire(r.Step, netip.AddrPort{}, &Data{Header: old, Seq: seq, Frags: 1, Body: testNotify("old")})
	}
	r.Advance()
	wire(r.Step, netip.AddrPort{}, &NCF{Header: h, Wait: time.Millisecond, Ranges: []Range{{1, 1}}})
	for seq := uint64(1); seq <= 3; seq++ {
		wire(r.Step, netip.AddrPort{}, &Data{Header: h, Seq: seq, Frags: 1, Body: testNotify("new")})
	}
	rd := r.Ready()
	if len(rd.Deliver) != 3 || r.Session().Epoch != 2 {
		t.Errorf("got %d deliveries in epoch %d (gaps %v, metrics %+v), want the 3 of epoch 2",
			len(rd.Deliver), r.Session().Epoch, rd.Gaps, r.Metrics())
	}
}

// TestSender_NAKFloodCannotStarveData: one receiver (not demoted yet: that
// takes two intervals) floods NAKs naming 64 sequences of the window, eight
// a millisecond. What the sender sends because of NAKs (NCFs and repairs)
// stays within the repair budget, the data keeps its rate, and the NCFs
// waiting to go stay bounded. Before, NCFs went ahead of everything with
// no budget and no queue bound: 7 MB of them to the group in 5 s against
// a repair budget of 0.65 MB.
func TestSender_NAKFloodCannotStarveData(t *testing.T) {
	codec := newTestCodec(t)
	cfg := SenderConfig{Session: 0x77, Key: testKey, Epoch: 1, MaxRate: 2 << 20, MaxBurst: 64 << 10, RepairFloor: 8 << 10, RepairBurst: 8 << 10}
	s, err := NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	now := scriptEpoch
	s.Tick(now)
	bad := netip.MustParseAddrPort("10.0.0.9:7400")
	s.Step(bad, &Join{Header: s.hdr()})
	var ncf, repair, data int64
	drain := func() {
		for _, d := range s.Ready().Send {
			switch p, _ := codec.Decode(d.Bytes); {
			case d.Kind == KindNCF:
				ncf += int64(len(d.Bytes))
			case d.Kind == KindData && p.(*Data).Repair:
				repair += int64(len(d.Bytes))
			case d.Kind == KindData:
				data += int64(len(d.Bytes))
			}
		}
		s.Advance()
	}
	const run = 5 * time.Second
	full, next := 0, uint64(0)
	for ms := range int(run / time.Millisecond) {
		now = scriptEpoch.Add(time.Duration(ms) * time.Millisecond)
		s.Tick(now)
		{ // 1,000 notifications/s of ~500 B: ~500 KB/s of data, a quarter of the rate
			if _, err := s.Publish(testNotify(strings.Repeat("d", 400))); err == ErrFull {
				full++
			}
		}
		for trail, lead := s.Window(); lead >= trail+128 && s.peers[bad].naks < int64(8*(ms+1)); {
			var rs []Range
			for range MaxRanges {
				next = max(next+2, trail)
				if next > lead {
					next = trail
				}
				rs = append(rs, Range{next, next})
			}
			s.Step(bad, &NAK{Header: s.hdr(), Ranges: rs})
		}
		drain()
		if n := len(s.ncfQ); n > maxQueuedNCFs {
			t.Fatalf("at %v: %d NCFs waiting, want at most %d", now.Sub(scriptEpoch), n, maxQueuedNCFs)
		}
	}
	el := run.Seconds()
	if limit := cfg.RepairBurst + int64(0.25*float64(data)+float64(cfg.RepairFloor)*el) + 2*DefaultMTU; ncf+repair > limit {
		t.Errorf("got %d bytes of NCFs and %d of repairs, want at most %d together (the repair budget)", ncf, repair, limit)
	}
	if full > 0 || data < 2<<20 {
		t.Errorf("got %d data bytes sent and %d publishes refused, want the ~2.5 MB published sent and none refused", data, full)
	}
}

// TestReceiver_ReassembledBytesMustBeANotify: the fragments of a
// notification are raw bytes; whoever can send datagrams as the sender can
// make their concatenation anything. What is not one well-formed
// wsnt:Notify element (standalone: no prolog, nothing after it) is a gap,
// not a delivery: the receive agent writes a delivery into the body of the
// envelope it posts, where such bytes would end the body, add headers, or
// make the consumer's request unreadable.
func TestReceiver_ReassembledBytesMustBeANotify(t *testing.T) {
	h := Header{Session: 0x77, Epoch: 1}
	notify := string(testNotify("whole"))
	for _, tc := range []struct {
		name, body string
		deliver    bool
	}{
		{"a notify", notify, true},
		{"closes the body", `</s:Body><s:Header/><s:Body>` + notify, false},
		{"not well-formed", notify[:len(notify)-3], false},
		{"another element", `<x:Subscribe xmlns:x="` + NSNotification + `"/>`, false},
		{"a prolog", `<?xml version="1.0"?>` + notify, false},
		{"trailing bytes", notify + `<!-- -->`, false},
		{"unbound prefix", `<wsnt:Notify xmlns:wsnt="` + NSNotification + `"><p:x/></wsnt:Notify>`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newTestReceiver(t, ReceiverConfig{})
			half := len(tc.body) / 2
			wire(r.Step, netip.AddrPort{}, &Data{Header: h, Seq: 1, Frag: 0, Frags: 2, Body: []byte(tc.body[:half])})
			wire(r.Step, netip.AddrPort{}, &Data{Header: h, Seq: 2, Frag: 1, Frags: 2, Body: []byte(tc.body[half:])})
			rd := r.Ready()
			switch {
			case tc.deliver && (len(rd.Deliver) != 1 || string(rd.Deliver[0].Notify) != tc.body):
				t.Errorf("got deliveries %+v, want %q", rd.Deliver, tc.body)
			case !tc.deliver && (len(rd.Deliver) != 0 || len(rd.Gaps) != 1 || rd.Gaps[0] != Gap{Session: 0x77, Epoch: 1, From: 1, To: 2, Reason: GapMalformed}):
				t.Errorf("got deliveries %+v and gaps %v, want none and gap 1-2 malformed", rd.Deliver, rd.Gaps)
			}
		})
	}
}

// TestReceiver_BufferBoundCountsEachDatagram: datagrams waiting behind a
// gap are bounded by MaxBufferBytes counting what each costs in memory, not
// only its body: a flood of fragments of one byte each (a datagram of ~400
// bytes on the wire) must not hold ~100 bytes of bookkeeping per byte
// counted. Before, 64 KiB of bound held 65,536 datagrams (~6 MB).
func TestReceiver_BufferBoundCountsEachDatagram(t *testing.T) {
	const limit = 64 << 10
	h := Header{Session: 0x77, Epoch: 1}
	r := newTestReceiver(t, ReceiverConfig{MaxBufferBytes: limit, MaxPending: 1 << 20})
	wire(r.Step, netip.AddrPort{}, &Heartbeat{Header: h, Lead: 0})
	most := 0
	for seq := uint64(2); seq <= 20000; seq++ { // seq 1 never comes: everything waits behind it
		r.Step(netip.AddrPort{}, &Data{Header: h, Seq: seq, Frag: 1, Frags: 2, Body: []byte{'x'}})
		most = max(most, len(r.buf))
	}
	if most*100 > limit {
		t.Errorf("got up to %d datagrams buffered, want at most %d (%d bytes, at least 100 bytes each)", most, limit/100, limit)
	}
}

// TestReceiver_HeartbeatTimingBounded: a heartbeat's RTT and back-off
// factor set how long the receiver waits before NAKing. Values beyond what
// a sender may be configured with (a forged heartbeat: RTT 4294 s, K 655)
// are held to those bounds, and a back-off drawn from them ends once sane
// values come: the receiver still NAKs its losses. Before, the one
// heartbeat scheduled the NAK weeks ahead and kept it there.
func TestReceiver_HeartbeatTimingBounded(t *testing.T) {
	h := Header{Session: 0x77, Epoch: 1}
	r := newTestReceiver(t, ReceiverConfig{Rand: fixedRand(0.5)})
	now := scriptEpoch
	step := func(p Packet) { wire(r.Step, netip.AddrPort{}, p) }
	step(&Data{Header: h, Seq: 1, Frags: 1, Body: testNotify("1")})
	step(&Heartbeat{Header: h, Trail: 1, Lead: 1, RTT: 4294 * time.Second, Backoff: 655, GroupSize: 1})
	step(&Data{Header: h, Seq: 3, Frags: 1, Body: testNotify("3")}) // 2 is missing
	naks := 0
	for range 50 {
		now = now.Add(100 * time.Millisecond)
		r.Tick(now)
		step(&Heartbeat{Header: h, Trail: 1, Lead: 3, RTT: 10 * time.Millisecond, Backoff: 4, GroupSize: 1})
		for _, d := range r.Ready().Send {
			if d.Kind == KindNAK {
				naks++
			}
		}
		r.Advance()
	}
	if naks == 0 {
		t.Errorf("got no NAK for the missing sequence in 5s of sane heartbeats, want one (metrics %+v)", r.Metrics())
	}
}

// TestReceiver_DemoteHoldBounded: a Demote's hold (up to 49 days on the
// wire) is held to MaxDemoteHold: a forged one cannot keep a receiver from
// NAKing for weeks.
func TestReceiver_DemoteHoldBounded(t *testing.T) {
	h := Header{Session: 0x77, Epoch: 1}
	r := newTestReceiver(t, ReceiverConfig{})
	wire(r.Step, netip.AddrPort{}, &Data{Header: h, Seq: 1, Frags: 1, Body: testNotify("1")})
	wire(r.Step, netip.AddrPort{}, &Demote{Header: h, Reason: DemoteLoss, Hold: 49 * 24 * time.Hour, Lead: 1})
	if until := r.Metrics().DemotedUntil; until.After(scriptEpoch.Add(MaxDemoteHold)) {
		t.Errorf("got demoted until +%v, want at most +%v", until.Sub(scriptEpoch), MaxDemoteHold)
	}
}

// TestSender_HeartbeatsWhileDataFlows: heartbeats carry the window's trail
// (and the timing receivers NAK by); PGM requires them interleaved with
// the data too, not only when it pauses (RFC 3208, 5.1.4 and 5.1.6:
// ambient SPMs). While data flows every 50 ms, at least one heartbeat goes
// every HeartbeatMax (2 s). Before, every datagram put the next heartbeat
// off by HeartbeatMin: none went while data flowed, so receivers never
// learnt that the trail had passed a sequence they waited for.
func TestSender_HeartbeatsWhileDataFlows(t *testing.T) {
	s, err := NewSender(SenderConfig{Session: 0x77, Key: testKey, Epoch: 1})
	if err != nil {
		t.Fatal(err)
	}
	now := scriptEpoch
	s.Tick(now)
	s.Advance() // the first heartbeat
	var last time.Time
	longest := time.Duration(0)
	for range 200 { // 10 s
		now = now.Add(50 * time.Millisecond)
		s.Tick(now)
		if _, err := s.Publish(testNotify("d")); err != nil {
			t.Fatal(err)
		}
		for _, d := range s.Ready().Send {
			if d.Kind == KindHeartbeat {
				last = now
			}
		}
		s.Advance()
		if last.IsZero() {
			longest = now.Sub(scriptEpoch)
		} else {
			longest = max(longest, now.Sub(last))
		}
	}
	if longest > 2*time.Second {
		t.Errorf("got %v without a heartbeat while data flowed, want at most 2s (HeartbeatMax)", longest)
	}
}

// TestSender_SlowSessionStillDemotesNAKFlood: intervals in which fewer than
// DemoteMinSeqs sequences were sent do not count towards demotion (one
// loss among few is no trend), but a receiver that NAKs at least that many
// sequences in one is NAKing more than was sent: it is demoted all the
// same. Before, at 10 notifications a second, a receiver NAKing the whole
// window every 50 ms was never demoted and kept the repair budget to
// itself.
func TestSender_SlowSessionStillDemotesNAKFlood(t *testing.T) {
	s, err := NewSender(SenderConfig{Session: 0x77, Key: testKey, Epoch: 1, DemoteInterval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	now := scriptEpoch
	s.Tick(now)
	bad, good := netip.MustParseAddrPort("10.0.0.9:7400"), netip.MustParseAddrPort("10.0.0.1:7400")
	s.Step(bad, &Join{Header: s.hdr()})
	s.Step(good, &Join{Header: s.hdr()})
	for ms := 0; ms < 10000; ms += 50 {
		now = scriptEpoch.Add(time.Duration(ms) * time.Millisecond)
		s.Tick(now)
		if ms%100 == 0 {
			if _, err := s.Publish(testNotify("slow")); err != nil {
				t.Fatal(err)
			}
		}
		if trail, lead := s.Window(); lead >= trail {
			s.Step(bad, &NAK{Header: s.hdr(), Ranges: []Range{{trail, lead}}})
		}
		s.Advance()
	}
	m := s.Metrics()
	if !m.Receivers[bad.String()].Demoted || m.Receivers[good.String()].Demoted {
		t.Errorf("got %+v, want the flooding receiver demoted and the other not", m.Receivers)
	}
}

// TestReceiver_PendingOverflowIsLinear: a heartbeat that doubles what is
// missing beyond MaxPending (16,384) gives the oldest half up at once. That
// must cost work in proportion to what is given up: before, each give-up
// scanned from the first unresolved sequence again (16,384²/2 steps, 5 s
// here), and one datagram kept the receiver busy for seconds, deaf to the
// network. The bound is on the engine's count of loop steps, not on time
// (a loaded machine cannot make it fail, a quadratic scan cannot pass).
func TestReceiver_PendingOverflowIsLinear(t *testing.T) {
	const pending = 16384
	h := Header{Session: 0x77, Epoch: 1}
	r := newTestReceiver(t, ReceiverConfig{})
	wire(r.Step, netip.AddrPort{}, &Data{Header: h, Seq: 1, Frags: 1, Body: testNotify("1")})
	wire(r.Step, netip.AddrPort{}, &Heartbeat{Header: h, Trail: 1, Lead: pending + 1})
	before := r.steps
	wire(r.Step, netip.AddrPort{}, &Heartbeat{Header: h, Trail: 1, Lead: 2*pending + 1})
	if steps := r.steps - before; steps > 8*pending {
		t.Errorf("got %d steps to give %d sequences up, want at most %d (linear)", steps, pending, 8*pending)
	}
	if len(r.missing) != pending {
		t.Errorf("got %d missing, want MaxPending (%d)", len(r.missing), pending)
	}
}

// TestReceiver_PendingOverflowAfterRestart: after a sender restart (its
// numbers start again at 1), overflowing MaxPending still gives the oldest
// missing sequences up (the scan's start is reset with the epoch).
func TestReceiver_PendingOverflowAfterRestart(t *testing.T) {
	r := newTestReceiver(t, ReceiverConfig{MaxPending: 8})
	for _, ep := range []uint32{1, 2} {
		h := Header{Session: 0x77, Epoch: ep}
		wire(r.Step, netip.AddrPort{}, &Data{Header: h, Seq: 1, Frags: 1, Body: testNotify("1")})
		wire(r.Step, netip.AddrPort{}, &Heartbeat{Header: h, Trail: 1, Lead: 100})
		wire(r.Step, netip.AddrPort{}, &Heartbeat{Header: h, Trail: 1, Lead: 105})
		for seq := uint64(98); seq <= 105; seq++ {
			if _, ok := r.missing[seq]; !ok || len(r.missing) != 8 {
				t.Fatalf("epoch %d: got %d missing, without %d, want the newest 8 (98-105): the oldest given up", ep, len(r.missing), seq)
			}
		}
	}
}

// TestReceiver_ManyMissingCostLittlePerDatagram: with MaxPending (16,384)
// sequences missing, NAKed and waiting, each datagram and tick costs the
// waits that end, not a pass over all of them. Before, Tick and Next each
// walked the whole missing table for every datagram (16,384 steps, ~1 ms
// here): a receiver that had lost a burst could then read under a
// thousand datagrams a second while it needed its repairs. The bound is
// on the engine's count of loop steps per datagram, not on time.
func TestReceiver_ManyMissingCostLittlePerDatagram(t *testing.T) {
	const pending = 16384
	h := Header{Session: 0x77, Epoch: 1}
	r := newTestReceiver(t, ReceiverConfig{})
	now := scriptEpoch
	wire(r.Step, netip.AddrPort{}, &Data{Header: h, Seq: 1, Frags: 1, Body: testNotify("1")})
	wire(r.Step, netip.AddrPort{}, &Heartbeat{Header: h, Trail: 1, Lead: pending + 1, RTT: time.Second, Backoff: 4, GroupSize: 1})
	now = now.Add(5 * time.Second) // the back-off ends: all are NAKed and wait for NCFs
	r.Tick(now)
	r.Advance()
	if len(r.missing) != pending {
		t.Fatalf("got %d missing, want %d", len(r.missing), pending)
	}
	hb := &Heartbeat{Header: h, Trail: 1, Lead: pending + 1, RTT: time.Second, Backoff: 4, GroupSize: 1}
	const n = 2000
	before := r.steps
	for range n {
		now = now.Add(time.Microsecond)
		r.Tick(now)
		r.Step(netip.AddrPort{}, hb)
		r.Next()
		r.Advance()
	}
	if per := float64(r.steps-before) / n; per > 64 {
		t.Errorf("got %.1f steps per datagram with %d sequences missing, want at most 64 (a pass over them is %d)", per, len(r.missing), pending)
	}
}

// TestReceiver_LateJoinerDoesNotSyncOnARepair: a receiver that joins while
// the sender repairs an old sequence for others must not start from that
// repair: it would take everything since as missing and NAK the sender's
// history (a late joiner rewinding the sender, what sync-current exists to
// prevent). It starts from the first original datagram or heartbeat.
func TestReceiver_LateJoinerDoesNotSyncOnARepair(t *testing.T) {
	h := Header{Session: 0x77, Epoch: 1}
	r := newTestReceiver(t, ReceiverConfig{Rand: fixedRand(0)})
	wire(r.Step, netip.AddrPort{}, &Data{Header: h, Seq: 5, Frags: 1, Repair: true, Body: testNotify("old")})
	wire(r.Step, netip.AddrPort{}, &Data{Header: h, Seq: 101, Frags: 1, Body: testNotify("new")})
	r.Tick(scriptEpoch.Add(time.Second))
	rd := r.Ready()
	naks := 0
	for _, d := range rd.Send {
		if d.Kind == KindNAK {
			naks++
		}
	}
	if m := r.Metrics(); naks != 0 || m.Missed != 0 || len(rd.Deliver) != 1 || rd.Deliver[0].Seq != 101 {
		t.Errorf("got %d NAKs, %d missed, deliveries %+v, want none, none and 101 alone", naks, m.Missed, rd.Deliver)
	}
}

// TestSender_DemotionsQueueBounded: NAKs beyond the lead from thousands of
// (spoofed) sources are each answered with a Demote, and again while they
// keep NAKing; with a low rate ceiling those wait. What waits is bounded
// (the rest dropped and counted); before, the control queue grew with the
// flood.
func TestSender_DemotionsQueueBounded(t *testing.T) {
	s, err := NewSender(SenderConfig{Session: 0x77, Key: testKey, Epoch: 1, MaxRate: 1000, MaxBurst: 1000})
	if err != nil {
		t.Fatal(err)
	}
	now := scriptEpoch
	s.Tick(now)
	most := 0
	for round := range 20 {
		now = now.Add(20 * time.Millisecond)
		s.Tick(now)
		for i := range 4096 {
			from := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 9, byte(i >> 8), byte(i)}), 7400)
			s.Step(from, &NAK{Header: s.hdr(), Ranges: []Range{{uint64(round + 7), uint64(round + 7)}}})
		}
		s.Advance()
		most = max(most, len(s.ctlQ))
	}
	if most > maxQueuedControl+1 {
		t.Errorf("got up to %d control packets waiting, want at most %d demotions and a heartbeat", most, maxQueuedControl)
	}
}
