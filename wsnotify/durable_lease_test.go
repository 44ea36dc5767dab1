package wsnotify

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap"
)

// slowConsumer holds its first request until release is closed and
// answers the others at once; it counts the requests.
type slowConsumer struct {
	*httptest.Server
	mu      sync.Mutex // guards calls
	calls   int
	release chan struct{}
}

func newSlowConsumer(t *testing.T) *slowConsumer {
	c := &slowConsumer{release: make(chan struct{})}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.calls++
		first := c.calls == 1
		c.mu.Unlock()
		if first {
			select {
			case <-c.release:
			case <-r.Context().Done():
			}
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(func() {
		select {
		case <-c.release:
		default:
			close(c.release)
		}
		c.Close()
	})
	return c
}

func (c *slowConsumer) count() int { c.mu.Lock(); defer c.mu.Unlock(); return c.calls }

// TestDurable_SlowDeliveryKeepsItsLease: a delivery attempt may take up
// to Durable.Timeout (here 60s, longer than the queue's 30s lease); while
// it is in flight its message is not leased again, so the consumer never
// gets the same message twice at once (nor a later one before it).
func TestDurable_SlowDeliveryKeepsItsLease(t *testing.T) {
	cfg := testConfig()
	cfg.Durable.Timeout = time.Minute
	e := newDurableEnv(t, cfg)
	slow := newSlowConsumer(t)
	probe := newRecorder(t)
	slowID, _ := e.subscribeID(soap.V11, subscribeXML(slow.URL, simpleTopic("tns:a"), deliveryPolicy("", "")))
	e.subscribeID(soap.V11, subscribeXML(probe.URL, simpleTopic("tns:b"), deliveryPolicy("", "")))
	if r := e.post(pathBroker, soap.V11, notifyXML("tns:a", "<m:n>a-0</m:n>")); r.status != http.StatusAccepted {
		t.Fatalf("Notify: got HTTP %d, want 202\n%s", r.status, r.body)
	}
	checkfor.True(t, waitTimeout, "the slow consumer's first request", func() bool { return slow.count() == 1 })
	// 40s pass (the queue's clock) while the consumer holds the request.
	e.clock.Add(40 * time.Second)
	// A Notify to another subscription: once it arrived, the durable
	// consumer has leased again, and would have leased the slow one's
	// message with it (it is older) had its lease run out.
	if r := e.post(pathBroker, soap.V11, notifyXML("tns:b", "<m:n>b-0</m:n>")); r.status != http.StatusAccepted {
		t.Fatalf("Notify: got HTTP %d, want 202\n%s", r.status, r.body)
	}
	receives(t, probe, "the probe consumer", want("b", 0, 1))
	if got := slow.count(); got != 1 {
		t.Fatalf("got %d requests to the slow consumer while its first was in flight, want 1", got)
	}
	close(slow.release)
	checkfor.True(t, waitTimeout, "the slow consumer's queue to empty", func() bool { n, _ := e.group(slowID); return n == 0 })
}
