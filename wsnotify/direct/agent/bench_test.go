//go:build unix

package agent

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsnotify/direct"
	"github.com/wsgw/wsgw/wsnotify/direct/driver"
)

// BenchmarkSendPath is the send agent's work per notification, as `wsgw
// direct send` does it: a publisher POSTs a SOAP 1.1 Notify of about 1 KiB
// over keep-alive HTTP on loopback to the publish handler, which hands it
// to a real driver.Sender in unicast mode with one receiver joined (a real
// UDP socket on loopback, drained). The time, CPU (cpu-ns/op: getrusage
// of the whole process, a figure a loaded machine inflates less than the
// wall time) and allocations per op include the publisher's side of HTTP
// and the receiver's reads (same process).
func BenchmarkSendPath(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	key := make([]byte, direct.KeySize)
	rand.Read(key) //nolint:errcheck // never fails
	loop := netip.MustParseAddrPort("127.0.0.1:0")
	s, err := driver.NewSender(direct.SenderConfig{Session: 1, Key: key, Epoch: 1, MaxRate: 1 << 30, MaxBurst: 1 << 20},
		driver.NetConfig{Unicast: true, Listen: loop, Allow: func(a netip.Addr) bool { return a.IsLoopback() }}, nil)
	if err != nil {
		b.Fatal(err)
	}
	go s.Run(ctx) //nolint:errcheck // ends with ctx
	ctl, err := s.Addr(ctx)
	if err != nil {
		b.Fatal(err)
	}
	rc, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(loop))
	if err != nil {
		b.Fatal(err)
	}
	defer rc.Close()
	go func() { // drain
		buf := make([]byte, 65536)
		for {
			if _, _, err := rc.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	codec, err := direct.NewCodec(key)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := rc.WriteToUDPAddrPort(codec.EncodeControl(&direct.Join{Header: direct.Header{Session: 1, Epoch: 1}}), ctl); err != nil {
		b.Fatal(err)
	}
	checkfor.Until(b, 10*time.Second, func() error {
		m, _ := s.Metrics()
		for _, p := range m.Receivers {
			if p.Joined {
				return nil
			}
		}
		return errors.New("the receiver has not joined")
	})

	srv := httptest.NewServer(PublishHandler(&Router{All: s}, xmldoc.Limits{}, nil))
	defer srv.Close()
	env := `<s:Envelope xmlns:s="` + soap.NS11 + `" xmlns:wsa="` + soap.WSANS + `"><s:Header><wsa:Action>` + direct.ActionNotify +
		`</wsa:Action><wsa:To>` + srv.URL + `</wsa:To></s:Header><s:Body>` +
		`<wsnt:Notify xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2"><wsnt:NotificationMessage><wsnt:Message><m><n>1</n><pad>` +
		strings.Repeat("x", 824) + `</pad></m></wsnt:Message></wsnt:NotificationMessage></wsnt:Notify></s:Body></s:Envelope>`
	client := srv.Client()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for range b.N {
		req, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(env))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", "text/xml; charset=utf-8")
		req.Header.Set("SOAPAction", `"`+direct.ActionNotify+`"`)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body) //nolint:errcheck // drained for reuse
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			b.Fatalf("got HTTP %d, want 202", resp.StatusCode)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
	if m, _ := s.Metrics(); m.Published != int64(b.N) {
		b.Fatalf("got %d published, want %d", m.Published, b.N)
	}
}

// processCPU is the user and system CPU time of this process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
