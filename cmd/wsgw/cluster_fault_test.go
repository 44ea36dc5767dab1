package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/storage/natsnode/natstest"
)

// The fault test: three `wsgw serve` processes (this test binary running
// serve, TestServe_ClusterChild) form an embedded JetStream cluster (R3)
// and host one broker and two reliable services. A client that fails over
// between the nodes makes subscriptions and sends Notifies without pause,
// and others send WS-RM sequences (cluster_fault_rm_test.go), while the
// test kills a random node with SIGKILL at random points and starts it
// again, several times. It prints what was acknowledged and lost, and
// fails when a subscription is lost, when a Notify after the last restart
// does not reach every subscription exactly once, when an acknowledged
// WS-RM message is lost, or delivered twice to the WS-RM backend, when a
// sequence does not go on after the last restart, or when the survivors
// take more than faultMaxTakeover to deliver again.

const (
	childConfigEnv   = "WSGW_SERVE_CHILD_CONFIG"
	faultKillsEnv    = "WSGW_FAULT_KILLS" // kills of the long variant (default 3)
	faultSubs        = 4
	faultMaxTakeover = 30 * time.Second
	// faultMaxTakeoverRM bounds it for WS-RM messages: over backend_rm,
	// what the dead node had sent unacknowledged is sent again by the
	// survivor on the WS-RM retransmission schedule (wsreliable.Config:
	// 2s, doubled per try), and the in-order destination waits for it.
	faultMaxTakeoverRM = 60 * time.Second
)

// TestServe_ClusterChild is a `wsgw serve` child process of the fault test.
func TestServe_ClusterChild(t *testing.T) {
	path := os.Getenv(childConfigEnv)
	if path == "" {
		t.Skip("child process only")
	}
	os.Exit(run(context.Background(), []string{"serve", "--config", path}, os.Stdout, os.Stderr))
}

// faultNode is one `wsgw serve` child and its config.
type faultNode struct {
	name, cfgPath, logPath, addr string

	mu  sync.Mutex // guards cmd
	cmd *exec.Cmd
}

func (n *faultNode) start(t *testing.T) {
	t.Helper()
	log, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(log, "=== start %s\n", time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(os.Args[0], "-test.run=^TestServe_ClusterChild$", "-test.v=false")
	cmd.Env = append(os.Environ(), childConfigEnv+"="+n.cfgPath)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); log.Close() }() //nolint:errcheck // killed
	n.mu.Lock()
	n.cmd = cmd
	n.mu.Unlock()
}

func (n *faultNode) kill() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd != nil {
		n.cmd.Process.Signal(syscall.SIGKILL) //nolint:errcheck // may be gone
		n.cmd = nil
	}
}

// serving waits until the node answers /readyz with 200.
func (n *faultNode) serving(t *testing.T, within time.Duration) {
	t.Helper()
	checkfor.Until(t, within, func() error {
		resp, err := http.Get("http://" + n.addr + "/readyz")
		if err != nil {
			return fmt.Errorf("node %s: %v", n.name, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("node %s /readyz: %d %s", n.name, resp.StatusCode, body)
		}
		return nil
	})
}

// faultConsumer records when each subscription received each message.
type faultConsumer struct {
	*httptest.Server
	mu  sync.Mutex                     // guards got
	got map[int]map[string][]time.Time // subscription -> message id -> receipts
}

var faultMsgRE = regexp.MustCompile(`<m:n[^>]*>([^<]+)</m:n>`)

func newFaultConsumer(t *testing.T) *faultConsumer {
	c := &faultConsumer{got: map[int]map[string][]time.Time{}}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sub, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/c/"))
		body, _ := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		now := time.Now()
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.got[sub] == nil {
			c.got[sub] = map[string][]time.Time{}
		}
		for _, m := range faultMsgRE.FindAllSubmatch(body, -1) {
			c.got[sub][string(m[1])] = append(c.got[sub][string(m[1])], now)
		}
	}))
	t.Cleanup(c.Close)
	return c
}

// receipts returns when subscription sub received message id.
func (c *faultConsumer) receipts(sub int, id string) []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.got[sub][id])
}

// faultClient sends requests to the nodes, failing over to the next one on
// a connection error or an HTTP 5xx.
type faultClient struct {
	nodes     []*faultNode
	next      atomic.Int64
	http      *http.Client
	failovers atomic.Int64 // attempts that failed and went on to the next node
}

// post sends body to path at one node after the other until one answers
// below 500, for at most 20s; it returns the status and body of that
// answer, or an error.
func (c *faultClient) post(path, body string) (int, []byte, error) {
	deadline := time.Now().Add(20 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		n := c.nodes[int(c.next.Add(1))%len(c.nodes)]
		req, _ := http.NewRequest(http.MethodPost, "http://"+n.addr+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "text/xml; charset=utf-8")
		req.Header.Set("SOAPAction", `""`)
		resp, err := c.http.Do(req)
		if err != nil {
			last = err
			c.failovers.Add(1)
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			last = fmt.Errorf("node %s: HTTP %d %s", n.name, resp.StatusCode, b)
			c.failovers.Add(1)
			continue
		}
		return resp.StatusCode, b, nil
	}
	return 0, nil, last
}

func faultEnvelope(body string) string {
	return `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>` + body + `</s:Body></s:Envelope>`
}

const faultNS = `xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:tns="urn:fault"`

func faultNotify(id string) string {
	return faultEnvelope(`<wsnt:Notify ` + faultNS + `><wsnt:NotificationMessage>` +
		`<wsnt:Topic Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple">tns:f</wsnt:Topic>` +
		`<wsnt:Message><m:n xmlns:m="urn:msg">` + id + `</m:n></wsnt:Message></wsnt:NotificationMessage></wsnt:Notify>`)
}

var faultRefRE = regexp.MustCompile(`/wsn/subscriptions/[0-9a-f]+`)

func faultSubscribe(t *testing.T, c *faultClient, consumer string) string {
	t.Helper()
	status, body, err := c.post("/wsn/NotificationBroker", faultEnvelope(`<wsnt:Subscribe `+faultNS+`>`+
		`<wsnt:ConsumerReference><wsa:Address>`+consumer+`</wsa:Address></wsnt:ConsumerReference>`+
		`<wsnt:Filter><wsnt:TopicExpression Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple">tns:f</wsnt:TopicExpression></wsnt:Filter>`+
		`</wsnt:Subscribe>`))
	ref := faultRefRE.Find(body)
	if err != nil || status != http.StatusOK || ref == nil {
		t.Fatalf("Subscribe: %d %s %v", status, body, err)
	}
	return string(ref)
}

// startFaultCluster writes the three nodes' configs, with services (a
// YAML services section, or ""), and starts them.
func startFaultCluster(t *testing.T, services string) []*faultNode {
	dir := t.TempDir()
	httpPorts := natstest.FreePorts(t, 3)
	routes := natstest.FreePorts(t, 3)
	var nodes []*faultNode
	for i := range 3 {
		var peers []string
		for j := range 3 {
			if j != i {
				peers = append(peers, fmt.Sprintf("127.0.0.1:%d", routes[j]))
			}
		}
		n := &faultNode{name: fmt.Sprintf("n%d", i), addr: fmt.Sprintf("127.0.0.1:%d", httpPorts[i]),
			cfgPath: filepath.Join(dir, fmt.Sprintf("n%d.yaml", i)), logPath: filepath.Join(dir, fmt.Sprintf("n%d.log", i))}
		cfg := fmt.Sprintf(`listen: %s
public_url: http://wsgw.fault.test
data_dir: %s
log: {level: warn}
broker:
  egress: {cidrs: [127.0.0.0/8]}
  delivery: {base_backoff: 50ms, max_backoff: 500ms, timeout: 2s}
cluster:
  node_name: %s
  replicas: 3
  start_timeout: 60s
  embedded:
    listen: 127.0.0.1:0
    cluster_listen: 127.0.0.1:%d
    routes: [%s]
%s`, n.addr, filepath.Join(dir, n.name), n.name, routes[i], strings.Join(peers, ", "), services)
		if err := os.WriteFile(n.cfgPath, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, n)
	}
	t.Cleanup(func() {
		for _, n := range nodes {
			n.kill()
		}
		if t.Failed() || os.Getenv("WSGW_FAULT_LOG") != "" {
			for _, n := range nodes {
				b, _ := os.ReadFile(n.logPath)
				t.Logf("log of %s:\n%s", n.name, b)
			}
		}
	})
	for _, n := range nodes {
		n.start(t)
	}
	for _, n := range nodes {
		n.serving(t, 90*time.Second)
	}
	return nodes
}

// TestServe_ClusterFaultKillNodes is the fault test (see above).
func TestServe_ClusterFaultKillNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three wsgw serve processes")
	}
	kills := 3
	if v, err := strconv.Atoi(os.Getenv(faultKillsEnv)); err == nil && v > 0 {
		kills = v
	}
	consumer := newFaultConsumer(t)
	backend := newFaultRMBackend(t)
	dest := startFaultDest(t, backend.URL)
	nodes := startFaultCluster(t, faultRMServices(t, backend.URL, dest.addr))
	client := &faultClient{nodes: nodes, http: &http.Client{Timeout: 5 * time.Second}}

	refs := make([]string, faultSubs)
	for i := range faultSubs {
		refs[i] = faultSubscribe(t, client, fmt.Sprintf("%s/c/%d", consumer.URL, i))
	}
	// every node knows every subscription once a probe sent anywhere
	// reaches them all
	probe := 0
	checkfor.Until(t, 30*time.Second, func() error {
		probe++
		id := fmt.Sprintf("probe%d", probe)
		if _, _, err := client.post("/wsn/NotificationBroker", faultNotify(id)); err != nil {
			return err
		}
		for k := 1; k <= probe; k++ {
			if reachedAll(consumer, fmt.Sprintf("probe%d", k)) {
				return nil
			}
		}
		return fmt.Errorf("no probe reached all %d subscriptions yet", faultSubs)
	})

	// notify without pause while nodes are killed and restarted
	var (
		ackMu   sync.Mutex // guards acked
		acked   = map[string]time.Time{}
		refused atomic.Int64
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	// WS-RM sequences without pause too (cluster_fault_rm_test.go), each
	// sender with a client of its own
	var plain, rm []*faultRMSender
	for i := range 4 {
		s := &faultRMSender{c: &faultClient{nodes: nodes, http: &http.Client{Timeout: 5 * time.Second}},
			service: "Orders", name: fmt.Sprintf("p%d", i), acked: map[string]time.Time{}}
		if i >= 2 {
			s.service, s.name = "OrdersRM", fmt.Sprintf("r%d", i)
			rm = append(rm, s)
		} else {
			plain = append(plain, s)
		}
		s.c.next.Store(int64(i))
		wg.Go(func() { s.run(stop) })
	}
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			id := strconv.Itoa(i)
			status, _, err := client.post("/wsn/NotificationBroker", faultNotify(id))
			if err != nil || status != http.StatusAccepted {
				refused.Add(1)
				continue
			}
			ackMu.Lock()
			acked[id] = time.Now()
			ackMu.Unlock()
			time.Sleep(5 * time.Millisecond) // about 100-200 a second on a loaded machine
		}
	})
	var killTimes []time.Time
	for k := range kills {
		time.Sleep(time.Duration(1000+rand.IntN(2000)) * time.Millisecond) // a random point
		n := nodes[rand.IntN(len(nodes))]
		t.Logf("kill %d: SIGKILL %s", k+1, n.name)
		n.kill()
		killTimes = append(killTimes, time.Now())
		time.Sleep(time.Duration(500+rand.IntN(1500)) * time.Millisecond)
		n.start(t)
		n.serving(t, 60*time.Second)
	}
	time.Sleep(2 * time.Second)
	close(stop)
	wg.Wait()

	// settle: everything acknowledged is delivered, or given up for lost
	ackMu.Lock()
	ids := make([]string, 0, len(acked))
	for id := range acked {
		ids = append(ids, id)
	}
	ackMu.Unlock()
	settle := time.Now().Add(20 * time.Second)
	for time.Now().Before(settle) && missing(consumer, ids) > 0 {
		time.Sleep(100 * time.Millisecond) // a bounded wait for deliveries to settle; what is missing then is counted
	}
	lost, twice := 0, 0
	for _, id := range ids {
		for s := range faultSubs {
			switch r := consumer.receipts(s, id); {
			case len(r) == 0:
				lost++
			case len(r) > 1:
				twice++
			}
		}
	}
	// takeover: the longest time from acknowledgement to receipt of the
	// notifications acknowledged within 10s after each kill
	var takeover time.Duration
	for _, k := range killTimes {
		for id, at := range acked {
			if at.Before(k) || at.After(k.Add(10*time.Second)) {
				continue
			}
			for s := range faultSubs {
				if r := consumer.receipts(s, id); len(r) > 0 && r[0].Sub(at) > takeover {
					takeover = r[0].Sub(at)
				}
			}
		}
	}
	// subscriptions lost: a Renew of each at each node
	subsLost := 0
	for _, ref := range refs {
		for _, n := range nodes {
			if !renewed(t, n, ref) {
				subsLost++
			}
		}
	}
	t.Logf("fault test: %d kills; %d Notifies acknowledged (202); %d not acknowledged by any node within 20s; %d attempts failed over to another node (node down, or a 5xx fault without its quorum)",
		kills, len(acked), refused.Load(), client.failovers.Load())
	t.Logf("fault test: deliveries of acknowledged notifications lost at consumers: %d of %d; delivered twice: %d", lost, len(acked)*faultSubs, twice)
	t.Logf("fault test: subscriptions lost: %d (Renew of %d subscriptions at each of 3 nodes); survivors took over within %v", subsLost, faultSubs, takeover.Round(time.Millisecond))
	for _, x := range []struct {
		name    string
		path    string
		senders []*faultRMSender
	}{{"Orders (plain backend)", "/plain", plain}, {"OrdersRM (backend_rm)", "/rm", rm}} {
		r := faultRMCount(backend, x.path, x.senders, killTimes, 30*time.Second)
		t.Logf("fault test, WS-RM to %s: %d messages acknowledged; lost: %d; late (delivered 30-90s after the run): %d; delivered twice under one delivery id: %d; delivered again under another delivery id: %d; sequences given up on a fault: %d; survivors took over within %v",
			x.name, r.acked, r.lost, r.late, r.sameIDTwice, r.otherIDTwice, r.faults, r.takeover.Round(time.Millisecond))
		for _, snd := range x.senders {
			after := 0
			for _, at := range snd.ackedOrders() {
				if at.After(killTimes[len(killTimes)-1]) {
					after++
				}
			}
			t.Logf("fault test, WS-RM sender %s: %d acknowledged, %d after the last kill", snd.name, len(snd.ackedOrders()), after)
			if after == 0 {
				t.Errorf("WS-RM sender %s to %s: no message acknowledged after the last kill, want the sequences to go on", snd.name, x.name)
			}
		}
		if r.lost > 0 {
			t.Errorf("WS-RM to %s: %d acknowledged messages lost, want 0", x.name, r.lost)
		}
		if x.path == "/rm" && r.sameIDTwice+r.otherIDTwice > 0 {
			t.Errorf("WS-RM to %s: %d messages delivered twice, want 0", x.name, r.sameIDTwice+r.otherIDTwice)
		}
		if r.takeover > faultMaxTakeoverRM {
			t.Errorf("WS-RM to %s: took %v to deliver again after a kill, want at most %v", x.name, r.takeover, faultMaxTakeoverRM)
		}
	}
	if subsLost > 0 {
		t.Errorf("%d Renews failed after the kills, want 0 subscriptions lost", subsLost)
	}
	if takeover > faultMaxTakeover {
		t.Errorf("took %v to deliver again after a kill, want at most %v", takeover, faultMaxTakeover)
	}
	// after the last restart, a Notify reaches every subscription once
	if status, body, err := client.post("/wsn/NotificationBroker", faultNotify("final")); err != nil || status != http.StatusAccepted {
		t.Fatalf("final Notify: %d %s %v", status, body, err)
	}
	checkfor.True(t, 30*time.Second, "the final Notify at every subscription", func() bool { return reachedAll(consumer, "final") })
	for s := range faultSubs {
		if r := consumer.receipts(s, "final"); len(r) != 1 {
			t.Errorf("subscription %d got the final notification %d times, want once", s, len(r))
		}
	}
}

func reachedAll(c *faultConsumer, id string) bool {
	for s := range faultSubs {
		if len(c.receipts(s, id)) == 0 {
			return false
		}
	}
	return true
}

func missing(c *faultConsumer, ids []string) int {
	n := 0
	for _, id := range ids {
		for s := range faultSubs {
			if len(c.receipts(s, id)) == 0 {
				n++
			}
		}
	}
	return n
}

// renewed reports whether node n renews subscription ref.
func renewed(t *testing.T, n *faultNode, ref string) bool {
	body := faultEnvelope(`<wsnt:Renew ` + faultNS + `><wsnt:TerminationTime>PT1H</wsnt:TerminationTime></wsnt:Renew>`)
	req, _ := http.NewRequest(http.MethodPost, "http://"+n.addr+ref, bytes.NewReader([]byte(body)))
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `""`)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Logf("Renew %s at %s: %v", ref, n.name, err)
		return false
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Logf("Renew %s at %s: %d %s", ref, n.name, resp.StatusCode, b)
	}
	return resp.StatusCode == http.StatusOK
}
