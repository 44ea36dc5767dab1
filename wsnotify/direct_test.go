package wsnotify

import (
	"context"
	"github.com/prometheus/client_golang/prometheus"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/internal/fielderr"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsnotify/direct"
	"github.com/wsgw/wsgw/wsnotify/direct/driver"
)

// directConfig is a broker whose channels are unicast fan-out on loopback
// (the tests' network has no multicast), in slots from a port free now,
// with an MTU that takes a test notification in one datagram (their
// sequence numbers are then the notifications').
func directConfig(t *testing.T) Config {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := c.LocalAddr().(*net.UDPAddr).Port
	c.Close()
	cfg := testConfig()
	cfg.Direct = &DirectConfig{Address: "127.0.0.1", Transport: direct.TransportUnicast, Port: port, MaxChannels: 2, MTU: 8000}
	return cfg
}

func directPolicy(attrs string) string {
	return `<wsnt:SubscriptionPolicy><wsgwd:Direct xmlns:wsgwd="` + direct.NS + `" ` + attrs + `/></wsnt:SubscriptionPolicy>`
}

// channelOf returns the wsgwd:Channel of a reply (nil: none).
func channelOf(t *testing.T, r reply) *direct.Channel {
	t.Helper()
	if r.msg == nil {
		t.Fatalf("no reply body: HTTP %d", r.status)
	}
	var e xmldoc.Element
	for c := r.msg.Payload.FirstChild(); c.Valid() && !e.Valid(); c = c.NextSibling() {
		if c.Name() == direct.NameChannel {
			e = c
		}
		for m := c.Child(soap.WSANS, "Metadata").FirstChild(); m.Valid(); m = m.NextSibling() {
			if m.Name() == direct.NameChannel {
				e = m
			}
		}
	}
	if !e.Valid() {
		return nil
	}
	ch, err := direct.ParseChannel(e)
	if err != nil {
		t.Fatalf("the reply's channel: %v\n%s", err, r.body)
	}
	return &ch
}

// directSubscribe subscribes a new pull point to tns:a with the direct
// policy and returns the subscription id, the pull point's path and the
// channel granted.
func directSubscribe(t *testing.T, e *env) (string, string, *direct.Channel) {
	t.Helper()
	pp := createPullPoint(t, e, soap.V12)
	r := e.post(pathBroker, soap.V12, subscribeXML(pp, simpleTopic("tns:a"), directPolicy(`required="true" transport="unicast"`)))
	if r.status != 200 {
		t.Fatalf("Subscribe: HTTP %d\n%s", r.status, r.body)
	}
	ch := channelOf(t, r)
	if ch == nil {
		t.Fatalf("got no channel, want one\n%s", r.body)
	}
	return strings.TrimPrefix(r.address("SubscriptionReference"), e.base+pathSubscriptions), strings.TrimPrefix(pp, e.base), ch
}

// agentReceiver runs a receiving driver on ch, as a receive agent would.
type agentReceiver struct {
	mu   sync.Mutex
	got  []string
	gaps []direct.Gap
	rc   *driver.Receiver
}

func (a *agentReceiver) count() int { a.mu.Lock(); defer a.mu.Unlock(); return len(a.got) }

func receiveOn(t *testing.T, ch *direct.Channel) *agentReceiver {
	t.Helper()
	a := &agentReceiver{}
	rc, err := driver.NewReceiver(direct.SessionsConfig{Receiver: direct.ReceiverConfig{Key: ch.Key, JoinInterval: 50 * time.Millisecond}, Senders: ch.Senders},
		driver.NetConfig{Unicast: true, Listen: netip.MustParseAddrPort("127.0.0.1:0")},
		driver.Handlers{
			Deliver: func(d direct.Delivery) { a.mu.Lock(); a.got = append(a.got, string(d.Notify)); a.mu.Unlock() },
			Gap:     func(g direct.Gap) { a.mu.Lock(); a.gaps = append(a.gaps, g); a.mu.Unlock() },
		}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.rc = rc
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { rc.Run(ctx); close(done) }() //nolint:errcheck // ends with the test
	t.Cleanup(func() { cancel(); <-done })
	return a
}

// TestDirect_SubscribeGrantsAChannel: a Subscribe with wsgwd:Direct gets
// the channel of its topic in SubscribeResponse: its key, the engine's
// timings and the broker's own sender at the configured address; a
// second subscriber of the topic gets the same channel, and the channel
// (key, session) survives a restart.
func TestDirect_SubscribeGrantsAChannel(t *testing.T) {
	cfg := directConfig(t)
	e := newEnv(t, cfg, "")
	_, _, ch := directSubscribe(t, e)
	want := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(cfg.Direct.Port))
	if ch.Topic != "{urn:topics}a" || ch.Transport != direct.TransportUnicast || len(ch.Key) != direct.KeySize ||
		len(ch.Senders) != 1 || ch.Senders[0].Control != want || ch.MTU != 8000 || ch.Window != 30*time.Second {
		t.Fatalf("got channel %+v, want tns:a, unicast, a key, the broker's sender at %v, the configured MTU and the default window", ch, want)
	}
	_, _, again := directSubscribe(t, e)
	if string(again.Key) != string(ch.Key) || again.Senders[0] != ch.Senders[0] {
		t.Errorf("a second subscriber got %+v, want the same channel %+v", again, ch)
	}
	e.restart()
	_, _, after := directSubscribe(t, e)
	if string(after.Key) != string(ch.Key) || after.Senders[0].Session != ch.Senders[0].Session {
		t.Errorf("after a restart got %+v, want the same key and session as %+v", after, ch)
	}
}

// TestDirect_NotGrantedFallsBackOrFaults: what cannot have a direct path
// (a content filter, a topic expression that may select several, UseRaw,
// a transport the broker does not use, a broker without direct paths)
// gets UnsupportedPolicyRequestFault when the path is required, and an
// ordinary subscription (no channel) when not. A malformed wsgwd:Direct is
// UnsupportedPolicyRequestFault too; an element of an unknown namespace is
// UnrecognizedPolicyRequestFault, which is what a broker that does not
// know wsgwd:Direct answers.
func TestDirect_NotGrantedFallsBackOrFaults(t *testing.T) {
	with := newEnv(t, directConfig(t), "")
	without := newEnv(t, testConfig(), "")
	content := `<wsnt:MessageContent Dialect="` + XPath1 + `">m:p</wsnt:MessageContent>`
	full := `<wsnt:TopicExpression Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Full">tns:a//*</wsnt:TopicExpression>`
	for _, tc := range []struct {
		name          string
		e             *env
		filter, attrs string
		raw           bool
		why           string
	}{
		{"content filter", with, simpleTopic("tns:a") + content, `transport="unicast"`, false, "MessageContent"},
		{"several topics", with, full, `transport="unicast"`, false, "may select several"},
		{"no topic", with, "", `transport="unicast"`, false, "TopicExpression"},
		{"raw", with, simpleTopic("tns:a"), `transport="unicast"`, true, "UseRaw"},
		{"transport", with, simpleTopic("tns:a"), `transport="multicast"`, false, "unicast"},
		{"no direct paths", without, simpleTopic("tns:a"), ``, false, "no direct paths"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConsumer(t)
			pol := func(req string) string {
				p := `<wsgwd:Direct xmlns:wsgwd="` + direct.NS + `" ` + tc.attrs + req + `/>`
				if tc.raw {
					p += `<wsnt:UseRaw/>`
				}
				return `<wsnt:SubscriptionPolicy>` + p + `</wsnt:SubscriptionPolicy>`
			}
			checkFault(t, tc.e.post(pathBroker, soap.V12, subscribeXML(c.URL, tc.filter, pol(` required="true"`))), soap.V12, "UnsupportedPolicyRequestFault", tc.why)
			r := tc.e.post(pathBroker, soap.V12, subscribeXML(c.URL, tc.filter, pol("")))
			if r.status != 200 || channelOf(t, r) != nil {
				t.Errorf("not required: got HTTP %d and a channel %v, want an ordinary subscription\n%s", r.status, channelOf(t, r), r.body)
			}
		})
	}
	c := newConsumer(t)
	checkFault(t, with.post(pathBroker, soap.V11, subscribeXML(c.URL, simpleTopic("tns:a"), directPolicy(`transport="pigeon"`))), soap.V11, "UnsupportedPolicyRequestFault", "pigeon")
	checkFault(t, with.post(pathBroker, soap.V11, subscribeXML(c.URL, simpleTopic("tns:a"),
		`<wsnt:SubscriptionPolicy><x:Direct xmlns:x="urn:other"/></wsnt:SubscriptionPolicy>`)), soap.V11, "UnrecognizedPolicyRequestFault", "urn:other")
}

// TestDirect_NotifyToTheBrokerGoesOnTheChannel: a Notify sent to the
// broker for a topic with a channel is sent once on the channel (the
// broker's own sender): the direct subscriber's agent receives it there
// and nothing goes to its pull point, an ordinary subscriber of the topic
// still gets it over HTTP, and GetCurrentMessage returns it.
func TestDirect_NotifyToTheBrokerGoesOnTheChannel(t *testing.T) {
	e := newEnv(t, directConfig(t), "")
	_, pp, ch := directSubscribe(t, e)
	a := receiveOn(t, ch)
	plain := newConsumer(t)
	subscribeID(t, e, soap.V11, subscribeXML(plain.URL, simpleTopic("tns:a"), ""))
	checkfor.True(t, waitTimeout, "the receiver to join the broker's sender", func() bool { return e.b.senderPeers(ch.Topic) == 1 })
	for i := range 3 {
		if r := e.post(pathBroker, soap.V12, notifyXML("tns:a", "<m:n>"+string(rune('0'+i))+"</m:n>")); r.status != 202 {
			t.Fatalf("Notify: HTTP %d\n%s", r.status, r.body)
		}
	}
	checkfor.True(t, waitTimeout, "3 notifications on the channel", func() bool { return a.count() == 3 })
	checkfor.True(t, waitTimeout, "3 notifications over HTTP to the ordinary subscriber", func() bool { return plain.count() == 3 })
	a.mu.Lock()
	if !strings.Contains(a.got[2], ">2</m:n>") || !strings.Contains(a.got[2], "NotificationMessage") || !strings.Contains(a.got[2], "tns:a") {
		t.Errorf("got %s on the channel, want the third Notify with its topic", a.got[2])
	}
	a.mu.Unlock()
	if r := e.post(pp, soap.V12, getMessages("")); strings.Contains(string(r.body), "NotificationMessage") {
		t.Errorf("the direct subscriber's pull point got messages the channel carried:\n%s", r.body)
	}
	if r := e.post(pathBroker, soap.V12, getCurrent(simpleTopic("tns:a"))); !strings.Contains(string(r.body), ">2</m:n>") {
		t.Errorf("GetCurrentMessage: got\n%s\nwant the last message", r.body)
	}
	if n := count(e.b.metrics.directSent); n != 3 {
		t.Errorf("got %d sent on channels, want 3", n)
	}
	// The broker's sender's counters, by topic, and its receiver's.
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(newDirectCollector(e.b))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			v := m.GetCounter().GetValue() + m.GetGauge().GetValue()
			for _, l := range m.GetLabel() {
				if l.GetName() == "topic" && l.GetValue() != ch.Topic {
					t.Errorf("%s: got topic %q, want %q", mf.GetName(), l.GetValue(), ch.Topic)
				}
			}
			got[mf.GetName()] += v
			got[mf.GetName()+"#"] += 1
		}
	}
	if got["wsgw_wsn_direct_data_bytes_total"] < 3*100 || got["wsgw_wsn_direct_control_bytes_total#"] != 1 ||
		got["wsgw_wsn_direct_receiver_loss#"] != 1 || got["wsgw_wsn_direct_repair_bytes_total#"] != 1 {
		t.Errorf("got metrics %v, want the data bytes of 3 Notifies, each counter once (one channel), one receiver's loss", got)
	}
}

// senderPeers is how many receivers the broker's sender of topic t has
// heard join.
func (b *Broker) senderPeers(t string) int {
	b.mu.RLock()
	ch := b.channels[t]
	var s *driver.Sender
	if ch != nil {
		s = ch.sender
	}
	b.mu.RUnlock()
	if s == nil {
		return 0
	}
	m, _ := s.Metrics()
	return len(m.Receivers)
}

func recoverXML(rs ...direct.RecoverRange) string { return string(direct.AppendRecover(nil, rs)) }

// TestDirect_RecoverFillsThePullPoint: a receive agent that lost a range
// of the broker's session gets the notifications logged in it into its
// pull point (Recover), then takes them with GetMessages; the answer says
// the range was covered. A range beyond what was sent is pending; one of
// an unknown session recovers nothing.
func TestDirect_RecoverFillsThePullPoint(t *testing.T) {
	e := newEnv(t, directConfig(t), "")
	id, pp, ch := directSubscribe(t, e)
	checkfor.True(t, waitTimeout, "the broker's sender to run", func() bool {
		e.b.mu.RLock()
		defer e.b.mu.RUnlock()
		return e.b.channels[ch.Topic].sender != nil
	})
	for i := range 4 {
		e.post(pathBroker, soap.V12, notifyXML("tns:a", "<m:n>"+string(rune('0'+i))+"</m:n>"))
	}
	e.b.mu.RLock()
	epoch := e.b.channels[ch.Topic].rec.Epoch
	e.b.mu.RUnlock()
	s := ch.Senders[0].Session
	r := e.post(pathSubscriptions+id, soap.V12, recoverXML(
		direct.RecoverRange{Session: s, Epoch: epoch, From: 2, To: 3},
		direct.RecoverRange{Session: s, Epoch: epoch, From: 4, To: 9},
		direct.RecoverRange{Session: s + 1, Epoch: epoch, From: 1, To: 1}))
	if r.status != 200 {
		t.Fatalf("Recover: HTTP %d\n%s", r.status, r.body)
	}
	res, err := direct.ParseRecoverResponse(r.msg.Payload)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 || res[0].Recovered != 2 || !res[0].Complete || res[0].Pending || res[0].Logged != 4 ||
		res[1].Recovered != 1 || !res[1].Complete || !res[1].Pending || res[2].Recovered != 0 || res[2].Logged != 0 || !res[2].Pending {
		t.Fatalf("got %+v, want 2-3 recovered whole; 4 recovered, the rest pending (logged up to 4); nothing of another session, pending", res)
	}
	got := e.post(pp, soap.V12, getMessages(""))
	body := string(got.body)
	if n := strings.Count(body, "<wsnt:NotificationMessage"); n != 3 || strings.Index(body, ">1</m:n>") > strings.Index(body, ">2</m:n>") {
		t.Errorf("GetMessages: got %d messages, want notifications 1, 2, 3 in order\n%s", n, body)
	}
	if r := e.post(pathSubscriptions+id, soap.V12, `<wsgwd:Recover xmlns:wsgwd="`+direct.NS+`"/>`); r.status != 400 || !strings.Contains(string(r.body), "no wsgwd:Range") {
		t.Errorf("an empty Recover: got HTTP %d\n%s\nwant a Sender fault", r.status, r.body)
	}
}

func registerDirectXML(topicExpr, control string) string {
	return strings.Replace(registerXML("", topicExpr, false, ""), "</wsn-br:RegisterPublisher>",
		`<wsgwd:Direct xmlns:wsgwd="`+direct.NS+`" transport="unicast" control="`+control+`"/></wsn-br:RegisterPublisher>`, 1)
}

// postSeq posts a Notify to path with a wsgwd:Seq header naming pos.
func (e *env) postSeq(path string, pos direct.Position, payload string) reply {
	e.t.Helper()
	env := envelope(soap.V12, payload)
	env = strings.Replace(env, "</s:Header>", string(direct.AppendSeqHeader(nil, pos))+"</s:Header>", 1)
	return postRaw(e.t, e.base+path, soap.V12, env)
}

// TestDirect_RegisteredPublisherSendsOnTheChannel: a RegisterPublisher
// with wsgwd:Direct is told, in its ConsumerReference's metadata, the
// channel of its topic and its own session on it, and its
// ConsumerReference is the registration. A subscriber then follows both
// senders. A Notify forwarded there with the position its agent sent it
// at reaches the ordinary subscriber over HTTP, not the direct one's pull
// point, is the current message, and is logged: Recover finds it. A
// position in a session the registration was not granted is refused.
func TestDirect_RegisteredPublisherSendsOnTheChannel(t *testing.T) {
	e := newEnv(t, directConfig(t), "")
	r := e.post(pathBroker, soap.V12, registerDirectXML("tns:a", "127.0.0.1:7999"))
	reg := strings.TrimPrefix(r.address("PublisherRegistrationReference"), e.base)
	pub := channelOf(t, r)
	if r.status != 200 || pub == nil || pub.Session == 0 || pub.Topic != "{urn:topics}a" || r.address("ConsumerReference") != e.base+reg {
		t.Fatalf("RegisterPublisher: HTTP %d, channel %+v, want one with a session and the registration as ConsumerReference\n%s", r.status, pub, r.body)
	}
	id, pp, ch := directSubscribe(t, e)
	if len(ch.Senders) != 2 || ch.Senders[1] != (direct.Peer{Session: pub.Session, Control: netip.MustParseAddrPort("127.0.0.1:7999")}) ||
		string(ch.Key) != string(pub.Key) {
		t.Fatalf("got senders %+v, want the broker's and the publisher's, one key", ch.Senders)
	}
	plain := newConsumer(t)
	subscribeID(t, e, soap.V11, subscribeXML(plain.URL, simpleTopic("tns:a"), ""))
	pos := direct.Position{Header: direct.Header{Session: pub.Session, Epoch: 7}, Seq: 1, Frags: 1}
	if r := e.postSeq(reg, pos, notifyXML("tns:a", "<m:n>sent</m:n>")); r.status != 202 {
		t.Fatalf("Notify at the registration: HTTP %d\n%s", r.status, r.body)
	}
	checkfor.True(t, waitTimeout, "the ordinary subscriber's delivery", func() bool { return plain.count() == 1 })
	if r := e.post(pp, soap.V12, getMessages("")); strings.Contains(string(r.body), "NotificationMessage") {
		t.Errorf("the direct subscriber's pull point got what the publisher's agent sent on the channel:\n%s", r.body)
	}
	if r := e.post(pathBroker, soap.V12, getCurrent(simpleTopic("tns:a"))); !strings.Contains(string(r.body), ">sent</m:n>") {
		t.Errorf("GetCurrentMessage: got\n%s\nwant the forwarded message", r.body)
	}
	r = e.post(pathSubscriptions+id, soap.V12, recoverXML(direct.RecoverRange{Session: pub.Session, Epoch: 7, From: 1, To: 1}))
	if res, err := direct.ParseRecoverResponse(r.msg.Payload); err != nil || len(res) != 1 || res[0].Recovered != 1 || !res[0].Complete {
		t.Errorf("Recover of the forwarded position: got %+v, %v, want it recovered", res, err)
	}
	pos.Session++
	if r := e.postSeq(reg, pos, notifyXML("tns:a", "<m:n>x</m:n>")); r.status != 400 || !strings.Contains(string(r.body), "not granted") {
		t.Errorf("a position in another session: got HTTP %d\n%s\nwant a Sender fault", r.status, r.body)
	}
	pos.Session--
	if r := e.postSeq(reg, pos, notifyXML("tns:b", "<m:n>x</m:n>")); r.status != 400 || !strings.Contains(string(r.body), "carries that topic only") {
		t.Errorf("another topic at the channel's position: got HTTP %d\n%s\nwant a Sender fault", r.status, r.body)
	}
}

// TestDirectConfig_ReportsFieldPaths: every problem of Config.Direct is
// reported at its field path (cmd/wsgw maps them to broker.direct keys).
func TestDirectConfig_ReportsFieldPaths(t *testing.T) {
	cfg := Config{PublicURL: "http://gw", Direct: &DirectConfig{Groups: "10.0.0.0/8", TTL: 300,
		Transport: "carrier", Port: 65500, MaxChannels: 100, MTU: 100, Window: 48 * time.Hour}}
	var paths []string
	for _, e := range fielderr.All(cfg.Validate()) {
		paths = append(paths, e.Path.String())
	}
	want := []string{"Direct.Address", "Direct.Transport", "Direct.Groups", "Direct.TTL", "Direct.Port", "Direct.MTU", "Direct.Window"}
	if !slices.Equal(paths, want) {
		t.Errorf("got problems at %v, want %v", paths, want)
	}
	cfg.Direct = &DirectConfig{Address: "10.0.0.1", Groups: "239.1.2.0/30"}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "Direct.Groups: 239.1.2.0/30 has 4 addresses") {
		t.Errorf("got %v, want the group range too small for MaxChannels", err)
	}
}
