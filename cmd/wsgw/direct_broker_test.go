package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/internal/udprelay"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/wsnotify/direct"
	"github.com/wsgw/wsgw/wsnotify/direct/agent"
	"github.com/wsgw/wsgw/wsnotify/direct/driver"
)

// freePort returns a port free on loopback for network ("tcp4" or
// "udp4") now (the broker's public URL and its channels' ports are
// configured, not taken from port 0).
func freePort(t *testing.T, network string) int {
	t.Helper()
	if network == "tcp4" {
		ln, err := net.Listen(network, "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().(*net.TCPAddr).Port
	}
	c, err := net.ListenPacket(network, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// startDirectBroker runs `wsgw serve` with a broker whose channels are
// unicast fan-out on loopback, and returns it and its NotificationBroker URL.
func startDirectBroker(t *testing.T) (*servedGateway, string) {
	t.Helper()
	port := freePort(t, "tcp4")
	g := startServe(t, fmt.Sprintf("listen: 127.0.0.1:%d\ndata_dir: %s\nbroker:\n  egress: {cidrs: [loopback]}\n"+
		"  direct: {address: 127.0.0.1, transport: unicast, port: %d, max_channels: 2}\n",
		port, filepath.Join(t.TempDir(), "data"), freePort(t, "udp4")))
	return g, "http://" + g.addr + "/wsn/NotificationBroker"
}

func notifyEnvelope(topic string, n int) string {
	return fmt.Sprintf(`<s:Envelope xmlns:s="%s"><s:Body><wsnt:Notify xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:t="urn:t">`+
		`<wsnt:NotificationMessage><wsnt:Topic Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple">%s</wsnt:Topic>`+
		`<wsnt:Message><n>%d</n></wsnt:Message></wsnt:NotificationMessage></wsnt:Notify></s:Body></s:Envelope>`, soap.NS11, topic, n)
}

func postNotify(t *testing.T, url, topic string, n int) {
	t.Helper()
	status, _, reply := soapCall(t, url, soap.V11.ContentType(), `"`+direct.ActionNotify+`"`, notifyEnvelope(topic, n))
	if status != http.StatusAccepted {
		t.Fatalf("Notify %d to %s: got HTTP %d %s, want 202", n, url, status, reply)
	}
}

// numberRE is a test message's number (with whatever namespace
// declarations the broker's self-contained payloads carry).
var numberRE = regexp.MustCompile(`<n(?:\s[^>]*)?>(\d+)</n>`)

// numbers are the <n> of every message a consumer got, in order.
func (c *consumer) numbers() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []int
	for _, g := range c.got {
		for _, m := range numberRE.FindAllStringSubmatch(g, -1) {
			k, _ := strconv.Atoi(m[1])
			out = append(out, k)
		}
	}
	return out
}

func wantNumbers(t *testing.T, who string, got []int, from, to int) {
	t.Helper()
	if len(got) != to-from+1 {
		t.Fatalf("%s: got %v, want %d..%d in order, once each", who, got, from, to)
	}
	for i, k := range got {
		if k != from+i {
			t.Fatalf("%s: got %v, want %d..%d in order, once each", who, got, from, to)
		}
	}
}

func getBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestDirect_AgentsNegotiateWithTheBroker: a send agent registers its
// topic at a `wsgw serve` broker with direct paths, a receive agent
// subscribes a pull point to it: both are told the channel. A
// publisher's Notify to the send agent reaches the consumer behind the
// receive agent by the channel, and an ordinary HTTP subscriber of the
// topic through the broker (the agent forwarded it), which also keeps it
// as the current message; a Notify sent to the broker itself reaches the
// same consumer on the broker's own session of the channel. Unicast
// fan-out on loopback (no multicast here; the netns test has it).
func TestDirect_AgentsNegotiateWithTheBroker(t *testing.T) {
	_, brokerURL := startDirectBroker(t)
	cons, plain := &consumer{}, &consumer{}
	consSrv, plainSrv := httptest.NewServer(cons), httptest.NewServer(plain)
	defer consSrv.Close()
	defer plainSrv.Close()
	sub := `<s:Envelope xmlns:s="` + soap.NS11 + `"><s:Body><wsnt:Subscribe xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:wsa="` + soap.WSANS +
		`" xmlns:t="urn:t"><wsnt:ConsumerReference><wsa:Address>` + plainSrv.URL + `</wsa:Address></wsnt:ConsumerReference><wsnt:Filter>` +
		`<wsnt:TopicExpression Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple">t:a</wsnt:TopicExpression></wsnt:Filter>` +
		`</wsnt:Subscribe></s:Body></s:Envelope>`
	if status, _, reply := soapCall(t, brokerURL, soap.V11.ContentType(), `""`, sub); status != 200 {
		t.Fatalf("Subscribe: HTTP %d %s", status, reply)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	brokerKeys := "broker: {url: " + brokerURL + ", topics: [\"{urn:t}a\"], transports: [unicast], poll: 100ms}\n"
	sendCfg := writeDirectConfig(t, "send.yaml", brokerKeys+fmt.Sprintf("send: {listen: 127.0.0.1:0, control: 127.0.0.1:%d, egress: {cidrs: [loopback]}}\n", freePort(t, "udp4")))
	recvCfg := writeDirectConfig(t, "recv.yaml", brokerKeys+"recv: {listen: 127.0.0.1:0, status: 127.0.0.1:0, consumer: "+consSrv.URL+"/notify}\n")
	var sendOut, sendErr, recvOut, recvErr syncBuffer
	done := make(chan int, 2)
	go func() { done <- run(ctx, []string{"direct", "send", "--config", sendCfg}, &sendOut, &sendErr) }()
	var m []string
	checkfor.Until(t, 20*time.Second, func() error {
		if m = sendReady.FindStringSubmatch(sendOut.String()); m == nil {
			return fmt.Errorf("the send agent has not started: %s %s", sendOut.String(), sendErr.String())
		}
		return nil
	})
	go func() { done <- run(ctx, []string{"direct", "recv", "--config", recvCfg}, &recvOut, &recvErr) }()
	checkfor.True(t, 20*time.Second, "the receiver to join the agent's sender", func() bool {
		return strings.Contains(getBody(t, strings.TrimSuffix(m[1], "/")+"/metrics"), `"Joined":true`)
	})
	for i := 1; i <= 5; i++ {
		postNotify(t, m[1], "t:a", i)
	}
	checkfor.True(t, 10*time.Second, "5 notifications at the consumer", func() bool { return len(cons.numbers()) >= 5 })
	checkfor.Until(t, 10*time.Second, func() error {
		if len(plain.numbers()) < 5 {
			return fmt.Errorf("the HTTP subscriber has %v, want 5; send agent: %s", plain.numbers(), sendErr.String())
		}
		return nil
	})
	for i := 6; i <= 7; i++ {
		postNotify(t, brokerURL, "t:a", i)
	}
	checkfor.True(t, 10*time.Second, "the broker's 2 at the consumer", func() bool { return len(cons.numbers()) >= 7 })
	checkfor.True(t, 10*time.Second, "the broker's 2 at the HTTP subscriber", func() bool { return len(plain.numbers()) >= 7 })
	wantNumbers(t, "the consumer behind the receive agent", cons.numbers(), 1, 7)
	wantNumbers(t, "the HTTP subscriber", plain.numbers(), 1, 7)
	cur := `<s:Envelope xmlns:s="` + soap.NS11 + `"><s:Body><wsnt:GetCurrentMessage xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:t="urn:t">` +
		`<wsnt:Topic Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple">t:a</wsnt:Topic></wsnt:GetCurrentMessage></s:Body></s:Envelope>`
	if _, _, reply := soapCall(t, brokerURL, soap.V11.ContentType(), `""`, cur); !strings.Contains(reply, ">7</n>") {
		t.Errorf("GetCurrentMessage: got %s, want the last message", reply)
	}
	cancel()
	for range 2 {
		if code := <-done; code != 0 {
			t.Errorf("got exit %d, want 0; stderr: %s %s", code, sendErr.String(), recvErr.String())
		}
	}
	var rm struct {
		Engine struct {
			Total struct{ Delivered, Gaps int64 }
		}
		Poster agent.PosterCounters
	}
	metricsLine(t, recvOut.String(), recvErr.String(), &rm)
	if rm.Engine.Total.Delivered != 7 || rm.Engine.Total.Gaps != 0 || rm.Poster.Posted != 7 {
		t.Errorf("receive agent: got %+v, want 7 delivered from the channel and posted, no gap", rm)
	}
}

// TestDirect_ReceiverRecoversGapsFromTheBroker: a receiver whose link
// loses two of the broker's datagrams and every repair (a relay between
// it and the broker's sender) reports a gap; its poster asks the broker
// for the range (Recover), takes the notifications from its pull point
// (GetMessages) and posts them where the gap was: the consumer gets every
// notification, in order.
func TestDirect_ReceiverRecoversGapsFromTheBroker(t *testing.T) {
	_, brokerURL := startDirectBroker(t)
	cons := &consumer{}
	consSrv := httptest.NewServer(cons)
	defer consSrv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := &agent.Client{HTTP: http.DefaultClient}
	pp, err := c.CreatePullPoint(ctx, strings.TrimSuffix(brokerURL, "NotificationBroker")+"CreatePullPoint")
	if err != nil {
		t.Fatal(err)
	}
	sub, err := c.Subscribe(ctx, brokerURL, pp, "{urn:t}a", direct.Request{Transports: []direct.Transport{direct.TransportUnicast}, Required: true}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var originals atomic.Int64
	relay, err := udprelay.New(sub.Channel.Senders[0].Control, func(b []byte) bool {
		switch {
		case !bytes.HasPrefix(b, []byte("<")): // control
			return false
		case bytes.Contains(b, []byte(`repair="true"`)):
			return true
		default:
			n := originals.Add(1)
			return n == 2 || n == 3
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	go relay.Run(ctx)
	poster := agent.NewPoster(consSrv.URL, soap.V11, http.DefaultClient, 64, nil)
	poster.Recovery = &agent.Recovery{Client: c, Subscription: sub.Manager, PullPoint: pp}
	go poster.Run(ctx)
	rc, err := driver.NewReceiver(direct.SessionsConfig{
		Receiver: direct.ReceiverConfig{Key: sub.Channel.Key, MaxNAKs: 1, JoinInterval: 50 * time.Millisecond},
		Senders:  []direct.Peer{{Session: sub.Channel.Senders[0].Session, Control: relay.Addr()}},
	}, driver.NetConfig{Unicast: true, Listen: netip.MustParseAddrPort("127.0.0.1:0")},
		driver.Handlers{Deliver: poster.Deliver, Gap: poster.Gap}, nil)
	if err != nil {
		t.Fatal(err)
	}
	go rc.Run(ctx) //nolint:errcheck // ends with ctx
	checkfor.True(t, 20*time.Second, "the receiver to hear the broker's session", func() bool {
		m, _ := rc.Metrics()
		return m.Total.DataPackets > 0 || relay.Relayed.Load() > 0
	})
	for i := 1; i <= 5; i++ {
		postNotify(t, brokerURL, "t:a", i)
	}
	checkfor.True(t, 20*time.Second, "5 notifications at the consumer", func() bool { return len(cons.numbers()) >= 5 })
	wantNumbers(t, "the consumer", cons.numbers(), 1, 5)
	if pc := poster.Counters(); pc.GapsRecovered != 1 || pc.GapsUnrecovered != 0 || pc.FromBroker != 2 {
		t.Errorf("got %+v, want one gap recovered whole, its 2 notifications from the broker", pc)
	}
}
