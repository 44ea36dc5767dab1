package wsnotify

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/soap"
)

// TestDurable_TooLargeGoesToDeadLetters: a notification larger than a
// durable subscription keeps (Durable.MaxMessageBytes, the durable
// queue's bound) is published to the others and given up for that
// subscription, a dead letter counted and visible; before, the Notify
// failed with an internal error every time it was sent again (and a
// publisher's WS-RM sequence could not get past it).
func TestDurable_TooLargeGoesToDeadLetters(t *testing.T) {
	e := newDurableEnv(t, testConfig())
	durable, other := newRecorder(t), newRecorder(t)
	id, _ := e.subscribeID(soap.V11, subscribeXML(durable.URL, simpleTopic("tns:t"), deliveryPolicy("", "")))
	e.subscribeID(soap.V11, subscribeXML(other.URL, simpleTopic("tns:t"), ""))
	big := "<m:n>big</m:n><m:pad>" + strings.Repeat("x", 300<<10) + "</m:pad>"
	if r := e.post(pathBroker, soap.V11, notifyXML("tns:t", "<m:w>"+big+"</m:w>")); r.status != http.StatusAccepted {
		t.Fatalf("Notify of 300 KiB: got HTTP %d, want 202\n%.600s", r.status, r.body)
	}
	receives(t, other, "the best-effort consumer", []string{"big"})
	if got := count(e.b.metrics.durableDead.WithLabelValues(ReasonTooLarge)); got != 1 {
		t.Fatalf("got %d dead letters counted too large, want 1", got)
	}
	dl, err := e.b.st.Read(context.Background(), deadLetters, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var rec deadLetter
	if len(dl) != 1 || json.Unmarshal(dl[0].Value, &rec) != nil || rec.Subscription != id || rec.Reason != ReasonTooLarge {
		t.Fatalf("got dead letters %d (first %+v), want 1 of subscription %s, reason %q", len(dl), rec.Subscription+" "+rec.Reason, id, ReasonTooLarge)
	}
	e.notifyN("p", 0, 3)
	receives(t, durable, "the durable consumer, after", want("p", 0, 3))
}
