package wsnotify

import (
	"testing"
	"time"

	"github.com/wsgw/wsgw/soap"
)

// TestBroker_SelfSubscriptionDoesNotLoop: a subscription whose consumer is
// the broker itself (an address the egress policy allows) must not turn
// one Notify into an endless stream: a message the broker delivered that
// comes back to it is not published again.
func TestBroker_SelfSubscriptionDoesNotLoop(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	c := newConsumer(t)
	subscribeID(t, e, soap.V11, subscribeXML(e.base+pathBroker, "", ""))
	subscribeID(t, e, soap.V11, subscribeXML(c.URL, "", ""))
	e.post(pathBroker, soap.V11, notifyXML("tns:t", "<m:x/>"))
	waitFor(t, "delivery", func() bool { return c.count() >= 1 })
	time.Sleep(300 * time.Millisecond)
	if n := c.count(); n != 1 {
		t.Fatalf("consumer got %d messages from one Notify, want 1", n)
	}
}

// TestBroker_RawSelfSubscriptionDoesNotAmplify: raw (UseRaw) deliveries to
// the broker itself carry no SubscriptionReference; a Notify nested in the
// payload must still not be published again, or each level of nesting
// would multiply the messages by the number of such subscriptions.
func TestBroker_RawSelfSubscriptionDoesNotAmplify(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	c := newConsumer(t)
	raw := `<wsnt:SubscriptionPolicy><wsnt:UseRaw/></wsnt:SubscriptionPolicy>`
	subscribeID(t, e, soap.V11, subscribeXML(e.base+pathBroker, "", raw))
	subscribeID(t, e, soap.V11, subscribeXML(e.base+pathBroker, "", raw))
	subscribeID(t, e, soap.V11, subscribeXML(c.URL, "", ""))
	inner := `<wsnt:Notify><wsnt:NotificationMessage><wsnt:Message><m:x/></wsnt:Message></wsnt:NotificationMessage></wsnt:Notify>`
	e.post(pathBroker, soap.V11, notifyXML("tns:t", inner))
	waitFor(t, "delivery", func() bool { return c.count() >= 1 })
	time.Sleep(300 * time.Millisecond)
	if n := c.count(); n != 1 {
		t.Fatalf("consumer got %d messages from one Notify, want 1", n)
	}
}
