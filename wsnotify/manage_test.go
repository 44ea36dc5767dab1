package wsnotify

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap"
)

func subscribeID(t *testing.T, e *env, v soap.Version, payload string) string {
	t.Helper()
	r := e.post(pathBroker, v, payload)
	if r.status != 200 {
		t.Fatalf("Subscribe: HTTP %d\n%s", r.status, r.body)
	}
	return strings.TrimPrefix(r.address("SubscriptionReference"), e.base+pathSubscriptions)
}

func bodyOp(local string) string { return `<wsnt:` + local + ` xmlns:wsnt="` + NSB + `"/>` }

func TestBroker_PauseKeepsResumeDelivers(t *testing.T) {
	for _, v := range versions {
		e := newEnv(t, testConfig(), "")
		c := newConsumer(t)
		id := subscribeID(t, e, v, subscribeXML(c.URL, simpleTopic("tns:t"), ""))
		if r := e.post(pathSubscriptions+id, v, bodyOp("PauseSubscription")); r.status != 200 || !strings.Contains(string(r.body), "PauseSubscriptionResponse") {
			t.Fatalf("Pause: HTTP %d\n%s", r.status, r.body)
		}
		for range 3 {
			e.post(pathBroker, v, notifyXML("tns:t", "<m:x/>"))
		}
		// Notify queues before it answers; a paused queue is given to no
		// worker, so what it holds now is what it keeps.
		if n := e.b.disp.Len(id); n != 3 {
			t.Fatalf("SOAP %s: got %d messages kept while paused, want 3", v, n)
		}
		if n := c.count(); n != 0 {
			t.Fatalf("SOAP %s: got %d deliveries while paused, want 0", v, n)
		}
		if r := e.post(pathSubscriptions+id, v, bodyOp("ResumeSubscription")); r.status != 200 || !strings.Contains(string(r.body), "ResumeSubscriptionResponse") {
			t.Fatalf("Resume: HTTP %d\n%s", r.status, r.body)
		}
		checkfor.True(t, waitTimeout, "kept messages delivered", func() bool { return c.count() == 3 })
	}
}

func TestBroker_RenewMovesTerminationAndExpiryRemoves(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	c := newConsumer(t)
	id := subscribeID(t, e, soap.V11, subscribeXML(c.URL, "", itt("PT1M")))
	r := e.post(pathSubscriptions+id, soap.V11, `<wsnt:Renew xmlns:wsnt="`+NSB+`"><wsnt:TerminationTime>PT2H</wsnt:TerminationTime></wsnt:Renew>`)
	want := xsdTime(e.clock.Now().Add(2 * time.Hour))
	if r.status != 200 || !strings.Contains(string(r.body), "<wsnt:TerminationTime>"+want) {
		t.Fatalf("Renew: got HTTP %d, want TerminationTime %s\n%s", r.status, want, r.body)
	}
	e.clock.Add(90 * time.Minute) // past the initial minute, within the renewal
	e.b.sweep(context.Background())
	if !e.hasSub(id) {
		t.Fatal("subscription removed before its renewed termination time")
	}
	e.clock.Add(time.Hour)
	checkfor.True(t, waitTimeout, "sweeper removes the subscription", func() bool { return e.subCount() == 0 })
	if got := e.post(pathSubscriptions+id, soap.V11, bodyOp("Unsubscribe")).faultDetail(); got != "ResourceUnknownFault" {
		t.Fatalf("Unsubscribe after expiry: got %q, want ResourceUnknownFault", got)
	}
	e.restart()
	if n := e.subCount(); n != 0 {
		t.Fatalf("got %d subscriptions after restart, want the expired one gone from the store", n)
	}
}

func TestBroker_UnsubscribeStopsDelivery(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	c := newConsumer(t)
	id := subscribeID(t, e, soap.V12, subscribeXML(c.URL, "", ""))
	if r := e.post(pathSubscriptions+id, soap.V12, bodyOp("Unsubscribe")); r.status != 200 || !strings.Contains(string(r.body), "UnsubscribeResponse") {
		t.Fatalf("Unsubscribe: HTTP %d\n%s", r.status, r.body)
	}
	c2 := newConsumer(t)
	subscribeID(t, e, soap.V12, subscribeXML(c2.URL, "", ""))
	e.post(pathBroker, soap.V12, notifyXML("tns:t", "<m:x/>"))
	checkfor.True(t, waitTimeout, "other subscriber", func() bool { return c2.count() == 1 })
	if c.count() != 0 {
		t.Fatal("delivered to an unsubscribed consumer")
	}
}

func TestBroker_OnlyOwnReferenceManages(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	c := newConsumer(t)
	id := subscribeID(t, e, soap.V11, subscribeXML(c.URL, "", ""))
	// an id differing in one character is another (unknown) resource
	other := id[:31] + string("0123456789abcdef"[(strings.IndexByte("0123456789abcdef", id[31])+1)%16])
	if got := e.post(pathSubscriptions+other, soap.V11, bodyOp("Unsubscribe")).faultDetail(); got != "ResourceUnknownFault" {
		t.Fatalf("got %q, want ResourceUnknownFault", got)
	}
	if !e.hasSub(id) {
		t.Fatal("subscription gone")
	}
}

func TestBroker_PerConsumerBound(t *testing.T) {
	cfg := testConfig()
	cfg.MaxSubscriptionsPerConsumer = 2
	e := newEnv(t, cfg, "")
	c := newConsumer(t)
	subscribeID(t, e, soap.V11, subscribeXML(c.URL, "", ""))
	subscribeID(t, e, soap.V11, subscribeXML(c.URL, "", ""))
	checkFault(t, e.post(pathBroker, soap.V11, subscribeXML(c.URL, "", "")), soap.V11, "SubscribeCreationFailedFault", "maximum of 2")
}

func TestBroker_DeadLetterAfterAttempts(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	c := newConsumer(t)
	c.status = 500
	subscribeID(t, e, soap.V11, subscribeXML(c.URL, "", ""))
	e.post(pathBroker, soap.V11, notifyXML("tns:t", "<m:x/>"))
	checkfor.True(t, waitTimeout, "dead letter", func() bool { return e.deadLetterCount() == 1 })
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.requests != 3 {
		t.Fatalf("got %d attempts, want MaxAttempts=3", c.requests)
	}
}
