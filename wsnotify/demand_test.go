package wsnotify

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// TestBroker_DestroyRegistrationDuringPublisherSubscribe: a registration
// destroyed while the broker is subscribing at its publisher must not leave
// that publisher subscription behind: the broker unsubscribes it.
func TestBroker_DestroyRegistrationDuringPublisherSubscribe(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	inSubscribe, release := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex // guards ops
	var ops []string
	pub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		m, err := soap.ReadMessageBytes(body, xmldoc.Limits{})
		if err != nil {
			t.Errorf("publisher got a bad envelope: %v", err)
			return
		}
		name := m.Payload.Name().Local
		mu.Lock()
		ops = append(ops, name)
		mu.Unlock()
		resp := `<wsnt:` + name + `Response/>`
		if name == "Subscribe" {
			close(inSubscribe)
			<-release
			resp = `<wsnt:SubscribeResponse><wsnt:SubscriptionReference><wsa:Address>http://` + r.Host + `/sub/1</wsa:Address></wsnt:SubscriptionReference></wsnt:SubscribeResponse>`
		}
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<s:Envelope xmlns:s="`+soap.NS11+`" xmlns:wsnt="`+NSB+`" xmlns:wsa="`+soap.WSANS+`"><s:Body>`+resp+`</s:Body></s:Envelope>`)
	}))
	defer pub.Close()
	calls := func() string { mu.Lock(); defer mu.Unlock(); return strings.Join(ops, ",") }

	r := e.post(pathBroker, soap.V11, registerXML(pub.URL, "tns:a", true, ""))
	reg := r.address("PublisherRegistrationReference")
	if r.status != 200 {
		t.Fatalf("RegisterPublisher: HTTP %d\n%s", r.status, r.body)
	}
	c := newConsumer(t)
	subscribeID(t, e, soap.V11, subscribeXML(c.URL, simpleTopic("tns:a"), ""))
	<-inSubscribe
	if r := e.post(strings.TrimPrefix(reg, e.base), soap.V11, `<wsn-br:DestroyRegistration xmlns:wsn-br="`+NSBR+`"/>`); r.status != 200 {
		t.Fatalf("DestroyRegistration: HTTP %d\n%s", r.status, r.body)
	}
	close(release)
	checkfor.True(t, waitTimeout, "Unsubscribe at the publisher of the destroyed registration", func() bool {
		return calls() == "Subscribe,Unsubscribe"
	})
}

// TestBroker_DemandSubscriptionRenewedBeforeItEnds: the broker's
// subscription at a demand-based publisher ends at the TerminationTime the
// publisher gave it; while there is demand the broker renews it before
// then, instead of silently receiving nothing afterwards.
func TestBroker_DemandSubscriptionRenewedBeforeItEnds(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	var mu sync.Mutex // guards ops
	var ops []string
	pub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		m, err := soap.ReadMessageBytes(body, xmldoc.Limits{})
		if err != nil {
			t.Errorf("publisher got a bad envelope: %v", err)
			return
		}
		name := m.Payload.Name().Local
		mu.Lock()
		ops = append(ops, name)
		mu.Unlock()
		end := "<wsnt:TerminationTime>" + xsdTime(e.clock.Now().Add(10*time.Minute)) + "</wsnt:TerminationTime>"
		resp := `<wsnt:` + name + `Response/>`
		switch name {
		case "Subscribe":
			resp = `<wsnt:SubscribeResponse><wsnt:SubscriptionReference><wsa:Address>http://` + r.Host + `/sub/1</wsa:Address></wsnt:SubscriptionReference>` + end + `</wsnt:SubscribeResponse>`
		case "Renew":
			resp = `<wsnt:RenewResponse>` + end + `</wsnt:RenewResponse>`
		}
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<s:Envelope xmlns:s="`+soap.NS11+`" xmlns:wsnt="`+NSB+`" xmlns:wsa="`+soap.WSANS+`"><s:Body>`+resp+`</s:Body></s:Envelope>`)
	}))
	defer pub.Close()
	calls := func() string { mu.Lock(); defer mu.Unlock(); return strings.Join(ops, ",") }

	if r := e.post(pathBroker, soap.V11, registerXML(pub.URL, "tns:a", true, "P2D")); r.status != 200 {
		t.Fatalf("RegisterPublisher: HTTP %d\n%s", r.status, r.body)
	}
	c := newConsumer(t)
	subscribeID(t, e, soap.V11, subscribeXML(c.URL, simpleTopic("tns:a"), itt("P2D")))
	checkfor.True(t, waitTimeout, "Subscribe at the publisher", func() bool { return calls() == "Subscribe" })
	e.clock.Add(9*time.Minute + 30*time.Second)
	checkfor.True(t, waitTimeout, "Renew at the publisher before its TerminationTime", func() bool { return calls() == "Subscribe,Renew" })
}

// TestBroker_SlowPublisherDoesNotStallExpiry: a demand-based publisher that
// does not answer must not hold up the expiry sweep (or anything else Run
// does) for the length of the broker's calls to it.
func TestBroker_SlowPublisherDoesNotStallExpiry(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	inSubscribe, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	pub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(inSubscribe) })
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer pub.Close()
	defer close(release)
	if r := e.post(pathBroker, soap.V11, registerXML(pub.URL, "tns:a", true, "")); r.status != 200 {
		t.Fatalf("RegisterPublisher: HTTP %d\n%s", r.status, r.body)
	}
	c := newConsumer(t)
	subscribeID(t, e, soap.V11, subscribeXML(c.URL, simpleTopic("tns:a"), itt("PT1M")))
	<-inSubscribe
	e.clock.Add(2 * time.Minute)
	checkfor.True(t, waitTimeout, "the sweep to remove the expired subscription", func() bool { return e.subCount() == 0 })
}

// TestBroker_PublisherUnsubscribeRetriedAcrossRestart: when a registration
// ends, the broker's subscription at its publisher is ended even if the
// publisher is down at that moment and the broker restarts meanwhile.
func TestBroker_PublisherUnsubscribeRetriedAcrossRestart(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	var mu sync.Mutex // guards ops, down, refused
	var ops []string
	down, refused := false, 0
	pub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		m, err := soap.ReadMessageBytes(body, xmldoc.Limits{})
		if err != nil {
			t.Errorf("publisher got a bad envelope: %v", err)
			return
		}
		name := m.Payload.Name().Local
		mu.Lock()
		isDown := down
		if isDown {
			refused++
		} else {
			ops = append(ops, name)
		}
		mu.Unlock()
		if isDown {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		resp := `<wsnt:` + name + `Response/>`
		if name == "Subscribe" {
			resp = `<wsnt:SubscribeResponse><wsnt:SubscriptionReference><wsa:Address>http://` + r.Host + `/sub/1</wsa:Address></wsnt:SubscriptionReference></wsnt:SubscribeResponse>`
		}
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<s:Envelope xmlns:s="`+soap.NS11+`" xmlns:wsnt="`+NSB+`" xmlns:wsa="`+soap.WSANS+`"><s:Body>`+resp+`</s:Body></s:Envelope>`)
	}))
	defer pub.Close()
	calls := func() string { mu.Lock(); defer mu.Unlock(); return strings.Join(ops, ",") }
	setDown := func(d bool) { mu.Lock(); down = d; mu.Unlock() }

	r := e.post(pathBroker, soap.V11, registerXML(pub.URL, "tns:a", true, ""))
	reg := strings.TrimPrefix(r.address("PublisherRegistrationReference"), e.base)
	c := newConsumer(t)
	subscribeID(t, e, soap.V11, subscribeXML(c.URL, simpleTopic("tns:a"), ""))
	checkfor.True(t, waitTimeout, "Subscribe at the publisher", func() bool { return calls() == "Subscribe" })
	setDown(true)
	if r := e.post(reg, soap.V11, `<wsn-br:DestroyRegistration xmlns:wsn-br="`+NSBR+`"/>`); r.status != 200 {
		t.Fatalf("DestroyRegistration: HTTP %d\n%s", r.status, r.body)
	}
	checkfor.True(t, waitTimeout, "the broker to try while the publisher is down", func() bool { mu.Lock(); defer mu.Unlock(); return refused > 0 })
	e.restart()
	setDown(false)
	checkfor.True(t, waitTimeout, "Unsubscribe at the publisher after it is back", func() bool { return calls() == "Subscribe,Unsubscribe" })
}
