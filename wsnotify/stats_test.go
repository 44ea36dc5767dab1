package wsnotify

import (
	"reflect"
	"testing"

	"github.com/wsgw/wsgw/soap"
)

// Stats counts subscriptions by topic filter (the topic, in Clark
// notation, when the filter names one; the expression as written when it
// does not), the paused ones, the notifications waiting in delivery
// queues, and pull points apart.
func TestBroker_StatsCountsByTopicFilter(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	c := newConsumer(t)
	full := `<wsnt:TopicExpression Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Full">tns:a//*</wsnt:TopicExpression>`
	ids := []string{
		subscribeID(t, e, soap.V11, subscribeXML(c.URL, simpleTopic("tns:a"), "")),
		subscribeID(t, e, soap.V11, subscribeXML(c.URL, simpleTopic("tns:a"), "")),
		subscribeID(t, e, soap.V12, subscribeXML(c.URL, full, "")),
		subscribeID(t, e, soap.V11, subscribeXML(c.URL, "", "")),
	}
	e.post(pathCreatePullPoint, soap.V11, bodyOp("CreatePullPoint"))
	// A paused queue is given to no worker: what Notify queues stays.
	for _, id := range ids[1:] {
		if r := e.post(pathSubscriptions+id, soap.V11, bodyOp("PauseSubscription")); r.status != 200 {
			t.Fatalf("Pause: HTTP %d\n%s", r.status, r.body)
		}
	}
	e.b.disp.Pause(ids[0]) // its queue only: the subscription is not paused
	e.post(pathBroker, soap.V11, notifyXML("tns:a", "<m:x/>"))
	e.post(pathBroker, soap.V11, notifyXML("tns:a", "<m:x/>"))

	got := e.b.Stats()
	want := Stats{Subscriptions: 4, Paused: 3, PullPoints: 1, Queues: 4, Queued: 6, Topics: []TopicStats{
		{Filter: "", Subscriptions: 1, Paused: 1, Queued: 2},
		{Filter: "tns:a//*", Subscriptions: 1, Paused: 1}, // descendants of a, not a
		{Filter: "{urn:topics}a", Subscriptions: 2, Paused: 1, Queued: 4},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}
