package udprelay

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
)

// TestRelay_DropsWhatDropSays: datagrams towards the receiver pass unless
// Drop says they are lost; the receiver's datagrams reach the sender from
// the relay's own socket.
func TestRelay_DropsWhatDropSays(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sender := listen(t)
	receiver := listen(t)
	r, err := New(sender.LocalAddr().(*net.UDPAddr).AddrPort(), func(b []byte) bool { return b[0] == 'x' })
	if err != nil {
		t.Fatal(err)
	}
	go r.Run(ctx)
	if _, err := receiver.WriteToUDPAddrPort([]byte("join"), r.Addr()); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	sender.SetReadDeadline(time.Now().Add(10 * time.Second)) //nolint:errcheck // bounds a failing test
	n, relay, err := sender.ReadFromUDPAddrPort(buf)
	if err != nil || string(buf[:n]) != "join" {
		t.Fatalf("sender: got %q, %v, want join", buf[:n], err)
	}
	for i := range 10 {
		msg := "a" + strconv.Itoa(i)
		if i%2 == 1 {
			msg = "x" + strconv.Itoa(i)
		}
		if _, err := sender.WriteToUDPAddrPort([]byte(msg), relay); err != nil {
			t.Fatal(err)
		}
	}
	receiver.SetReadDeadline(time.Now().Add(10 * time.Second)) //nolint:errcheck // bounds a failing test
	for i := 0; i < 10; i += 2 {
		n, _, err := receiver.ReadFromUDPAddrPort(buf)
		if want := "a" + strconv.Itoa(i); err != nil || string(buf[:n]) != want {
			t.Fatalf("receiver: got %q, %v, want %s", buf[:n], err, want)
		}
	}
	// The last datagram (x9) comes after the last one relayed (a8): the
	// relay may still be taking it.
	checkfor.Until(t, 10*time.Second, func() error {
		if got, want := r.Dropped.Load(), int64(5); got != want {
			return fmt.Errorf("got %d dropped, want %d", got, want)
		}
		return nil
	})
}

// TestRelay_BuffersGranted: both relay sockets get Buffer bytes of receive
// and send buffer (Linux reports twice the size set) when the process may
// exceed net.core.rmem_max and wmem_max. Before, they kept the system's
// default (212,992 bytes): a relay not scheduled for a few milliseconds
// lost datagrams Drop never saw.
func TestRelay_BuffersGranted(t *testing.T) {
	r, err := New(netip.MustParseAddrPort("127.0.0.1:9"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.front.Close()
	defer r.back.Close()
	g, err := r.Buffers()
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skip("buffers are not readable here")
	}
	if err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 && (g.Read < Buffer || g.Write < Buffer) {
		t.Skipf("got %+v: only root may exceed net.core.rmem_max and wmem_max", g)
	}
	if g.Read < Buffer || g.Write < Buffer {
		t.Errorf("got buffers %+v, want at least %d each", g, Buffer)
	}
}

func listen(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
