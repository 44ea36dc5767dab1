package wsnotify

import (
	"testing"
	"time"

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
	waitFor(t, "6 subscriptions x 3 attempts", func() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.requests == 18 })
	time.Sleep(200 * time.Millisecond) // the records are stored after the last answer
	if n := e.deadLetterCount(); n != 3 {
		t.Fatalf("got %d dead-letter records, want the bound 3", n)
	}
}
