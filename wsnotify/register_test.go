package wsnotify

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// publisher is a demand-based NotificationProducer test server: it records
// the operations the broker calls and answers Subscribe with a reference to
// itself.
type publisher struct {
	*httptest.Server
	mu  sync.Mutex // guards ops
	ops []string
}

func newPublisher(t *testing.T) *publisher {
	p := &publisher{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		m, err := soap.ReadMessageBytes(body, xmldoc.Limits{})
		if err != nil {
			t.Errorf("publisher got a bad envelope: %v", err)
			return
		}
		name := m.Payload.Name().Local
		p.mu.Lock()
		p.ops = append(p.ops, name)
		p.mu.Unlock()
		resp := `<wsnt:` + name + `Response/>`
		if name == "Subscribe" {
			resp = `<wsnt:SubscribeResponse><wsnt:SubscriptionReference><wsa:Address>` + p.URL + `/sub/1</wsa:Address></wsnt:SubscriptionReference></wsnt:SubscribeResponse>`
		}
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<s:Envelope xmlns:s="`+soap.NS11+`" xmlns:wsnt="`+NSB+`" xmlns:wsa="`+soap.WSANS+`"><s:Body>`+resp+`</s:Body></s:Envelope>`)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *publisher) calls() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.ops, ",")
}

func TestBroker_DemandBasedPublisher(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	p := newPublisher(t)
	r := e.post(pathBroker, soap.V11, registerXML(p.URL, "tns:a", true, ""))
	reg := r.address("PublisherRegistrationReference")
	if r.status != 200 || !strings.HasPrefix(reg, e.base+pathRegistrations) || r.address("ConsumerReference") != e.base+pathBroker {
		t.Fatalf("RegisterPublisher: HTTP %d\n%s", r.status, r.body)
	}
	c := newConsumer(t)
	other := subscribeID(t, e, soap.V11, subscribeXML(c.URL, simpleTopic("tns:other"), ""))
	_ = other
	if got := p.calls(); got != "" {
		t.Fatalf("publisher called %q without demand for its topic", got)
	}
	id := subscribeID(t, e, soap.V11, subscribeXML(c.URL, simpleTopic("tns:a"), ""))
	checkfor.True(t, waitTimeout, "Subscribe to the publisher", func() bool { return p.calls() == "Subscribe" })
	e.post(pathSubscriptions+id, soap.V11, bodyOp("PauseSubscription"))
	checkfor.True(t, waitTimeout, "PauseSubscription at the publisher", func() bool { return p.calls() == "Subscribe,PauseSubscription" })
	e.post(pathSubscriptions+id, soap.V11, bodyOp("ResumeSubscription"))
	checkfor.True(t, waitTimeout, "ResumeSubscription at the publisher", func() bool { return p.calls() == "Subscribe,PauseSubscription,ResumeSubscription" })
	if r := e.post(strings.TrimPrefix(reg, e.base), soap.V11, `<wsn-br:DestroyRegistration xmlns:wsn-br="`+NSBR+`"/>`); r.status != 200 {
		t.Fatalf("DestroyRegistration: HTTP %d\n%s", r.status, r.body)
	}
	checkfor.True(t, waitTimeout, "Unsubscribe at the publisher", func() bool { return strings.HasSuffix(p.calls(), ",Unsubscribe") })
}

func TestBroker_RequireRegistration(t *testing.T) {
	cfg := testConfig()
	cfg.RequireRegistration = true
	e := newEnv(t, cfg, "")
	c := newConsumer(t)
	subscribeID(t, e, soap.V12, subscribeXML(c.URL, "", ""))
	checkFault(t, e.post(pathBroker, soap.V12, notifyXML("tns:a", "<m:x/>")), soap.V12, "PublisherRegistrationRejectedFault", "unregistered")
	r := e.post(pathBroker, soap.V12, registerXML("http://producer.example/p", "tns:a", false, "PT1H"))
	if r.status != 200 {
		t.Fatalf("RegisterPublisher: HTTP %d\n%s", r.status, r.body)
	}
	if r := e.post(pathBroker, soap.V12, notifyXML("tns:a", "<m:x/>")); r.status != http.StatusAccepted {
		t.Fatalf("Notify from a registered publisher: HTTP %d\n%s", r.status, r.body)
	}
	checkFault(t, e.post(pathBroker, soap.V12, notifyXML("tns:b", "<m:x/>")), soap.V12, "PublisherRegistrationRejectedFault", "")
	checkfor.True(t, waitTimeout, "delivery", func() bool { return c.count() == 1 })
	e.restart() // the registration is persisted
	if r := e.post(pathBroker, soap.V12, notifyXML("tns:a", "<m:x/>")); r.status != http.StatusAccepted {
		t.Fatalf("Notify after restart: HTTP %d\n%s", r.status, r.body)
	}
}

func TestBroker_RestartResumesDeliveries(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	c := newConsumer(t)
	content := `<wsnt:MessageContent Dialect="` + XPath1 + `">m:p &gt; 1</wsnt:MessageContent>`
	id := subscribeID(t, e, soap.V12, subscribeXML(c.URL, simpleTopic("tns:t")+content, ""))
	paused := subscribeID(t, e, soap.V12, subscribeXML(c.URL, simpleTopic("tns:t"), ""))
	e.post(pathSubscriptions+paused, soap.V12, bodyOp("PauseSubscription"))
	e.restart()
	e.post(pathBroker, soap.V12, notifyXML("tns:t", "<m:q><m:p>0</m:p></m:q>"))
	e.post(pathBroker, soap.V12, notifyXML("tns:t", "<m:q><m:p>5</m:p></m:q>"))
	checkfor.True(t, waitTimeout, "delivery after restart", func() bool { return c.count() == 1 })
	if got := c.message(0); !strings.Contains(got, id) || !strings.Contains(got, ">5</m:p>") {
		t.Fatalf("got %s, want the p=5 message for %s", got, id)
	}
	if n := e.b.disp.Len(paused); n != 2 {
		t.Fatalf("paused subscription kept %d messages after restart, want 2", n)
	}
}
