package wsnotify

import (
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/caller"
	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/wsnotify/topic"
)

// headerGuard names the caller by the X-Caller header; mallory may not
// publish on tns:secret, eve may not receive from it, and eve may not
// create pull points.
type headerGuard struct{}

func (headerGuard) Admit(r *http.Request, m *soap.Message, op string) (caller.ID, error) {
	who := caller.User(r.Header.Get("X-Caller"))
	if who == caller.User("eve") && op == "CreatePullPoint" {
		return who, soap.NewFault(m.Version, soap.WSSEFailedAuthentication, "eve may not call "+op)
	}
	return who, nil
}

func (headerGuard) AllowTopic(who caller.ID, right TopicRight, t topic.Path, v soap.Version) error {
	if t.String() != "{urn:topics}secret" {
		return nil
	}
	if who == caller.User("mallory") && right == TopicNotify || who == caller.User("eve") && right == TopicReceive {
		return soap.NewFault(v, soap.WSSEFailedAuthentication, string(who)+" may not on "+t.String())
	}
	return nil
}

func (headerGuard) Understood(xml.Name) bool { return false }

func (e *env) postAs(who, path, payload string) reply {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.base+path, strings.NewReader(envelope(soap.V12, payload)))
	req.Header.Set("Content-Type", "application/soap+xml; charset=utf-8")
	req.Header.Set("X-Caller", who)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, body: b}
}

// The guard's rules hold for every way in: an operation refused, a
// Notify on a topic its caller may not publish on, a Subscribe or
// GetCurrentMessage on one it may not receive from; a subscription whose
// expression may select several topics is not delivered those its
// caller may not receive. Refusals are the guard's faults, in the
// request's SOAP version.
func TestBroker_GuardRules(t *testing.T) {
	e := &env{t: t, dir: t.TempDir(), clock: &clock{t: time.Now()}, guard: headerGuard{}}
	e.start(testConfig())
	t.Cleanup(e.close)
	refused := func(name string, r reply) {
		t.Helper()
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "FailedAuthentication") ||
			!strings.Contains(string(r.body), soap.NS12) {
			t.Errorf("%s: got HTTP %d %s, want a SOAP 1.2 wsse:FailedAuthentication fault", name, r.status, r.body)
		}
	}
	refused("eve's CreatePullPoint", e.postAs("eve", pathCreatePullPoint, bodyOp("CreatePullPoint")))
	refused("mallory's Notify on tns:secret", e.postAs("mallory", pathBroker, notifyXML("tns:secret", "<m:x>1</m:x>")))
	refused("eve's Subscribe to tns:secret", e.postAs("eve", pathBroker, subscribeXML("http://127.0.0.1:1/c", simpleTopic("tns:secret"), "")))
	refused("eve's GetCurrentMessage of tns:secret", e.postAs("eve", pathBroker, `<wsnt:GetCurrentMessage xmlns:wsnt="`+NSB+`" xmlns:tns="urn:topics">`+
		`<wsnt:Topic Dialect="`+topic.DialectSimple+`">tns:secret</wsnt:Topic></wsnt:GetCurrentMessage>`))

	c := newConsumer(t)
	full := `<wsnt:TopicExpression Dialect="` + topic.DialectFull + `">//*</wsnt:TopicExpression>`
	for _, who := range []string{"eve", "alice"} {
		if r := e.postAs(who, pathBroker, subscribeXML(c.URL+"/"+who, full, "")); r.status != 200 {
			t.Fatalf("%s's Subscribe to every topic: HTTP %d %s", who, r.status, r.body)
		}
	}
	// The marker comes last in every subscription's queue (delivery is
	// in order): once eve has it, she has had all she will get.
	for _, tp := range []string{"tns:secret", "tns:public", "tns:marker"} {
		if r := e.postAs("alice", pathBroker, notifyXML(tp, "<m:x>"+tp+"</m:x>")); r.status != http.StatusAccepted {
			t.Fatalf("alice's Notify on %s: HTTP %d %s", tp, r.status, r.body)
		}
	}
	to := func(who string) string {
		c.mu.Lock()
		defer c.mu.Unlock()
		var all strings.Builder
		for _, b := range c.bodies {
			if strings.Contains(string(b), "/"+who+"</wsa:To>") {
				all.Write(b)
			}
		}
		return all.String()
	}
	checkfor.True(t, waitTimeout, "the marker at both", func() bool {
		return strings.Contains(to("eve"), "tns:marker") && strings.Contains(to("alice"), "tns:marker")
	})
	if eve := to("eve"); strings.Contains(eve, "tns:secret") || !strings.Contains(eve, "tns:public") {
		t.Errorf("eve received %s, want tns:public and not tns:secret", eve)
	}
	if alice := to("alice"); !strings.Contains(alice, "tns:secret") {
		t.Errorf("alice received %s, want tns:secret too", alice)
	}
}
