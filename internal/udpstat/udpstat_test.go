package udpstat

import (
	"bufio"
	"errors"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
)

// A /proc/net/udp table as Linux 6.x writes it (proc(5)).
const table = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops            
  123: 0100007F:A1B2 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4242 2 0000000000000000 17        
  124: 0100007F:A1B3 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4343 2 0000000000000000 5         
  125: 0100007F:A1B4 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4444 2 0000000000000000 1000      
`

// TestSumDrops_OnlyTheGivenSockets: the drops of the sockets named by
// inode are added; other sockets of the namespace are not.
func TestSumDrops_OnlyTheGivenSockets(t *testing.T) {
	got, err := sumDrops(bufio.NewScanner(strings.NewReader(table)), map[string]bool{"4242": true, "4343": true})
	if err != nil {
		t.Fatal(err)
	}
	if got != 22 {
		t.Errorf("got %d drops, want 22", got)
	}
}

func TestSumDrops_RefusesAnUnknownHeader(t *testing.T) {
	if _, err := sumDrops(bufio.NewScanner(strings.NewReader("sl local_address\n")), nil); err == nil {
		t.Error("got no error, want the missing columns named")
	}
}

// TestDrops_CountsThisProcessSocketsOverflow: 200 datagrams of 1,000
// bytes sent to a socket of this process with the smallest receive buffer
// and never read: the kernel drops most of them, and Drops says so.
func TestDrops_CountsThisProcessSocketsOverflow(t *testing.T) {
	before, err := Drops()
	if runtime.GOOS != "linux" {
		if !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("got %v, want ErrUnsupported", err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadBuffer(1) //nolint:errcheck // the kernel rounds it up to its minimum
	src, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for range 200 {
		src.WriteToUDP(make([]byte, 1000), c.LocalAddr().(*net.UDPAddr)) //nolint:errcheck // loss is the point
	}
	checkfor.True(t, 10*time.Second, "at least 100 drops", func() bool {
		got, err := Drops()
		return err == nil && got-before >= 100
	})
}
