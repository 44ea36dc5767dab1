package driver

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/wsnotify/direct"
)

var testKey = bytes.Repeat([]byte{0x3c}, direct.KeySize)

// pair is a sender and a receiver in unicast fan-out mode on loopback,
// the receiver joined; what the receiver hands over is recorded.
type pair struct {
	s      *Sender
	rc     *Receiver
	saddr  netip.AddrPort
	mu     sync.Mutex
	got    []string
	gaps   []direct.Gap
	cancel context.CancelFunc
	done   chan error
	errs   []error // what Run returned, once stopped
}

// stop cancels both and returns what their Runs returned (once).
func (p *pair) stop() []error {
	p.cancel()
	if p.errs == nil {
		p.errs = []error{<-p.done, <-p.done}
	}
	return p.errs
}

func newPair(t *testing.T, scfg direct.SenderConfig) *pair {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &pair{cancel: cancel, done: make(chan error, 2)}
	t.Cleanup(func() { p.stop() })
	scfg.Session, scfg.Key, scfg.Epoch = 42, testKey, 1
	var err error
	p.s, err = NewSender(scfg, NetConfig{Unicast: true, Allow: func(a netip.Addr) bool { return a.IsLoopback() },
		Listen: netip.MustParseAddrPort("127.0.0.1:0")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.s.Run(ctx) }()
	if p.saddr, err = p.s.Addr(ctx); err != nil {
		t.Fatal(err)
	}
	p.rc, err = NewReceiver(direct.SessionsConfig{Receiver: direct.ReceiverConfig{Key: testKey, JoinInterval: 50 * time.Millisecond},
		Senders: []direct.Peer{{Session: 42, Control: p.saddr}}},
		NetConfig{Unicast: true, Listen: netip.MustParseAddrPort("127.0.0.1:0")},
		Handlers{
			Deliver: func(d direct.Delivery) { p.mu.Lock(); p.got = append(p.got, string(d.Notify)); p.mu.Unlock() },
			Gap:     func(g direct.Gap) { p.mu.Lock(); p.gaps = append(p.gaps, g); p.mu.Unlock() },
		}, nil)
	if err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.rc.Run(ctx) }()
	checkfor.True(t, 5*time.Second, "the receiver to join", func() bool {
		m, _ := p.s.Metrics()
		return len(m.Receivers) == 1
	})
	return p
}

func (p *pair) state() (int, []direct.Gap) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.got), append([]direct.Gap(nil), p.gaps...)
}

func notifyN(i int) []byte {
	return fmt.Appendf(nil, `<wsnt:Notify xmlns:wsnt="%s"><n>%d</n>%0500d</wsnt:Notify>`, direct.NSNotification, i, 0)
}

// TestReceiver_DropsForgedDatagrams: datagrams without the channel's key
// (a forged heartbeat of a new epoch, which would have made the receiver
// give everything up as a restart; a forged Demote) are counted and
// dropped before the engine sees them; the receiver keeps following the
// real sender.
func TestReceiver_DropsForgedDatagrams(t *testing.T) {
	p := newPair(t, direct.SenderConfig{})
	if _, err := p.s.Publish(notifyN(1)); err != nil {
		t.Fatal(err)
	}
	checkfor.True(t, 5*time.Second, "the first delivery", func() bool { n, _ := p.state(); return n == 1 })
	raddr, err := p.rc.Addr(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	forger, _ := direct.NewCodec(bytes.Repeat([]byte{1}, direct.KeySize))
	c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	h := direct.Header{Session: 42, Epoch: 99}
	for _, pk := range []direct.Packet{
		&direct.Heartbeat{Header: h, Trail: 1, Lead: 1000},
		&direct.Demote{Header: direct.Header{Session: 42, Epoch: 1}, Reason: direct.DemoteLoss, Hold: time.Hour, Lead: 1},
	} {
		if _, err := c.WriteToUDPAddrPort(forger.EncodeControl(pk), raddr); err != nil {
			t.Fatal(err)
		}
	}
	checkfor.True(t, 5*time.Second, "the forged datagrams to be read", func() bool { _, c := p.rc.Metrics(); return c.BadTags == 2 })
	if _, err := p.s.Publish(notifyN(2)); err != nil {
		t.Fatal(err)
	}
	checkfor.True(t, 5*time.Second, "the second delivery", func() bool { n, _ := p.state(); return n == 2 })
	if m, _ := p.rc.Metrics(); m.Total.Demotions != 0 || m.Total.Gaps != 0 || len(m.Sessions) != 1 {
		t.Errorf("got %+v, want no demotion, no gap, one session", m)
	}
}

// TestSender_ShutdownSendsWhatWasAccepted: notifications accepted before
// Shutdown (held back by the rate limit) are sent before the session is
// closed, when the deadline allows; when it does not, the receiver gets a
// gap for the rest at once (the final heartbeat), and Shutdown says the
// wait was cut short. Publish is refused afterwards.
func TestSender_ShutdownSendsWhatWasAccepted(t *testing.T) {
	for _, tc := range []struct {
		name    string
		timeout time.Duration
	}{{"in time", 30 * time.Second}, {"cut short", time.Millisecond}} {
		t.Run(tc.name, func(t *testing.T) {
			// ~600-byte datagrams at 20 KB/s: 30 take about a second.
			p := newPair(t, direct.SenderConfig{MaxRate: 20000, MaxBurst: 2000})
			const n = 30
			for i := range n {
				if _, err := p.s.Publish(notifyN(i)); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), tc.timeout)
			err := p.s.Shutdown(ctx, 50*time.Millisecond)
			cancel()
			if tc.name == "in time" {
				if err != nil {
					t.Fatalf("got %v, want the queue drained in time", err)
				}
				checkfor.True(t, 10*time.Second, "every notification delivered", func() bool { got, _ := p.state(); return got == n })
			} else {
				if err == nil {
					t.Fatal("got no error, want the deadline reported")
				}
				checkfor.True(t, 10*time.Second, "the rest reported as a gap", func() bool {
					got, gaps := p.state()
					return len(gaps) == 1 && gaps[0].Reason == direct.GapClosed && uint64(got)+gaps[0].To-gaps[0].From+1 == n
				})
			}
			if _, err := p.s.Publish(notifyN(n)); err != direct.ErrClosed {
				t.Errorf("Publish after Shutdown: got %v, want direct.ErrClosed", err)
			}
		})
	}
}

// TestSender_RateLimitedPublishWakesTheLoop: a Publish that the rate limit
// holds back makes the engine's Next earlier than the time the loop sleeps
// until (heartbeats and demotion intervals a minute apart here, a
// receiver that joined once and sends nothing more to wake it), so it
// wakes the loop, which sends the rest as the budget refills.
func TestSender_RateLimitedPublishWakesTheLoop(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := NewSender(direct.SenderConfig{Session: 42, Key: testKey, Epoch: 1, MaxRate: 20000, MaxBurst: 2000,
		HeartbeatMin: time.Minute, HeartbeatMax: time.Minute, DemoteInterval: time.Minute},
		NetConfig{Unicast: true, Allow: func(a netip.Addr) bool { return a.IsLoopback() }, Listen: netip.MustParseAddrPort("127.0.0.1:0")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done }()
	saddr, err := s.Addr(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	codec, err := direct.NewCodec(testKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rc.WriteToUDPAddrPort(codec.EncodeControl(&direct.Join{Header: direct.Header{Session: 42, Epoch: 1}}), saddr); err != nil {
		t.Fatal(err)
	}
	checkfor.True(t, 5*time.Second, "the receiver to join", func() bool { m, _ := s.Metrics(); return len(m.Receivers) == 1 })
	// ~600-byte datagrams at 20 KB/s: 20 take about half a second.
	const n = 20
	for i := range n {
		if _, err := s.Publish(notifyN(i)); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seqs := map[uint64]bool{}
	go func() {
		buf := make([]byte, 65536)
		for {
			k, _, err := rc.ReadFrom(buf)
			if err != nil {
				return
			}
			if p, err := codec.Decode(buf[:k]); err == nil {
				if d, ok := p.(*direct.Data); ok {
					mu.Lock()
					seqs[d.Seq] = true
					mu.Unlock()
				}
			}
		}
	}()
	checkfor.True(t, 10*time.Second, "every notification sent", func() bool { mu.Lock(); defer mu.Unlock(); return len(seqs) == n })
}
