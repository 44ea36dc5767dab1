package wsnotify

import (
	"net/http"
	"testing"

	"github.com/wsgw/wsgw/soap"
)

// TestDurable_DownConsumersNeverFillTheQueue: durable subscriptions are
// bounded (Durable.MaxSubscriptions) and the durable queue holds them all
// at their retention, so consumers that stay down, each keeping its
// newest MaxMessages, never make a Notify fail for want of room (before,
// the queue's own bound, shared by every subscription, was reached by a
// few consumers down long enough, and then every Notify got a Receiver
// fault, the fast consumers getting nothing more).
func TestDurable_DownConsumersNeverFillTheQueue(t *testing.T) {
	cfg := testConfig()
	cfg.Durable.MaxSubscriptions, cfg.Durable.MaxMessages = 2, 5
	e := newDurableEnvBatch(t, cfg, 4) // the queue holds 2*5+4 messages
	down, live := newRecorder(t), newRecorder(t)
	down.SetDown(true)
	var ids []string
	for range 2 {
		id, _ := e.subscribeID(soap.V11, subscribeXML(down.URL, simpleTopic("tns:t"), deliveryPolicy("", "")))
		ids = append(ids, id)
	}
	r := e.post(pathBroker, soap.V11, subscribeXML(down.URL, simpleTopic("tns:t"), deliveryPolicy("", "")))
	if got := r.faultDetail(); got != "SubscribeCreationFailedFault" {
		t.Fatalf("a third durable Subscribe: got HTTP %d %q, want SubscribeCreationFailedFault\n%s", r.status, got, r.body)
	}
	e.subscribeID(soap.V11, subscribeXML(live.URL, simpleTopic("tns:t"), "")) // best effort: not bounded by it
	e.notifyN("n", 0, 30)                                                     // each answered 202
	receives(t, live, "the best-effort consumer", want("n", 0, 30))
	for _, id := range ids {
		if n, _ := e.group(id); n != 5 {
			t.Fatalf("subscription %s keeps %d, want 5", id, n)
		}
	}
	// An ended durable subscription frees its place.
	if r := e.post(pathSubscriptions+ids[0], soap.V11, `<wsnt:Unsubscribe xmlns:wsnt="`+NSB+`"/>`); r.status != http.StatusOK {
		t.Fatalf("Unsubscribe: got HTTP %d, want 200", r.status)
	}
	e.subscribeID(soap.V11, subscribeXML(down.URL, simpleTopic("tns:t"), deliveryPolicy("", ""))) // 200
}
