package direct

import (
	"math"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

// Datagrams from a hostile network: whatever arrives goes through the
// decoders, as the driver's do, then into the engine.

// encode is p on the wire.
func encode(p Packet) []byte {
	if d, ok := p.(*Data); ok {
		return appendData(nil, "soap.udp://239.1.1.1:7400", d)
	}
	return EncodeControl(p)
}

// wire feeds p to step as the driver would: encoded, then decoded; it
// reports whether the decoder let p through.
func wire(step func(netip.AddrPort, Packet), from netip.AddrPort, p Packet) bool {
	q, err := Decode(encode(p))
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
	cfg.Session = 0x77
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
