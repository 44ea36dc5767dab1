package wsnotify

import (
	"testing"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap"
)

// TestBroker_DeadLettersBounded: a consumer that always fails must not grow
// the dead-letter records without bound; the oldest are dropped.
func TestBroker_DeadLettersBounded(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	e.b.maxDeadLetters.Store(3)
	c := newConsumer(t)
	c.status = 500
	for range 6 {
		subscribeID(t, e, soap.V11, subscribeXML(c.URL, "", ""))
	}
	e.post(pathBroker, soap.V11, notifyXML("tns:t", "<m:x/>"))
	checkfor.True(t, waitTimeout, "6 dead letters stored", func() bool { return count(e.b.metrics.dead) == 6 })
	c.mu.Lock()
	requests := c.requests
	c.mu.Unlock()
	if requests != 18 {
		t.Fatalf("got %d requests, want 6 subscriptions x 3 attempts", requests)
	}
	if n := e.deadLetterCount(); n != 3 {
		t.Fatalf("got %d dead-letter records, want the bound 3", n)
	}
}
