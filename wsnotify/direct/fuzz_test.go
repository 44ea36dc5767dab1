package direct

import (
	"bytes"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"testing"
	"time"
)

// FuzzDecode: no input makes the decoders panic, and what decodes
// re-encodes to an equal packet.
func FuzzDecode(f *testing.F) {
	h := Header{Session: 7, Epoch: 2}
	for _, p := range []Packet{
		&Heartbeat{Header: h, Trail: 3, Lead: 9, RTT: 10 * time.Millisecond, Backoff: 4, GroupSize: 1000},
		&NAK{Header: h, Ranges: []Range{{1, 3}, {7, 7}}},
		&NCF{Header: h, Wait: 50 * time.Millisecond, Ranges: []Range{{4, 4}}},
		&Demote{Header: h, Reason: DemoteLoss, Hold: time.Minute, Lead: 40},
		&Join{Header: h, Leave: true},
	} {
		f.Add(encodeControl(p))
	}
	f.Add(appendData(nil, "soap.udp://239.1.1.1:7400", &Data{Header: h, Seq: 5, Frags: 1, Body: []byte(`<wsnt:Notify xmlns:wsnt="` + NSNotification + `"/>`)}))
	f.Add(appendData(nil, "x", &Data{Header: h, Seq: 6, Frag: 1, Frags: 3, Repair: true, Body: []byte("chunk")}))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodePacket(b)
		if err != nil {
			return
		}
		var again []byte
		if d, ok := p.(*Data); ok {
			again = appendData(nil, "x", d)
		} else {
			again = encodeControl(p)
		}
		q, err := decodePacket(again)
		if err != nil {
			t.Fatalf("re-encoded %T does not decode: %v", p, err)
		}
		if d, ok := p.(*Data); ok && d.Frags == 1 {
			// The Notify is carried as it is; its bytes may differ only
			// by the namespace bindings added once.
			qd := q.(*Data)
			if qd.Seq != d.Seq || qd.Session != d.Session || !bytes.Contains(qd.Body, []byte("Notify")) {
				t.Fatalf("got %+v after a round trip, want %+v", qd, d)
			}
			return
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("got %+v after a round trip, want %+v", q, p)
		}
	})
}

// FuzzReceiver: a receiver fed arbitrary datagrams, interleaved with
// time, never panics, never delivers a notification twice or out of
// order, and keeps its bounds.
func FuzzReceiver(f *testing.F) {
	h := Header{Session: 9, Epoch: 1}
	seed := func(ps ...Packet) []byte {
		var b []byte
		for _, p := range ps {
			var enc []byte
			if d, ok := p.(*Data); ok {
				enc = appendData(nil, "x", d)
			} else {
				enc = encodeControl(p)
			}
			b = append(b, byte(len(enc)>>8), byte(len(enc)), 10)
			b = append(b, enc...)
		}
		return b
	}
	notify := []byte(`<wsnt:Notify xmlns:wsnt="` + NSNotification + `"/>`)
	f.Add(seed(&Data{Header: h, Seq: 1, Frags: 1, Body: notify}, &Data{Header: h, Seq: 3, Frags: 1, Body: notify},
		&NCF{Header: h, Ranges: []Range{{2, 2}}}, &Heartbeat{Header: h, Trail: 3, Lead: 4}))
	f.Add(seed(&Data{Header: h, Seq: 4, Frag: 1, Frags: 2, Body: []byte("a")}, &Data{Header: h, Seq: 5, Frag: 0, Frags: 2, Body: []byte("b")},
		&Demote{Header: h, Reason: DemoteOutside, Hold: time.Second}, &Data{Header: Header{Session: 9, Epoch: 2}, Seq: 1 << 40, Frags: 1, Body: notify}))
	f.Add(seed(&Data{Header: h, Seq: 1, Frags: 1, Body: notify}, &Heartbeat{Header: h, Lead: 1<<64 - 1}))
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := NewReceiver(ReceiverConfig{Session: 9, Key: testKey, Rand: rand.New(rand.NewPCG(1, 2)), MaxPending: 64, MaxBufferBytes: 4096, MaxMessageBytes: 1024})
		if err != nil {
			t.Fatal(err)
		}
		now := scriptEpoch
		r.Tick(now)
		last := map[uint32]uint64{}
		for len(in) >= 3 {
			n, step := int(in[0])<<8|int(in[1]), time.Duration(in[2])*time.Millisecond
			in = in[3:]
			n = min(n, len(in))
			now = now.Add(step)
			r.Tick(now)
			if p, err := decodePacket(in[:n]); err == nil {
				r.Step(netip.AddrPort{}, p)
			}
			in = in[n:]
			rd := r.Ready()
			r.Advance()
			for _, d := range rd.Deliver {
				ep := r.Session().Epoch
				if d.Seq <= last[ep] {
					t.Fatalf("delivered seq %d after %d in epoch %d", d.Seq, last[ep], ep)
				}
				last[ep] = d.Seq
			}
			if len(r.missing) > 64 || r.bufBytes > 4096+65507+bufEntryCost {
				t.Fatalf("bounds exceeded: %d missing, %d bytes buffered", len(r.missing), r.bufBytes)
			}
		}
	})
}
