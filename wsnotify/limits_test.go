package wsnotify

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/internal/loopback"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// postFrom posts payload to the broker from the loopback address ip: a
// client of its own, so a caller of its own (package caller).
func (e *env) postFrom(ip, path string, payload string) reply {
	e.t.Helper()
	c := loopback.ClientFrom(ip)
	defer c.CloseIdleConnections()
	req, _ := http.NewRequest(http.MethodPost, e.base+path, strings.NewReader(envelope(soap.V11, payload)))
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `""`)
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, body: b}
	if len(b) > 0 {
		if r.msg, err = soap.ReadMessageBytes(b, xmldoc.Limits{}); err != nil {
			e.t.Fatalf("reply not a SOAP envelope: %v\n%s", err, b)
		}
	}
	return r
}

// Every kind of resource a request creates is bounded per caller: at its
// bound a caller gets the spec's fault while another caller still
// creates, and the bound holds after a restart (the caller is stored
// with each resource).
func TestBroker_PerCallerBoundsHoldAcrossRestart(t *testing.T) {
	cfg := testConfig()
	cfg.MaxSubscriptionsPerCaller, cfg.MaxPullPointsPerCaller, cfg.MaxRegistrationsPerCaller = 2, 2, 2
	e := newEnv(t, cfg, "")
	c := newConsumer(t)
	const stranger, other = "127.0.0.1", "127.0.0.2"
	kinds := []struct {
		name, path, body, fault string
	}{
		{"subscriptions", pathBroker, subscribeXML(c.URL+"/c", "", ""), "SubscribeCreationFailedFault"},
		{"pull points", pathCreatePullPoint, bodyOp("CreatePullPoint"), "UnableToCreatePullPointFault"},
		{"registrations", pathBroker, `<wsn-br:RegisterPublisher xmlns:wsn-br="` + NSBR + `"/>`, "PublisherRegistrationRejectedFault"},
	}
	for _, k := range kinds {
		for i := range 2 {
			if r := e.postFrom(stranger, k.path, k.body); r.status != 200 {
				t.Fatalf("%s: the stranger's %d: HTTP %d %s", k.name, i+1, r.status, r.body)
			}
		}
	}
	check := func(when string) {
		t.Helper()
		for _, k := range kinds {
			r := e.postFrom(stranger, k.path, k.body)
			if got := r.faultDetail(); got != k.fault || !strings.Contains(string(r.body), "caller") {
				t.Errorf("%s %s: the stranger's next: got HTTP %d %s, want %s for its bound", k.name, when, r.status, got, k.fault)
			}
			if r := e.postFrom(other, k.path, k.body); r.status != 200 {
				t.Errorf("%s %s: another caller: got HTTP %d %s, want 200", k.name, when, r.status, r.body)
			}
		}
	}
	check("before a restart")
	e.restart()
	c.Close()
	c = newConsumer(t)
	kinds[0].body = subscribeXML(c.URL+"/c", "", "")
	check("after a restart")
}

// A pull point ends when nobody took its messages for
// PullPointIdleTimeout, or PullPointLifetime after its creation, also
// across a restart; its end gives its caller's place back.
func TestBroker_PullPointsEndIdleOrOld(t *testing.T) {
	cfg := testConfig()
	cfg.PullPointIdleTimeout, cfg.PullPointLifetime, cfg.MaxPullPointsPerCaller = time.Hour, 3*time.Hour, 1
	e := newEnv(t, cfg, "")
	pp := createPullPoint(t, e, soap.V11)
	path := strings.TrimPrefix(pp, e.base)
	get := func() reply { return e.post(path, soap.V11, getMessages("")) }
	// Used every 40 minutes, it lives on, across a restart too.
	for range 2 {
		e.clock.Add(40 * time.Minute)
		if r := get(); r.status != 200 {
			t.Fatalf("GetMessages after 40 minutes: HTTP %d %s", r.status, r.body)
		}
	}
	e.restart()
	e.clock.Add(40 * time.Minute)
	if r := get(); r.status != 200 {
		t.Fatalf("GetMessages after a restart: HTTP %d %s", r.status, r.body)
	}
	// The same caller has no room for a second one.
	if r := e.post(pathCreatePullPoint, soap.V11, bodyOp("CreatePullPoint")); r.faultDetail() != "UnableToCreatePullPointFault" {
		t.Fatalf("a second pull point: got HTTP %d %s, want UnableToCreatePullPointFault", r.status, r.body)
	}
	// Past its lifetime (3h; 2h used so far) it ends though it is used.
	e.clock.Add(40 * time.Minute)
	if r := get(); r.status != 200 {
		t.Fatalf("GetMessages at 2h40m: HTTP %d %s", r.status, r.body)
	}
	e.clock.Add(21 * time.Minute)
	checkfor.True(t, waitTimeout, "the pull point past its lifetime swept", func() bool { return e.ppCount() == 0 })
	if r := get(); r.faultDetail() != "ResourceUnknownFault" {
		t.Fatalf("GetMessages past the lifetime: got HTTP %d %s, want ResourceUnknownFault", r.status, r.body)
	}
	// Its place is free again; the new one, left idle, ends after an
	// hour, also when the broker was down meanwhile.
	createPullPoint(t, e, soap.V11)
	e.restart()
	e.clock.Add(61 * time.Minute)
	checkfor.True(t, waitTimeout, "the idle pull point swept", func() bool { return e.ppCount() == 0 })
	createPullPoint(t, e, soap.V11)
}

func (e *env) ppCount() int {
	e.b.mu.RLock()
	defer e.b.mu.RUnlock()
	return len(e.b.pps)
}

// A body declared over the limit is refused before it is read: the
// answer comes while the client has sent a few bytes of its 100 MiB.
func TestBroker_RefusesOverLimitBodyAtOnce(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	resp, body := loopback.PostDeclaring(t, strings.TrimPrefix(e.base, "http://"), pathBroker,
		[]string{"Content-Type: text/xml; charset=utf-8", `SOAPAction: ""`}, 100<<20, "<s:Envelope")
	if resp.StatusCode < 400 || !strings.Contains(body, "LimitExceeded") {
		t.Fatalf("got HTTP %d %s, want a LimitExceeded fault", resp.StatusCode, body)
	}
}

// Durable subscriptions, which keep messages on disk for their consumer,
// are bounded per caller (Durable.MaxSubscriptionsPerCaller) besides the
// subscriptions' own bound: at it a caller's next durable Subscribe gets
// SubscribeCreationFailedFault while its plain ones and another caller's
// durable ones still get through, also after a restart (the count is
// rebuilt from the stored subscriptions).
func TestBroker_DurableSubscriptionsBoundedPerCaller(t *testing.T) {
	cfg := testConfig()
	cfg.Durable.MaxSubscriptionsPerCaller = 2
	e := newDurableEnv(t, cfg)
	c := newRecorder(t)
	const stranger, other = "127.0.0.1", "127.0.0.2"
	durable := subscribeXML(c.URL, "", rmAssertion("ExactlyOnce"))
	for i := range 2 {
		if r := e.postFrom(stranger, pathBroker, durable); r.status != 200 {
			t.Fatalf("the stranger's durable subscription %d: HTTP %d %s", i+1, r.status, r.body)
		}
	}
	check := func(when string) {
		t.Helper()
		r := e.postFrom(stranger, pathBroker, durable)
		if got := r.faultDetail(); got != "SubscribeCreationFailedFault" || !strings.Contains(string(r.body), "durable subscriptions") {
			t.Errorf("%s: the stranger's third durable subscription: got HTTP %d %s, want SubscribeCreationFailedFault for its bound", when, r.status, r.body)
		}
		if r := e.postFrom(stranger, pathBroker, subscribeXML(c.URL, "", "")); r.status != 200 {
			t.Errorf("%s: the stranger's plain subscription: got HTTP %d %s, want 200", when, r.status, r.body)
		}
		if r := e.postFrom(other, pathBroker, durable); r.status != 200 {
			t.Errorf("%s: another caller's durable subscription: got HTTP %d %s, want 200", when, r.status, r.body)
		}
	}
	check("before a restart")
	e.restart()
	r := e.postFrom(stranger, pathBroker, durable)
	if got := r.faultDetail(); got != "SubscribeCreationFailedFault" {
		t.Errorf("after a restart: the stranger's third durable subscription: got HTTP %d %s, want SubscribeCreationFailedFault", r.status, r.body)
	}
	if r := e.postFrom("127.0.0.3", pathBroker, durable); r.status != 200 {
		t.Errorf("after a restart: a third caller's durable subscription: got HTTP %d %s, want 200", r.status, r.body)
	}
}
