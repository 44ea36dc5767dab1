package wsnotify

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/storage/natsnode"
	"github.com/wsgw/wsgw/storage/natsnode/natstest"
	"github.com/wsgw/wsgw/storage/natsstore"
)

var (
	_ Store   = (*natsstore.BrokerStore)(nil)
	_ Handoff = (*natsstore.BrokerStore)(nil)
	_ Leader  = (*natsstore.BrokerStore)(nil)
)

// clusterURL is the shared public URL of the test clusters' nodes.
const clusterURL = "http://wsgw.cluster.test"

// clusterWait bounds waits for what crosses nodes (watch, handoff).
const clusterWait = 15 * time.Second

// startSharedBroker starts a broker over node n's JetStream (prefix "wsn",
// the node's replicas) on a loopback port, running until the test ends.
func startSharedBroker(t *testing.T, n *natsnode.Node, cfg Config, timeout time.Duration) *env {
	t.Helper()
	st, err := natsstore.NewBroker(n.JetStream(), natsstore.Options{Replicas: n.Replicas(), Node: n.Name(), Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, clock: &clock{t: time.Now()}, base: "http://" + l.Addr().String()}
	cfg.PublicURL = clusterURL // the nodes are one broker behind one address
	e.cfg = cfg
	e.b, err = Open(st, cfg, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Resolver: fakeResolver{},
		Shared: &Shared{Handoff: st, Leader: st}})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = &httptest.Server{Listener: l, Config: &http.Server{Handler: e.b.Handler()}}
	e.srv.Start()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.b.Run(ctx); close(done) }()
	e.stop = func() { cancel(); <-done; e.srv.Close(); e.b.Close() }
	t.Cleanup(e.close)
	return e
}

// sharedBrokers starts a 3-node JetStream cluster (R3) in this process and
// a broker on each node, whose store calls time out after timeout.
func sharedBrokers(t *testing.T, cfg Config, timeout time.Duration) ([]*env, []*natsnode.Node) {
	nodes := natstest.Cluster(t, 3)
	var envs []*env
	for _, n := range nodes {
		envs = append(envs, startSharedBroker(t, n, cfg, timeout))
	}
	return envs, nodes
}

func (e *env) subscribe(consumer, topic string) string {
	e.t.Helper()
	r := e.post(pathBroker, soap.V11, subscribeXML(consumer, simpleTopic(topic), ""))
	if r.status != http.StatusOK {
		e.t.Fatalf("Subscribe: HTTP %d\n%s", r.status, r.body)
	}
	return strings.TrimPrefix(r.address("SubscriptionReference"), clusterURL+pathSubscriptions)
}

func (e *env) notify(topic, payload string) {
	e.t.Helper()
	if r := e.post(pathBroker, soap.V11, notifyXML(topic, payload)); r.status != http.StatusAccepted {
		e.t.Fatalf("Notify at %s: HTTP %d, want 202\n%s", e.base, r.status, r.body)
	}
}

var payloadNum = regexp.MustCompile(`<m:n[^>]*>(\d+)</m:n>`)

// received counts each payload number the consumer got.
func (c *consumer) received() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	got := map[string]int{}
	for _, m := range c.messages {
		if s := payloadNum.FindSubmatch(m); s != nil {
			got[string(s[1])]++
		}
	}
	return got
}

// TestCluster_SubscriptionAtOneNodeNotifiedFromEvery: a subscription made
// at node A gets the notifications sent to every node, each once.
func TestCluster_SubscriptionAtOneNodeNotifiedFromEvery(t *testing.T) {
	envs, _ := sharedBrokers(t, testConfig(), 30*time.Second)
	c := newConsumer(t)
	id := envs[0].subscribe(c.URL, "tns:a")
	for _, e := range envs {
		checkfor.True(t, clusterWait, "every node knows the subscription", func() bool { return e.hasSub(id) })
	}
	const n = 30
	for i := range n {
		envs[i%3].notify("tns:a", fmt.Sprintf(`<m:n xmlns:m="urn:msg">%d</m:n>`, i))
	}
	checkfor.True(t, clusterWait, fmt.Sprintf("the consumer got %d notifications", n), func() bool { return len(c.received()) == n })
	// a duplicate would come within the handoff's latency; wait for a
	// notification sent after all of them to be sure none is still on its way
	envs[2].notify("tns:a", `<m:n xmlns:m="urn:msg">999</m:n>`)
	checkfor.True(t, clusterWait, "the last notification", func() bool { return c.received()["999"] == 1 })
	for k, v := range c.received() {
		if v != 1 {
			t.Fatalf("notification %s delivered %d times, want once", k, v)
		}
	}
}

// TestCluster_ManagedAtAnyNode: Pause at one node, Notify at another,
// Resume at a third; Unsubscribe at one node ends deliveries from all.
func TestCluster_ManagedAtAnyNode(t *testing.T) {
	envs, _ := sharedBrokers(t, testConfig(), 30*time.Second)
	c := newConsumer(t)
	id := envs[0].subscribe(c.URL, "tns:a")
	path := pathSubscriptions + id
	for _, e := range envs {
		checkfor.True(t, clusterWait, "every node knows the subscription", func() bool { return e.hasSub(id) })
	}
	if r := envs[1].post(path, soap.V11, `<wsnt:PauseSubscription xmlns:wsnt="`+NSB+`"/>`); r.status != http.StatusOK {
		t.Fatalf("Pause at node 1: HTTP %d\n%s", r.status, r.body)
	}
	paused := func(e *env) bool { e.b.mu.RLock(); defer e.b.mu.RUnlock(); return e.b.subs[id].rec.Paused }
	for _, e := range envs {
		checkfor.True(t, clusterWait, "every node knows it paused", func() bool { return paused(e) })
	}
	envs[2].notify("tns:a", `<m:n xmlns:m="urn:msg">1</m:n>`)
	if r := envs[2].post(path, soap.V11, `<wsnt:ResumeSubscription xmlns:wsnt="`+NSB+`"/>`); r.status != http.StatusOK {
		t.Fatalf("Resume at node 2: HTTP %d\n%s", r.status, r.body)
	}
	checkfor.True(t, clusterWait, "the message held while paused, after Resume", func() bool { return c.received()["1"] == 1 })
	if r := envs[1].post(path, soap.V11, `<wsnt:Unsubscribe xmlns:wsnt="`+NSB+`"/>`); r.status != http.StatusOK {
		t.Fatalf("Unsubscribe at node 1: HTTP %d\n%s", r.status, r.body)
	}
	for _, e := range envs {
		checkfor.True(t, clusterWait, "every node dropped the subscription", func() bool { return !e.hasSub(id) })
	}
	if r := envs[0].post(path, soap.V11, `<wsnt:Renew xmlns:wsnt="`+NSB+`"><wsnt:TerminationTime>PT1H</wsnt:TerminationTime></wsnt:Renew>`); r.faultDetail() != "ResourceUnknownFault" {
		t.Fatalf("Renew at node 0 after Unsubscribe at node 1: %q, want ResourceUnknownFault", r.faultDetail())
	}
}

// TestCluster_PullPointAndCurrentMessageAtAnyNode: a pull point made at one
// node gets what is published at another and is read at a third; the
// current message is the same at every node.
func TestCluster_PullPointAndCurrentMessageAtAnyNode(t *testing.T) {
	envs, _ := sharedBrokers(t, testConfig(), 30*time.Second)
	r := envs[0].post(pathCreatePullPoint, soap.V11, `<wsnt:CreatePullPoint xmlns:wsnt="`+NSB+`"/>`)
	pp := r.address("PullPoint")
	if pp == "" {
		t.Fatalf("CreatePullPoint: no PullPoint\n%s", r.body)
	}
	ppPath := strings.TrimPrefix(pp, clusterURL)
	ppID := strings.TrimPrefix(ppPath, pathPullPoints)
	for _, e := range envs {
		checkfor.True(t, clusterWait, "every node knows the pull point", func() bool {
			e.b.mu.RLock()
			defer e.b.mu.RUnlock()
			return e.b.pps[ppID] != nil
		})
	}
	id := envs[1].subscribe(pp, "tns:a")
	checkfor.True(t, clusterWait, "node 2 knows the subscription", func() bool { return envs[2].hasSub(id) })
	envs[2].notify("tns:a", `<m:n xmlns:m="urn:msg">7</m:n>`)
	got := envs[1].post(ppPath, soap.V11, `<wsnt:GetMessages xmlns:wsnt="`+NSB+`"/>`)
	if !strings.Contains(string(got.body), ">7</m:n>") {
		t.Fatalf("GetMessages at node 1 after Notify at node 2:\n%s\nwant message 7", got.body)
	}
	cur := envs[0].post(pathBroker, soap.V11, `<wsnt:GetCurrentMessage xmlns:wsnt="`+NSB+`" xmlns:tns="urn:topics"><wsnt:Topic Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple">tns:a</wsnt:Topic></wsnt:GetCurrentMessage>`)
	if !strings.Contains(string(cur.body), ">7</m:n>") {
		t.Fatalf("GetCurrentMessage at node 0:\n%s\nwant message 7", cur.body)
	}
}

// TestCluster_NoQuorumRefusesWithFault: a node whose two peers are gone
// answers a Subscribe and a Notify with a Receiver fault and stores
// nothing it acknowledged.
func TestCluster_NoQuorumRefusesWithFault(t *testing.T) {
	envs, nodes := sharedBrokers(t, testConfig(), 5*time.Second) // the faults come after the timeout
	c := newConsumer(t)
	id := envs[0].subscribe(c.URL, "tns:a")
	checkfor.True(t, clusterWait, "node 0 knows its subscription", func() bool { return envs[0].hasSub(id) })
	envs[1].close()
	envs[2].close()
	nodes[1].Close()
	nodes[2].Close()
	r := envs[0].post(pathBroker, soap.V11, subscribeXML(c.URL, simpleTopic("tns:a"), ""))
	if r.status != http.StatusInternalServerError || r.msg == nil || !strings.Contains(string(r.body), "Server") {
		t.Fatalf("Subscribe without a quorum: HTTP %d\n%s\nwant 500 and a Server fault", r.status, r.body)
	}
	r = envs[0].post(pathBroker, soap.V11, notifyXML("tns:a", `<m:n xmlns:m="urn:msg">1</m:n>`))
	if r.status != http.StatusInternalServerError {
		t.Fatalf("Notify without a quorum: HTTP %d\n%s\nwant 500 and a fault", r.status, r.body)
	}
	if n := c.count(); n != 0 {
		t.Fatalf("consumer got %d messages of a Notify refused for want of a quorum, want 0", n)
	}
}
