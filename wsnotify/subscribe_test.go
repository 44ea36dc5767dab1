package wsnotify

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap"
)

func TestBroker_SubscribeNotifyDelivers(t *testing.T) {
	for _, v := range versions {
		t.Run("SOAP"+v.String(), func(t *testing.T) {
			e := newEnv(t, testConfig(), "")
			c := newConsumer(t)
			r := e.post(pathBroker, v, subscribeXML(c.URL+"/c", simpleTopic("tns:stock"), ""))
			if r.status != http.StatusOK {
				t.Fatalf("Subscribe: got HTTP %d, want 200\n%s", r.status, r.body)
			}
			subRef := r.address("SubscriptionReference")
			if !strings.HasPrefix(subRef, e.base+"/wsn/subscriptions/") || len(subRef)-len(e.base+"/wsn/subscriptions/") != 32 {
				t.Fatalf("got SubscriptionReference %q, want %s/wsn/subscriptions/{32 hex}", subRef, e.base)
			}
			for _, want := range []string{"CurrentTime>", "TerminationTime>", "RelatesTo", "/NotificationProducer/SubscribeResponse"} {
				if !strings.Contains(string(r.body), want) {
					t.Errorf("SubscribeResponse lacks %s:\n%s", want, r.body)
				}
			}
			r = e.post(pathBroker, v, notifyXML("tns:stock", `<m:Quote><m:Symbol>ACME</m:Symbol></m:Quote>`))
			if r.status != http.StatusAccepted {
				t.Fatalf("Notify: got HTTP %d, want 202\n%s", r.status, r.body)
			}
			e.post(pathBroker, v, notifyXML("tns:other", `<m:Quote/>`))
			checkfor.True(t, waitTimeout, "delivery", func() bool { return c.count() == 1 })
			got := c.message(0)
			for _, want := range []string{subRef, `tns:stock`, "http://producer.example/p", `<wsnt:Message><m:Quote xmlns:m="urn:msg"`, `<m:Symbol>ACME</m:Symbol></m:Quote></wsnt:Message>`} {
				if !strings.Contains(got, want) {
					t.Errorf("delivered NotificationMessage lacks %s:\n%s", want, got)
				}
			}
			c.mu.Lock()
			body := string(c.bodies[0])
			c.mu.Unlock()
			if !strings.Contains(body, v.Namespace()) {
				t.Errorf("delivery not in SOAP %s:\n%s", v, body)
			}
		})
	}
}

func TestBroker_BacklogBatchesSeveralMessagesPerNotify(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	c := newConsumer(t)
	r := e.post(pathBroker, soap.V11, subscribeXML(c.URL, simpleTopic("tns:t"), ""))
	id := strings.TrimPrefix(r.address("SubscriptionReference"), e.base+pathSubscriptions)
	e.b.disp.Pause(id) // build a backlog without the protocol's pause
	for range 5 {
		e.post(pathBroker, soap.V11, notifyXML("tns:t", "<m:x/>"))
	}
	e.b.disp.Resume(id)
	checkfor.True(t, waitTimeout, "5 messages", func() bool { return c.count() == 5 })
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.requests != 1 {
		t.Fatalf("got %d requests for a backlog of 5, want 1", c.requests)
	}
}

func TestBroker_UseRawDeliversPayloadOnly(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	c := newConsumer(t)
	e.post(pathBroker, soap.V11, subscribeXML(c.URL, simpleTopic("tns:t"), `<wsnt:SubscriptionPolicy><wsnt:UseRaw/></wsnt:SubscriptionPolicy>`))
	e.post(pathBroker, soap.V11, notifyXML("tns:t", "<m:raw>1</m:raw>"))
	checkfor.True(t, waitTimeout, "raw delivery", func() bool { return c.count() == 1 })
	if got := c.message(0); !strings.Contains(got, `<s:Body><m:raw xmlns:m="urn:msg"`) || !strings.Contains(got, `>1</m:raw></s:Body>`) {
		t.Fatalf("got %s, want the bare payload in the Body", got)
	}
}

func TestBroker_Filters(t *testing.T) {
	full := `<wsnt:TopicExpression Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Full">tns:stock//*</wsnt:TopicExpression>`
	content := `<wsnt:MessageContent Dialect="` + XPath1 + `">m:Price &gt; 100</wsnt:MessageContent>`
	absolute := `<wsnt:MessageContent Dialect="` + XPath1 + `">/m:Quote[m:Symbol='ACME']</wsnt:MessageContent>`
	props := `<wsnt:ProducerProperties Dialect="` + XPath1 + `">boolean(/*/wsnt:FixedTopicSet='false')</wsnt:ProducerProperties>`
	propsNo := `<wsnt:ProducerProperties Dialect="` + XPath1 + `">/*/wsnt:FixedTopicSet='true'</wsnt:ProducerProperties>`
	tests := []struct {
		name, filter string
		want         int // of the 4 notifications below
	}{
		{"none", "", 4},
		{"simple", simpleTopic("tns:stock"), 2},
		{"full descendants", full, 1},
		{"content", content, 1},
		{"content absolute", absolute, 2},
		{"topic and content", simpleTopic("tns:stock") + content, 1},
		{"producer properties true", props, 4},
		{"producer properties false", propsNo, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, testConfig(), "")
			c := newConsumer(t)
			id := subscribeID(t, e, soap.V12, subscribeXML(c.URL, tt.filter, ""))
			e.post(pathBroker, soap.V12, notifyXML("tns:stock", "<m:Quote><m:Symbol>ACME</m:Symbol><m:Price>120</m:Price></m:Quote>"))
			e.post(pathBroker, soap.V12, notifyXML("tns:stock", "<m:Quote><m:Symbol>ACME</m:Symbol><m:Price>80</m:Price></m:Quote>"))
			e.post(pathBroker, soap.V12, notifyXML("tns:stock/eu", "<m:Quote><m:Symbol>EUR</m:Symbol><m:Price>1</m:Price></m:Quote>"))
			e.post(pathBroker, soap.V12, notifyXML("tns:weather", "<m:Temp>20</m:Temp>"))
			// a marker on another topic, matched by the filters that ignore topics
			e.post(pathBroker, soap.V12, notifyXML("tns:marker", "<m:Quote><m:Symbol>ACME</m:Symbol><m:Price>999</m:Price></m:Quote>"))
			want := tt.want
			if map[string]bool{"none": true, "content": true, "content absolute": true, "producer properties true": true}[tt.name] {
				want++ // the marker matches too
			}
			// Notify queues before it answers, and a message leaves its
			// queue once the consumer has answered its delivery.
			checkfor.True(t, waitTimeout, "the queue to drain", func() bool { return e.b.disp.Len(id) == 0 })
			if got := c.count(); got != want {
				t.Fatalf("got %d deliveries, want %d", got, want)
			}
		})
	}
}
