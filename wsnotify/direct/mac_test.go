package direct

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// testKey is the channel key of the engine tests.
var testKey = bytes.Repeat([]byte{0x5a}, KeySize)

func newTestCodec(t testing.TB) *Codec {
	t.Helper()
	c, err := NewCodec(testKey)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// samplePackets is one packet of each kind.
func samplePackets() []Packet {
	h := Header{Session: 0x77, Epoch: 3}
	return []Packet{
		&Data{Header: h, Seq: 5, Frags: 1, Body: testNotify("a")},
		&Data{Header: h, Seq: 6, Frag: 1, Frags: 2, Repair: true, Body: []byte("chunk")},
		&Heartbeat{Header: h, Trail: 2, Lead: 9, RTT: 10 * time.Millisecond, Backoff: 4, GroupSize: 3, Final: true},
		&NAK{Header: h, Ranges: []Range{{2, 4}}},
		&NCF{Header: h, Wait: time.Second, Ranges: []Range{{2, 2}}},
		&Demote{Header: h, Reason: DemoteLoss, Hold: time.Minute, Lead: 9},
		&Join{Header: h},
	}
}

func sealed(c *Codec, p Packet) []byte {
	if d, ok := p.(*Data); ok {
		return c.AppendData(nil, "soap.udp://239.1.1.1:7400", d)
	}
	return c.EncodeControl(p)
}

// TestCodec_TagCoversEveryByte: a datagram of any kind decodes under its
// channel's key; flipping any one bit of it (header, payload or tag), or
// decoding it under another key, makes it ErrUnauthenticated. This is
// what keeps a party without the key from forging epochs, NCFs and
// demotions to receivers, and NAKs and joins to the sender (the
// review's open finding).
func TestCodec_TagCoversEveryByte(t *testing.T) {
	c := newTestCodec(t)
	other, err := NewCodec(bytes.Repeat([]byte{0xa5}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range samplePackets() {
		b := sealed(c, p)
		if _, err := c.Decode(b); err != nil {
			t.Fatalf("%v: got %v, want it decoded", describe(p), err)
		}
		if _, err := other.Decode(b); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("%v under another key: got %v, want ErrUnauthenticated", describe(p), err)
		}
		for i := range b {
			for bit := range 8 {
				bad := bytes.Clone(b)
				bad[i] ^= 1 << bit
				if _, err := c.Decode(bad); err == nil {
					t.Fatalf("%v with byte %d bit %d flipped: got it decoded, want it refused", describe(p), i, bit)
				}
			}
		}
		if _, err := c.Decode(b[:len(b)-1]); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("%v truncated: got %v, want ErrUnauthenticated", describe(p), err)
		}
	}
}

// TestCodec_DataStaysASOAPEnvelope: the tag of a data datagram is a
// comment after the envelope, so a plain SOAP-over-UDP listener still
// reads the envelope and its Notify.
func TestCodec_DataStaysASOAPEnvelope(t *testing.T) {
	b := sealed(newTestCodec(t), samplePackets()[0])
	if !strings.HasSuffix(string(b), "-->") || !strings.Contains(string(b), "</s:Envelope><!--wsgwd:mac:") {
		t.Fatalf("got %s, want the envelope followed by the tag comment", b)
	}
	m, err := soap.ReadMessageBytes(b, xmldoc.Limits{})
	if err != nil {
		t.Fatalf("a SOAP reader refused the datagram: %v", err)
	}
	if m.Payload.Name() != notifyName {
		t.Errorf("got body %v, want wsnt:Notify", m.Payload.Name())
	}
}

// TestSender_DropsUnauthenticatedNAKs runs through the driver's order of
// work: a NAK sealed under another key never reaches the sender (Decode
// refuses it), so it cannot make it repair or demote anyone; the same NAK
// under the channel's key is answered.
func TestSender_DropsUnauthenticatedNAKs(t *testing.T) {
	s, err := NewSender(SenderConfig{Session: 0x77, Key: testKey, Epoch: 1})
	if err != nil {
		t.Fatal(err)
	}
	s.Tick(scriptEpoch)
	for range 3 {
		if _, err := s.Publish(testNotify("x")); err != nil {
			t.Fatal(err)
		}
	}
	s.Advance()
	c := newTestCodec(t)
	forger, _ := NewCodec(bytes.Repeat([]byte{1}, KeySize))
	from := netip.MustParseAddrPort("10.0.0.9:7400")
	nak := func(by *Codec, r Range) {
		b := by.EncodeControl(&NAK{Header: Header{Session: 0x77, Epoch: 1}, Ranges: []Range{r}})
		if p, err := c.Decode(b); err == nil {
			s.Step(from, p)
		}
	}
	nak(forger, Range{2, 2}) // in the window: would be repaired
	nak(forger, Range{9, 9}) // beyond the lead: would demote its source
	if m := s.Metrics(); m.NAKsReceived != 0 || m.Demotions != 0 || m.RepairRequests != 0 {
		t.Errorf("forged NAKs: got %d taken, %d repairs, %d demotions, want none", m.NAKsReceived, m.RepairRequests, m.Demotions)
	}
	nak(c, Range{2, 2})
	if m := s.Metrics(); m.NAKsReceived != 1 || m.RepairRequests != 1 {
		t.Errorf("an authentic NAK: got %d taken, %d repairs, want 1 and 1", m.NAKsReceived, m.RepairRequests)
	}
}

// TestSender_CloseReportsWhatWasNotSent: a sender closed with
// notifications still queued (the rate limit held them) sends a final
// heartbeat whose trail passes them; a receiver that lacks anything
// below it reports a GapClosed at once, instead of never hearing of
// them.
func TestSender_CloseReportsWhatWasNotSent(t *testing.T) {
	s, err := NewSender(SenderConfig{Session: 0x77, Key: testKey, Epoch: 1, MaxRate: 1000, MaxBurst: 1000})
	if err != nil {
		t.Fatal(err)
	}
	r := newTestReceiver(t, ReceiverConfig{})
	s.Tick(scriptEpoch)
	c := newTestCodec(t)
	feed := func() {
		for _, d := range s.Ready().Send {
			if p, err := c.Decode(d.Bytes); err == nil {
				r.Step(netip.AddrPort{}, p)
			}
		}
		s.Advance()
	}
	for i := range 10 {
		if _, err := s.Publish(testNotify(strings.Repeat("p", 300) + string(rune('0'+i)))); err != nil {
			t.Fatal(err)
		}
	}
	feed()
	delivered := len(r.Ready().Deliver)
	if delivered == 0 || delivered == 10 || s.Idle() {
		t.Fatalf("got %d of 10 sent at once (idle %v), want the rate limit to hold some back", delivered, s.Idle())
	}
	s.Close()
	feed()
	rd := r.Ready()
	want := Gap{Session: 0x77, Epoch: 1, From: uint64(delivered) + 1, To: 10, Reason: GapClosed}
	if len(rd.Gaps) != 1 || rd.Gaps[0] != want {
		t.Errorf("got gaps %+v, want %+v", rd.Gaps, want)
	}
	if m := s.Metrics(); m.Abandoned != int64(10-delivered) {
		t.Errorf("got %d abandoned, want %d", m.Abandoned, 10-delivered)
	}
	if _, err := s.Publish(testNotify("late")); !errors.Is(err, ErrClosed) {
		t.Errorf("Publish after Close: got %v, want ErrClosed", err)
	}
}
