package driver

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/wsnotify/direct"
)

// stepRecorder is an engine that records the NAKs stepped into it and the
// rounds (ticks) it was given.
type stepRecorder struct {
	naks  []uint64 // the first sequence of each NAK, in the order stepped
	ticks int
}

func (e *stepRecorder) Tick(time.Time) { e.ticks++ }
func (e *stepRecorder) Step(_ netip.AddrPort, p direct.Packet) {
	if n, ok := p.(*direct.NAK); ok {
		e.naks = append(e.naks, n.Ranges[0].From)
	}
}
func (e *stepRecorder) Next() time.Time     { return time.Time{} }
func (e *stepRecorder) HasReady() bool      { return false }
func (e *stepRecorder) Ready() direct.Ready { return direct.Ready{} }
func (e *stepRecorder) Advance()            {}

// TestRunner_StepsQueuedDatagramsInOneRound: datagrams already queued when
// the loop wakes are stepped into the engine in rounds of up to stepBatch
// (one lock, one tick, one Ready each), every one in the order read; one
// whose tag does not verify is counted and skipped. Before, each datagram
// was a round of its own.
func TestRunner_StepsQueuedDatagramsInOneRound(t *testing.T) {
	eng := &stepRecorder{}
	r, err := newRunner(eng, testKey, NetConfig{Unicast: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	codec, _ := direct.NewCodec(testKey)
	from := netip.MustParseAddrPort("127.0.0.1:9")
	const n = 3 * stepBatch
	in := make(chan packet, n+1)
	for i := range n {
		if i == 10 {
			in <- packet{from: from, b: []byte("not a datagram of this channel")}
		}
		nak := &direct.NAK{Header: direct.Header{Session: 1, Epoch: 1}, Ranges: []direct.Range{{From: uint64(i + 1), To: uint64(i + 1)}}}
		in <- packet{from: from, b: codec.EncodeControl(nak)}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.loop(ctx, in) }()
	checkfor.True(t, 10*time.Second, "every NAK stepped", func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return len(eng.naks) == n
	})
	cancel()
	<-done
	for i, seq := range eng.naks {
		if want := uint64(i + 1); seq != want {
			t.Fatalf("step %d: got NAK of %d, want %d (the order read)", i, seq, want)
		}
	}
	// n+1 datagrams read, stepBatch a round: 4 rounds.
	if got, want := r.stepRounds.Load(), int64((n+1+stepBatch-1)/stepBatch); got != want {
		t.Errorf("got %d engine rounds for %d queued datagrams, want %d", got, n+1, want)
	}
	if got := r.badTags.Load() + r.badPackets.Load(); got != 1 {
		t.Errorf("got %d datagrams refused, want 1", got)
	}
}
