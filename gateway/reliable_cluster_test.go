package gateway

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/storage/natsnode"
	"github.com/wsgw/wsgw/storage/natsnode/natstest"
	"github.com/wsgw/wsgw/wsreliable"
)

// A reliable service on a cluster (Options.Cluster) keeps its state on
// JetStream (natsstore.Reliable, cluster.go): these tests run three
// gateways over an in-process 3-node cluster (R3).

// clusterGateways serves cfg at one gateway per node, returning their
// base URLs; each stops when the test ends.
func clusterGateways(t testing.TB, cfg Config, nodes []*natsnode.Node) []string {
	t.Helper()
	urls, _ := stoppableGateways(t, cfg, nodes)
	return urls
}

// stoppableGateways is clusterGateways, with each gateway's stop (the
// node stays up).
func stoppableGateways(t testing.TB, cfg Config, nodes []*natsnode.Node) ([]string, []func()) {
	t.Helper()
	urls := make([]string, len(nodes))
	stops := make([]func(), len(nodes))
	for i, n := range nodes {
		addr, stop := serveAt(t, cfg, Options{Cluster: n}, "127.0.0.1:0")
		t.Cleanup(stop)
		urls[i], stops[i] = "http://"+addr, stop
	}
	return urls, stops
}

// rmHeader is the wsrm:Sequence header of message n of seq.
func rmHeader(seq string, n int) string {
	return fmt.Sprintf(`<wsrm:Sequence xmlns:wsrm="%s" soap:mustUnderstand="1"><wsrm:Identifier>%s</wsrm:Identifier><wsrm:MessageNumber>%d</wsrm:MessageNumber></wsrm:Sequence>`,
		wsreliable.NSRM, seq, n)
}

// busyRetried posts header and body to url until the answer is not
// "busy" (503: the node is taking its shards, or the sequence moves
// between nodes), which a client retries; it returns the first other
// answer.
func busyRetried(t *testing.T, url, header, body string) response {
	t.Helper()
	var r response
	checkfor.Until(t, 30*time.Second, func() error {
		r = postRM(t, url, header, body)
		if r.status == http.StatusServiceUnavailable {
			return fmt.Errorf("%s: got %d %s, want an answer", url, r.status, r.body)
		}
		return nil
	})
	return r
}

// clusterSequence creates a sequence at url, returning its Identifier.
func clusterSequence(t *testing.T, url string) string {
	t.Helper()
	hdr := `<wsa:Action xmlns:wsa="` + rmWSANS + `">` + wsreliable.ActionCreateSequence + `</wsa:Action>`
	r := busyRetried(t, url, hdr, `<wsrm:CreateSequence xmlns:wsrm="`+wsreliable.NSRM+`" xmlns:wsa="`+rmWSANS+`"><wsrm:AcksTo><wsa:Address>`+rmWSANS+`/anonymous</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence>`)
	m := identRE.FindStringSubmatch(r.body)
	if r.status != http.StatusOK || m == nil {
		t.Fatalf("CreateSequence at %s: got %d %s, want 200 with an Identifier", url, r.status, r.body)
	}
	return m[1]
}

// TestReliableCluster_SequenceContinuesAtEveryNode sends one in-order
// WS-RM sequence to three gateways in turn, each over the shared JetStream
// store: every message is acknowledged by whichever node got it, and the
// backend receives each once, in order.
func TestReliableCluster_SequenceContinuesAtEveryNode(t *testing.T) {
	b := newLogBackend(t)
	nodes := natstest.Cluster(t, 3)
	urls := clusterGateways(t, Config{Services: []ServiceConfig{reliableQuote(b)}}, nodes)

	seq := clusterSequence(t, urls[0]+"/services/Quotes")
	var want []string
	for n := 1; n <= 9; n++ {
		url := urls[(n-1)/3] + "/services/Quotes" // 1-3 at n0, 4-6 at n1, 7-9 at n2
		sym := fmt.Sprintf("S%d", n)
		want = append(want, sym)
		r := busyRetried(t, url, rmHeader(seq, n), setQuote(sym))
		if got, wantAck := ackRanges(r.body), fmt.Sprintf("1-%d", n); r.status != http.StatusOK || got != wantAck {
			t.Fatalf("message %d at %s: got %d, ack %q, want 200, ack %q: %s", n, url, r.status, got, wantAck, r.body)
		}
	}
	checkfor.Until(t, 30*time.Second, func() error { return b.onceByID(want) })
	checkfor.Until(t, 15*time.Second, func() error {
		for _, u := range urls {
			if n := reliableMetric(t, u, "queue_depth", "Quotes"); n != 0 {
				return fmt.Errorf("%s: queue depth %v, want 0", u, n)
			}
		}
		return nil
	})
	if err := b.onceByID(want); err != nil {
		t.Fatal(err)
	}
	b.mu.Lock()
	ids := b.ids
	b.mu.Unlock()
	if len(ids) != len(want) {
		t.Fatalf("backend deliveries: got %d (%v), want %d: none sent twice", len(ids), ids, len(want))
	}
}

// TestReliableCluster_SequenceGoesOnWhenItsNodeStops creates a sequence
// at the first gateway (which names it after a shard it holds), stops
// that gateway after three messages, and sends the rest to the other
// two: they take its shards over from the records, and the backend
// receives every message once, in order.
func TestReliableCluster_SequenceGoesOnWhenItsNodeStops(t *testing.T) {
	b := newLogBackend(t)
	nodes := natstest.Cluster(t, 3)
	urls, stops := stoppableGateways(t, Config{Services: []ServiceConfig{reliableQuote(b)}}, nodes)

	seq := clusterSequence(t, urls[0]+"/services/Quotes")
	var want []string
	for n := 1; n <= 9; n++ {
		if n == 4 {
			stops[0]()
		}
		url := urls[(n-1)/3] + "/services/Quotes" // 1-3 at the first, 4-6 at the second, 7-9 at the third
		sym := fmt.Sprintf("S%d", n)
		want = append(want, sym)
		r := busyRetried(t, url, rmHeader(seq, n), setQuote(sym))
		if got, wantAck := ackRanges(r.body), fmt.Sprintf("1-%d", n); r.status != http.StatusOK || got != wantAck {
			t.Fatalf("message %d at %s: got %d, ack %q, want 200, ack %q: %s", n, url, r.status, got, wantAck, r.body)
		}
	}
	checkfor.Until(t, 30*time.Second, func() error { return b.onceByID(want) })
	checkfor.Until(t, 15*time.Second, func() error {
		for _, u := range urls[1:] {
			if n := reliableMetric(t, u, "queue_depth", "Quotes"); n != 0 {
				return fmt.Errorf("%s: queue depth %v, want 0", u, n)
			}
		}
		return nil
	})
	if err := b.onceByID(want); err != nil {
		t.Fatal(err)
	}
}

// TestReliableCluster_NoQuorumRefusesBusy stops two of three nodes under
// a gateway: it refuses reliable messages with a Receiver fault, 503 and
// Retry-After, and acknowledges nothing it cannot replicate; once the
// nodes are back, the same message is taken and delivered once.
func TestReliableCluster_NoQuorumRefusesBusy(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a quorum loss and its return")
	}
	b := newLogBackend(t)
	cfgs := natstest.ClusterConfigs(t, t.TempDir(), 3)
	nodes := natstest.Start(t, cfgs...)
	url := clusterGateways(t, Config{Services: []ServiceConfig{reliableQuote(b)}}, nodes[:1])[0] + "/services/Quotes"

	seq := clusterSequence(t, url)
	if r := busyRetried(t, url, rmHeader(seq, 1), setQuote("S1")); r.status != http.StatusOK {
		t.Fatalf("message 1: got %d %s, want 200", r.status, r.body)
	}
	b.waitLog(t, "S1")

	for _, n := range nodes[1:] {
		n.Close()
	}
	// Until the node finds its quorum gone, a message may wait for the
	// store (and fail); after, every message is refused busy at once.
	var r response
	checkfor.Until(t, 60*time.Second, func() error {
		r = postRM(t, url, rmHeader(seq, 2), setQuote("S2"))
		switch {
		case r.status == http.StatusOK:
			t.Fatalf("message 2 without a quorum: got 200 %s, want a refusal (it cannot be replicated)", r.body)
		case r.status != http.StatusServiceUnavailable:
			t.Fatalf("message 2 without a quorum: got %d %s, want 503", r.status, r.body)
		case !strings.Contains(r.body, "cannot store messages now"):
			return fmt.Errorf("message 2 without a quorum: got %s, want the refusal of a node without its store", r.body)
		}
		return nil
	})
	if ra := r.header.Get("Retry-After"); ra == "" {
		t.Errorf("refusal without a quorum: no Retry-After header, want one")
	}
	if !strings.Contains(r.body, "Server") && !strings.Contains(r.body, "Receiver") {
		t.Errorf("refusal without a quorum: got %s, want a Receiver (SOAP 1.1 Server) fault", r.body)
	}
	if got := b.received(); len(got) != 1 {
		t.Fatalf("backend without a quorum: got %v, want [S1] only", got)
	}

	natstest.Start(t, cfgs[1:]...) // the two nodes come back, stores as they were
	r = busyRetried(t, url, rmHeader(seq, 2), setQuote("S2"))
	if r.status != http.StatusOK || ackRanges(r.body) != "1-2" {
		t.Fatalf("message 2 with the quorum back: got %d, ack %q, want 200, ack 1-2: %s", r.status, ackRanges(r.body), r.body)
	}
	checkfor.Until(t, 30*time.Second, func() error { return b.onceByID([]string{"S1", "S2"}) })
}

// Config.ClusterReliable reaches the service's JetStream store: the shard
// count it names is the one the store's delivery stream is made with.
func TestReliableCluster_TimingsReachTheStore(t *testing.T) {
	b := newLogBackend(t)
	node := natstest.Single(t)
	cfg := Config{Services: []ServiceConfig{reliableQuote(b)},
		ClusterReliable: ClusterTimings{Shards: 4, Heartbeat: 500 * time.Millisecond, NodeTimeout: 2 * time.Second, Lease: 2 * time.Second}}
	url := clusterGateways(t, cfg, []*natsnode.Node{node})[0] + "/services/Quotes"
	seq := clusterSequence(t, url)
	if r := busyRetried(t, url, rmHeader(seq, 1), setQuote("S1")); r.status != http.StatusOK {
		t.Fatalf("message 1: got %d %s, want 200", r.status, r.body)
	}
	b.waitLog(t, "S1")
	s, err := node.JetStream().Stream(context.Background(), "rm_Quotes_Q")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.CachedInfo().Config.Metadata["wsgw_shards"]; got != "4" {
		t.Fatalf("the delivery stream's shards: got %q, want \"4\"", got)
	}
}

// ClusterTimings out of bounds are refused at their paths.
func TestConfigValidate_ClusterTimings(t *testing.T) {
	cfg := Config{ClusterReliable: ClusterTimings{Shards: 2000, Heartbeat: time.Second, NodeTimeout: time.Second, Lease: 100 * time.Millisecond}}
	err := cfg.Validate()
	want := []string{
		"ClusterReliable.Shards: 2000: at most 1024",
		"ClusterReliable.NodeTimeout: 1s: at least two heartbeats (2s)",
		"ClusterReliable.Lease: 100ms: at least 1s",
	}
	for _, w := range want {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("got %v, want %q", err, w)
		}
	}
	hb3 := Config{ClusterReliable: ClusterTimings{Heartbeat: 3 * time.Second}}
	if err := hb3.Validate(); err == nil || !strings.Contains(err.Error(), "ClusterReliable.NodeTimeout: 4s") {
		t.Errorf("a 3s heartbeat with the default 4s node timeout: got %v, want the node timeout refused", err)
	}
	ok := Config{ClusterReliable: ClusterTimings{Shards: 1, Heartbeat: 100 * time.Millisecond, NodeTimeout: 200 * time.Millisecond, Lease: time.Second}}
	if err := ok.Validate(); err != nil {
		t.Errorf("timings within bounds: got %v, want nil", err)
	}
}
