package driver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/wsnotify/direct"
)

// TestDriver_UnicastLoopback runs a sender and a receiver in unicast
// fan-out mode on real sockets on loopback: the receiver joins, and gets
// every notification in order; cancelling stops both.
func TestDriver_UnicastLoopback(t *testing.T) {
	p := newPair(t, direct.SenderConfig{})
	const n = 20
	for i := range n {
		if _, err := p.s.Publish(notifyN(i)); err != nil {
			t.Fatal(err)
		}
	}
	checkfor.True(t, 5*time.Second, "20 deliveries", func() bool { got, _ := p.state(); return got == n })
	p.mu.Lock()
	for i, g := range p.got {
		if want := string(notifyN(i)); g != want {
			t.Errorf("delivery %d: got %s, want %s", i, g, want)
		}
	}
	p.mu.Unlock()
	for _, err := range p.stop() {
		if err != context.Canceled {
			t.Errorf("got Run error %v, want context.Canceled", err)
		}
	}
}

func TestNewSender_ValidatesWithPaths(t *testing.T) {
	_, err := NewSender(direct.SenderConfig{}, NetConfig{Group: netip.MustParseAddrPort("224.0.0.1:7400"), TTL: 300}, nil)
	if err == nil {
		t.Fatal("got no error, want the session, group and TTL refused")
	}
	for _, want := range []string{"Engine.Session: required", "Engine.Key: required", "Net.Group: 224.0.0.1 is outside the allowed ranges", "Net.TTL: 300"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got %q, want it to contain %q", err, want)
		}
	}
}

// TestSender_UnicastAnswersOnlyAllowedAddresses: in unicast mode every
// address the sender writes to must pass the egress allow-list. A NAK from
// an address the list refuses (127.0.0.2 here; only 127.0.0.1 allowed) is
// dropped, so it cannot make the sender write a Demote there. Before, only
// Joins were checked: any source could NAK outside the window and have a
// Demote sent to an address of its choosing (a spoofed one).
func TestSender_UnicastAnswersOnlyAllowedAddresses(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	only := netip.MustParseAddr("127.0.0.1")
	s, err := NewSender(direct.SenderConfig{Session: 42, Key: testKey, Epoch: 1}, NetConfig{Unicast: true, Allow: func(a netip.Addr) bool { return a == only },
		Listen: netip.MustParseAddrPort("127.0.0.1:0")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	saddr, err := s.Addr(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.2:0")))
	if err != nil {
		t.Skipf("no 127.0.0.2 on this host: %v", err)
	}
	defer c.Close()
	codec, _ := direct.NewCodec(testKey)
	nak := codec.EncodeControl(&direct.NAK{Header: direct.Header{Session: 42, Epoch: 1}, Ranges: []direct.Range{{From: 7, To: 7}}})
	if _, err := c.WriteToUDPAddrPort(nak, saddr); err != nil {
		t.Fatal(err)
	}
	checkfor.True(t, 5*time.Second, "the sender to take the NAK in", func() bool {
		m, dc := s.Metrics()
		return m.NAKsReceived+dc.BadPackets > 0
	})
	if m, dc := s.Metrics(); m.Demotions != 0 || m.NAKsReceived != 0 || dc.BadPackets != 1 {
		t.Errorf("got %d NAKs taken, %d demotions, %d bad packets, want the NAK refused (0, 0, 1)", m.NAKsReceived, m.Demotions, dc.BadPackets)
	}
	cancel()
	<-done
}

// TestSender_PublishAfterRunEnded: once Run has returned (its socket
// closed), Publish answers ErrNotRunning (the agent answers 503), instead
// of accepting a notification that can no longer be sent.
func TestSender_PublishAfterRunEnded(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s, err := NewSender(direct.SenderConfig{Session: 42, Key: testKey, Epoch: 1}, NetConfig{Unicast: true, Allow: func(netip.Addr) bool { return true },
		Listen: netip.MustParseAddrPort("127.0.0.1:0")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	if _, err := s.Addr(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done
	notify := fmt.Appendf(nil, `<wsnt:Notify xmlns:wsnt="%s"/>`, direct.NSNotification)
	if _, err := s.Publish(notify); err != ErrNotRunning {
		t.Errorf("got %v, want ErrNotRunning", err)
	}
}

// TestDriver_ReadBufferDefault: both sides' sockets get DefaultReadBuffer
// (Linux reports twice the size set), past net.core.rmem_max when the
// process may. Before, they kept the system's default (212,992 bytes),
// about 100 datagrams: a receiver not scheduled for a few milliseconds lost
// the rest of a burst, and every loss cost a NAK round and held the
// deliveries after it back.
func TestDriver_ReadBufferDefault(t *testing.T) {
	p := newPair(t, direct.SenderConfig{})
	defer p.stop()
	for name, r := range map[string]*runner{"sender": p.s.r, "receiver": p.rc.r} {
		var c *conn
		checkfor.True(t, 5*time.Second, name+"'s socket", func() bool { c = r.c.Load(); return c != nil })
		got, err := readBuffer(c.pc.(*net.UDPConn))
		if errors.Is(err, errors.ErrUnsupported) {
			t.Skip("the receive buffer is not readable here")
		}
		if err != nil {
			t.Fatal(err)
		}
		if os.Geteuid() != 0 && got < DefaultReadBuffer {
			t.Skipf("got a %s receive buffer of %d bytes: net.core.rmem_max is lower and only root may exceed it", name, got)
		}
		if got < DefaultReadBuffer {
			t.Errorf("got a %s receive buffer of %d bytes, want at least %d", name, got, DefaultReadBuffer)
		}
	}
}

// TestSender_ConcurrentPublishesLeaveInOrder: datagrams leave in the order
// the engine numbered them, whatever the goroutines publishing. Before,
// each Publish wrote its Ready after releasing the engine, so concurrent
// publishers overtook each other on the wire: receivers took the
// reordering for loss and NAKed, and the sender repaired what had not
// been lost (bench direct, 4 publishers: ~3% of sequences "missed").
func TestSender_ConcurrentPublishesLeaveInOrder(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := NewSender(direct.SenderConfig{Session: 42, Key: testKey, Epoch: 1, MaxRate: 1 << 30, MaxBurst: 1 << 24},
		NetConfig{Unicast: true, Allow: func(a netip.Addr) bool { return a.IsLoopback() }, Listen: netip.MustParseAddrPort("127.0.0.1:0")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	saddr, err := s.Addr(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadBuffer(DefaultReadBuffer) //nolint:errcheck // a smaller one loses datagrams, and the test says so
	codec, _ := direct.NewCodec(testKey)
	if _, err := c.WriteToUDPAddrPort(codec.EncodeControl(&direct.Join{Header: direct.Header{Session: 42, Epoch: 1}}), saddr); err != nil {
		t.Fatal(err)
	}
	checkfor.True(t, 5*time.Second, "the join", func() bool { m, _ := s.Metrics(); return len(m.Receivers) == 1 })
	const publishers, each = 8, 100
	var wg sync.WaitGroup
	for range publishers {
		wg.Go(func() {
			for i := range each {
				for {
					_, err := s.Publish(notifyN(i))
					if err == nil {
						break
					}
					if !errors.Is(err, direct.ErrFull) {
						t.Error(err)
						return
					}
					runtime.Gosched()
				}
			}
		})
	}
	var seqs []uint64
	buf := make([]byte, 65536)
	c.SetReadDeadline(time.Now().Add(10 * time.Second)) //nolint:errcheck // a deadline, not a wait
	for len(seqs) < publishers*each {
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("got %d data datagrams, want %d: %v", len(seqs), publishers*each, err)
		}
		if p, err := codec.Decode(buf[:n]); err == nil {
			if d, ok := p.(*direct.Data); ok && !d.Repair {
				seqs = append(seqs, d.Seq)
			}
		}
	}
	wg.Wait()
	for i, seq := range seqs {
		if want := uint64(i + 1); seq != want {
			t.Fatalf("datagram %d: got seq %d, want %d (the order numbered)", i, seq, want)
		}
	}
}

// TestSender_FanOutInOneWrite: in unicast fan-out mode a notification's
// copies to every joined receiver leave in one system call (sendmmsg),
// and every receiver gets its copy. Before, each copy was a sendmsg of its
// own: 50 receivers, 50 calls per datagram.
func TestSender_FanOutInOneWrite(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := NewSender(direct.SenderConfig{Session: 42, Key: testKey, Epoch: 1},
		NetConfig{Unicast: true, Allow: func(a netip.Addr) bool { return a.IsLoopback() }, Listen: netip.MustParseAddrPort("127.0.0.1:0")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	go s.Run(ctx) //nolint:errcheck // ends with ctx
	saddr, err := s.Addr(ctx)
	if err != nil {
		t.Fatal(err)
	}
	codec, _ := direct.NewCodec(testKey)
	const receivers = 20
	var cs []*net.UDPConn
	for range receivers {
		c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.WriteToUDPAddrPort(codec.EncodeControl(&direct.Join{Header: direct.Header{Session: 42, Epoch: 1}}), saddr); err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	checkfor.True(t, 5*time.Second, "the joins", func() bool { m, _ := s.Metrics(); return len(m.Receivers) == receivers })
	// One Publish, one Ready of 20 copies: one call (and perhaps one more:
	// the loop's timer may write a heartbeat meanwhile).
	before := s.r.writeCalls.Load()
	if _, err := s.Publish(notifyN(1)); err != nil {
		t.Fatal(err)
	}
	if got := s.r.writeCalls.Load() - before; got < 1 || got > 2 {
		t.Errorf("got %d write calls for a notification to %d receivers, want 1 (2 with a heartbeat)", got, receivers)
	}
	buf := make([]byte, 65536)
	for i, c := range cs {
		c.SetReadDeadline(time.Now().Add(5 * time.Second)) //nolint:errcheck // a deadline, not a wait
		for {
			n, err := c.Read(buf)
			if err != nil {
				t.Fatalf("receiver %d: got no data datagram: %v", i, err)
			}
			if p, err := codec.Decode(buf[:n]); err == nil && p.Kind() == direct.KindData {
				break
			}
		}
	}
}

// queuedDatagrams listens on a unicast loopback socket and queues n
// datagrams (notifyN(0..n-1)) on it from src, closed when t ends.
func queuedDatagrams(t *testing.T, n int) (*conn, *net.UDPConn) {
	t.Helper()
	nc := NetConfig{Unicast: true}.withDefaults()
	c, err := listen(nc, netip.MustParseAddrPort("127.0.0.1:0"), false)
	if err != nil {
		t.Fatal(err)
	}
	to := c.pc.LocalAddr().(*net.UDPAddr)
	src, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	for i := range n {
		if _, err := src.WriteToUDP(notifyN(i), to); err != nil {
			t.Fatal(err)
		}
	}
	return c, src
}

// TestConn_ReadsQueuedDatagramsInFewCalls: datagrams queued on the socket
// are read several a system call (recvmmsg), each whole and from its
// source. Before, one recvmsg per datagram.
func TestConn_ReadsQueuedDatagramsInFewCalls(t *testing.T) {
	const n = 3 * readBatch
	c, src := queuedDatagrams(t, n)
	in := make(chan packet, n)
	var reads, waits atomic.Int64
	go c.readLoop(in, &waits, &reads)
	for i := range n {
		var p packet
		select {
		case p = <-in:
		case <-time.After(10 * time.Second): // a bound on a failing test, not a synchronisation
			t.Fatalf("got %d datagrams, want %d", i, n)
		}
		if want := string(notifyN(i)); string(p.b) != want || p.from != src.LocalAddr().(*net.UDPAddr).AddrPort() {
			t.Fatalf("datagram %d: got %q from %v, want %q from %v", i, p.b, p.from, want, src.LocalAddr())
		}
	}
	// n queued datagrams: n/readBatch calls, and the one now waiting.
	if got := reads.Load(); got > n/readBatch+1 {
		t.Errorf("got %d read calls for %d queued datagrams, want at most %d", got, n, n/readBatch+1)
	}
	c.pc.Close()
	for range in { //nolint:revive // until the loop closes in
	}
}

// TestConn_ReaderWaitsForTheLoop: when the engine loop is behind (nobody
// takes from in), the reader waits and the socket's buffer holds what
// comes meanwhile: every datagram arrives, in order. Before, the reader
// dropped each datagram in had no room for.
func TestConn_ReaderWaitsForTheLoop(t *testing.T) {
	const n = 3 * readBatch
	c, _ := queuedDatagrams(t, n)
	in := make(chan packet, 1)
	var reads, waits atomic.Int64
	go c.readLoop(in, &waits, &reads)
	checkfor.True(t, 10*time.Second, "the reader to wait for the loop", func() bool { return waits.Load() > 0 })
	for i := range n {
		var p packet
		select {
		case p = <-in:
		case <-time.After(10 * time.Second): // a bound on a failing test, not a synchronisation
			t.Fatalf("got %d datagrams, want %d", i, n)
		}
		if want := string(notifyN(i)); string(p.b) != want {
			t.Fatalf("datagram %d: got %q, want %q (every one, in order)", i, p.b, want)
		}
	}
	c.pc.Close()
	for range in { //nolint:revive // until the loop closes in
	}
}
