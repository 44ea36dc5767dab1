package wsnotify

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap"
)

// blackhole is a consumer that accepts connections and never answers:
// a request to it ends only by the sender's timeout.
type blackhole struct {
	URL   string
	mu    sync.Mutex // guards conns
	conns []net.Conn
}

func newBlackhole(t *testing.T) *blackhole {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &blackhole{URL: "http://" + l.Addr().String() + "/consumer"}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			h.mu.Lock()
			h.conns = append(h.conns, c)
			h.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, c := range h.conns {
			c.Close()
		}
	})
	return h
}

func (h *blackhole) count() int { h.mu.Lock(); defer h.mu.Unlock(); return len(h.conns) }

// TestDurable_BlackholedRMConsumersDoNotStarveOthers: with one delivery
// worker, two WS-RM consumers that never answer (their attempts end only
// by the minute-long Timeout, the RM source never giving up) and one
// fast WS-RM consumer, the fast one gets all its messages while no
// attempt to a blackholed one has ended: waiting for an acknowledgement
// holds no worker.
func TestDurable_BlackholedRMConsumersDoNotStarveOthers(t *testing.T) {
	cfg := testConfig()
	cfg.Durable.Workers = 1
	cfg.Durable.Timeout = time.Minute
	e := newDurableEnvWith(t, cfg, func(e *env) { e.rmRetransmits = 1 << 20 })
	holes := []*blackhole{newBlackhole(t), newBlackhole(t)}
	for _, h := range holes {
		e.subscribeID(soap.V11, subscribeXML(h.URL, simpleTopic("tns:t"), rmAssertion("ExactlyOnce")))
	}
	fast := newRecorder(t)
	e.subscribeID(soap.V11, subscribeXML(fast.URL, simpleTopic("tns:b"), rmAssertion("ExactlyOnce")))
	// The blackholed subscriptions' messages are the oldest: leased first.
	e.notifyN("a", 0, 3)
	for _, h := range holes {
		checkfor.True(t, waitTimeout, "the blackholed consumer's first request", func() bool { return h.count() > 0 })
	}
	const n = 10
	for i := range n {
		e.post(pathBroker, soap.V11, notifyXML("tns:b", fmt.Sprintf("<m:n>b-%d</m:n>", i)))
	}
	receives(t, fast, "the fast consumer", want("b", 0, n))
	// Every attempt to a blackholed consumer is still in flight: the fast
	// consumer's n deliveries needed none of them to end.
	if got := count(e.b.metrics.failed); got != 0 {
		t.Fatalf("got %d failed attempts, want 0 (the blackholed ones still waiting)", got)
	}
}

// TestDurable_OneCallersBlackholesHoldItsShareOnly: with two workers and
// one per caller, a caller whose two plain durable consumers never answer
// (each attempt ends only by the hour-long Timeout) holds one worker; the
// other caller's consumer gets its messages, while no blackholed attempt
// has ended and the held-back one has not been counted as an attempt.
func TestDurable_OneCallersBlackholesHoldItsShareOnly(t *testing.T) {
	cfg := testConfig()
	cfg.Durable.Workers = 2
	cfg.Durable.WorkersPerCaller = 1
	cfg.Durable.Timeout = time.Hour
	e := newDurableEnv(t, cfg)
	holes := []*blackhole{newBlackhole(t), newBlackhole(t)}
	for _, h := range holes {
		if r := e.postFrom("127.0.0.2", pathBroker, subscribeXML(h.URL, simpleTopic("tns:t"), deliveryPolicy("", ""))); r.status != 200 {
			t.Fatalf("the stranger's Subscribe: got %d %s", r.status, r.body)
		}
	}
	fast := newRecorder(t)
	if r := e.postFrom("127.0.0.3", pathBroker, subscribeXML(fast.URL, simpleTopic("tns:b"), deliveryPolicy("", ""))); r.status != 200 {
		t.Fatalf("the other caller's Subscribe: got %d %s", r.status, r.body)
	}
	// The blackholed subscriptions' messages are the oldest: leased first.
	e.notifyN("a", 0, 3)
	checkfor.True(t, waitTimeout, "a blackholed consumer's first request", func() bool { return holes[0].count()+holes[1].count() > 0 })
	const n = 10
	for i := range n {
		e.post(pathBroker, soap.V11, notifyXML("tns:b", fmt.Sprintf("<m:n>b-%d</m:n>", i)))
	}
	receives(t, fast, "the other caller's consumer", want("b", 0, n))
	if got := holes[0].count() + holes[1].count(); got != 1 {
		t.Errorf("requests to the stranger's consumers: got %d, want 1 (its share of one worker)", got)
	}
	if got := count(e.b.metrics.failed); got != 0 {
		t.Fatalf("got %d failed attempts, want 0 (the blackholed one still waiting)", got)
	}
	if got := count(e.b.metrics.durableDeferred); got == 0 {
		t.Errorf("deferred deliveries: got 0, want the stranger's second consumer's held back")
	}
}
