package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// testDirectKey is the channel key of the agents' tests.
const testDirectKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

func writeDirectConfig(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDirect_ConfigErrorsNameKeys(t *testing.T) {
	cfg := writeDirectConfig(t, "direct.yaml", "group: 224.0.0.1:7400\nttl: 300\nsend:\n  listen: 0.0.0.0:8090\n")
	var stdout, stderr syncBuffer
	if code := run(context.Background(), []string{"direct", "send", "--config", cfg}, &stdout, &stderr); code != 2 {
		t.Fatalf("got exit %d, want 2; stderr: %s", code, stderr.String())
	}
	for _, want := range []string{"send.listen: 0.0.0.0:8090 is not a loopback address"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("got %q, want it to contain %q", stderr.String(), want)
		}
	}
	cfg = writeDirectConfig(t, "direct.yaml", "group: 224.0.0.1:7400\nttl: 300\n")
	stderr = syncBuffer{}
	if code := run(context.Background(), []string{"direct", "send", "--config", cfg}, &stdout, &stderr); code != 2 {
		t.Fatalf("got exit %d, want 2; stderr: %s", code, stderr.String())
	}
	for _, want := range []string{"session: required", "key: required", "group: 224.0.0.1 is outside the allowed ranges", "ttl: 300 is outside"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("got %q, want it to contain %q", stderr.String(), want)
		}
	}
	// send.egress is matched against receivers' IP addresses: a host name
	// there could never match (before, it was accepted and ignored).
	cfg = writeDirectConfig(t, "direct.yaml", "session: 7\ntransport: unicast\nsend:\n  egress: {hosts: [consumer.example.com]}\n")
	stderr = syncBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if code := run(ctx, []string{"direct", "send", "--config", cfg}, &stdout, &stderr); code != 2 ||
		!strings.Contains(stderr.String(), "send.egress.hosts: unknown key") {
		t.Errorf("got exit %d, %q, want exit 2 and send.egress.hosts refused", code, stderr.String())
	}
	// Limits of the receive agent: before, queue_len was max(queue_len,
	// 1024), so any huge value was allocated at start and a small one
	// ignored.
	for _, tc := range []struct{ key, want string }{
		{"queue_len: 100000000", "recv.queue_len: 100000000 is outside 1..65536"},
		{"max_naks: 1000", "recv.max_naks: 1000 exceeds 100"},
	} {
		cfg = writeDirectConfig(t, "direct.yaml", "session: 7\ngroup: 239.1.1.1:7400\nrecv:\n  sender: 127.0.0.1:7401\n  consumer: http://127.0.0.1:1/\n  "+tc.key+"\n")
		stderr = syncBuffer{}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		code := run(ctx, []string{"direct", "recv", "--config", cfg}, &stdout, &stderr)
		cancel()
		if code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%s: got exit %d, %q, want exit 2 and %q", tc.key, code, stderr.String(), tc.want)
		}
	}
}

// consumer is an unmodified WS-N consumer: it records the body of each
// Notify it is posted.
type consumer struct {
	mu  sync.Mutex
	got []string
}

func (c *consumer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m, err := soap.ReadMessage(r.Body, xmldoc.Limits{})
	if err != nil || m.Payload.Name().Local != "Notify" {
		http.Error(w, "not a Notify", http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	c.got = append(c.got, string(m.Payload.Standalone(soap.NS11, soap.NS12)))
	c.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

var (
	sendReady = regexp.MustCompile(`publishers on (http://\S+/), control udp (\S+),`)
	recvReady = regexp.MustCompile(`wsgw direct recv: udp (\S+),`)
)

// TestDirect_UnicastAgentsOnLoopback runs both agents on loopback in
// unicast fan-out mode: a publisher's ordinary Notify to the send agent
// reaches an unmodified consumer behind the receive agent.
func TestDirect_UnicastAgentsOnLoopback(t *testing.T) {
	cons := &consumer{}
	srv := httptest.NewServer(cons)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sendCfg := writeDirectConfig(t, "send.yaml", "session: 77\nkey: "+testDirectKey+"\ntransport: unicast\nsend:\n  listen: 127.0.0.1:0\n  control: 127.0.0.1:0\n  egress: {cidrs: [loopback]}\n")
	var sendOut, sendErr, recvOut, recvErr syncBuffer
	done := make(chan int, 2)
	go func() { done <- run(ctx, []string{"direct", "send", "--config", sendCfg}, &sendOut, &sendErr) }()
	var m []string
	checkfor.True(t, 10*time.Second, "the send agent to start", func() bool {
		m = sendReady.FindStringSubmatch(sendOut.String())
		return m != nil
	})
	recvCfg := writeDirectConfig(t, "recv.yaml", fmt.Sprintf("session: 77\nkey: "+testDirectKey+"\ntransport: unicast\nrecv:\n  sender: %s\n  listen: 127.0.0.1:0\n  consumer: %s/notify\n", m[2], srv.URL))
	go func() { done <- run(ctx, []string{"direct", "recv", "--config", recvCfg}, &recvOut, &recvErr) }()
	checkfor.True(t, 10*time.Second, "the receive agent to start", func() bool { return recvReady.MatchString(recvOut.String()) })
	checkfor.True(t, 10*time.Second, "the receiver to join", func() bool {
		resp, err := http.Get(strings.TrimSuffix(m[1], "/") + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(b), `"Joined":true`)
	})
	const n = 5
	for i := range n {
		body := fmt.Sprintf(`<s:Envelope xmlns:s="%s"><s:Body><wsnt:Notify xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2"><wsnt:NotificationMessage><wsnt:Message><n>%d</n></wsnt:Message></wsnt:NotificationMessage></wsnt:Notify></s:Body></s:Envelope>`, soap.NS11, i)
		req, _ := http.NewRequest(http.MethodPost, m[1], strings.NewReader(body))
		req.Header.Set("Content-Type", soap.V11.ContentType())
		req.Header.Set("SOAPAction", `"http://docs.oasis-open.org/wsn/bw-2/NotificationConsumer/Notify"`)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("publish %d: got HTTP %d, want 202", i, resp.StatusCode)
		}
	}
	// The receive agent may post notifications that queued up together
	// in one Notify: the consumer's messages are counted, not requests.
	checkfor.True(t, 10*time.Second, "5 notifications at the consumer", func() bool { return len(cons.numbers()) >= n })
	wantNumbers(t, "consumer", cons.numbers(), 0, n-1)
	cancel()
	for range 2 {
		if code := <-done; code != 0 {
			t.Errorf("got exit %d, want 0; stderr: %s %s", code, sendErr.String(), recvErr.String())
		}
	}
	for _, out := range []string{sendOut.String(), recvOut.String()} {
		if !strings.Contains(out, "wsgw direct: metrics {") {
			t.Errorf("got %q, want the final metrics line", out)
		}
	}
}

// TestDirect_RestartGetsAGreaterEpoch: a send agent restarted within the
// second it started in must not reuse that run's epoch (receivers would
// take its datagrams, numbered from 1 again, for duplicates of the old
// ones and drop them without a gap). Before, the epoch was the start's
// Unix second: two runs 0.5 s apart in one second had the same.
func TestDirect_RestartGetsAGreaterEpoch(t *testing.T) {
	fd := &fileDirect{Session: 7, Group: "239.1.1.1:7400"}
	second := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	first, startAt := senderEpoch(second.Add(100 * time.Millisecond))
	// The first run crashes after it started sending (at startAt); the
	// second starts at once, in that wall-clock second.
	for _, restart := range []time.Time{startAt.Add(time.Millisecond), startAt.Add(600 * time.Millisecond), startAt.Add(999 * time.Millisecond)} {
		if second, _ := senderEpoch(restart); second <= first {
			t.Errorf("restart at %v: got epoch %d after %d, want a greater one", restart.Format("15:04:05.000"), second, first)
		}
	}
	cfg, _, _, err := fd.senderConfig(first)
	if err != nil || cfg.Epoch != first {
		t.Errorf("got epoch %d (err %v), want %d", cfg.Epoch, err, first)
	}
}
