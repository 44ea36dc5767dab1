package wsnotify

import (
	"fmt"
	"testing"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap"
)

// TestBroker_SelfSubscriptionDoesNotLoop: a subscription whose consumer is
// the broker itself (an address the egress policy allows) must not turn
// one Notify into an endless stream: a message the broker delivered that
// comes back to it is not published again.
func TestBroker_SelfSubscriptionDoesNotLoop(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	c := newConsumer(t)
	self := subscribeID(t, e, soap.V11, subscribeXML(e.base+pathBroker, "", ""))
	other := subscribeID(t, e, soap.V11, subscribeXML(c.URL, "", ""))
	e.post(pathBroker, soap.V11, notifyXML("tns:t", "<m:x/>"))
	e.wantSettled(t, 2, self, other)
	if n := c.count(); n != 1 {
		t.Fatalf("consumer got %d messages from one Notify, want 1", n)
	}
}

// wantSettled waits until n deliveries were made, then checks that the
// queues ids hold nothing more and that no further delivery was made. A
// delivery the broker makes to itself is answered once the broker has
// handled it, so whatever it would publish again is queued by then: a
// queue stays non-empty until its delivery finishes.
func (e *env) wantSettled(t *testing.T, n int, ids ...string) {
	t.Helper()
	checkfor.True(t, waitTimeout, fmt.Sprint(n, " deliveries"), func() bool { return count(e.b.metrics.delivered) >= n })
	for _, id := range ids {
		if l := e.b.disp.Len(id); l != 0 {
			t.Fatalf("subscription %s has %d messages queued after the %d deliveries, want 0", id, l, n)
		}
	}
	if got := count(e.b.metrics.delivered); got != n {
		t.Fatalf("got %d deliveries, want %d", got, n)
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
	self1 := subscribeID(t, e, soap.V11, subscribeXML(e.base+pathBroker, "", raw))
	self2 := subscribeID(t, e, soap.V11, subscribeXML(e.base+pathBroker, "", raw))
	other := subscribeID(t, e, soap.V11, subscribeXML(c.URL, "", ""))
	inner := `<wsnt:Notify><wsnt:NotificationMessage><wsnt:Message><m:x/></wsnt:Message></wsnt:NotificationMessage></wsnt:Notify>`
	e.post(pathBroker, soap.V11, notifyXML("tns:t", inner))
	e.wantSettled(t, 3, self1, self2, other)
	if n := c.count(); n != 1 {
		t.Fatalf("consumer got %d messages from one Notify, want 1", n)
	}
}
