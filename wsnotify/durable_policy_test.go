package wsnotify

import (
	"strings"
	"testing"

	"github.com/wsgw/wsgw/soap"
)

// TestDurable_DeliveryExtensionRefusesWhatItDoesNotKnow: an element or
// attribute the Delivery extension does not define (a typo, say) is an
// UnsupportedPolicyRequestFault (WS-BaseNotification 1.3, 4.2) naming it,
// in the request's SOAP version, rather than defaults granted silently.
func TestDurable_DeliveryExtensionRefusesWhatItDoesNotKnow(t *testing.T) {
	e := newDurableEnv(t, testConfig())
	c := newRecorder(t)
	for _, tc := range []struct {
		name, policy string
		want         []string // in the fault
	}{
		{"unknown children", `<wsnt:SubscriptionPolicy><wsgwd:Delivery xmlns:wsgwd="` + NSDelivery + `"><wsgwd:Retension maxAge="PT1H"/><x:Other xmlns:x="urn:other"/></wsgwd:Delivery></wsnt:SubscriptionPolicy>`,
			[]string{"Retension", "q:Retension", "{urn:other}Other", "q:Other"}},
		{"attribute typo", deliveryPolicy(`maxAgee="PT1H"`, ""),
			[]string{"maxAgee", `q:Retention`}},
		{"attribute on DeadLetter", deliveryPolicy("", `maxAttempt="3"`),
			[]string{"maxAttempt", `q:DeadLetter`}},
		{"attribute on Delivery", `<wsnt:SubscriptionPolicy><wsgwd:Delivery xmlns:wsgwd="` + NSDelivery + `" durable="yes"/></wsnt:SubscriptionPolicy>`,
			[]string{"durable", `q:Delivery`}},
		{"child of Retention", `<wsnt:SubscriptionPolicy><wsgwd:Delivery xmlns:wsgwd="` + NSDelivery + `"><wsgwd:Retention><wsgwd:Forever/></wsgwd:Retention></wsgwd:Delivery></wsnt:SubscriptionPolicy>`,
			[]string{"Forever", `q:Forever`}},
	} {
		for _, v := range []soap.Version{soap.V11, soap.V12} {
			t.Run(tc.name+" "+v.String(), func(t *testing.T) {
				r := e.post(pathBroker, v, subscribeXML(c.URL, simpleTopic("tns:t"), tc.policy))
				if got := r.faultDetail(); got != "UnsupportedPolicyRequestFault" {
					t.Fatalf("got HTTP %d %s, want UnsupportedPolicyRequestFault\n%s", r.status, got, r.body)
				}
				if r.msg.Version != v {
					t.Fatalf("got a SOAP %v fault, want %v", r.msg.Version, v)
				}
				f, _ := r.msg.Fault()
				for _, w := range tc.want {
					if !strings.Contains(string(f.Detail), w) {
						t.Errorf("got detail %s\nwant it to name %s", f.Detail, w)
					}
				}
			})
		}
	}
	if n := e.subCount(); n != 0 {
		t.Fatalf("got %d subscriptions, want 0", n)
	}
}

// TestDurable_DeliveryBoundsGranted: maxAttempts is granted at most the
// broker's MaxAttemptsLimit; a maxAge under a second is granted a second,
// and written back as such.
func TestDurable_DeliveryBoundsGranted(t *testing.T) {
	cfg := testConfig()
	cfg.Durable.MaxAttemptsLimit = 50
	e := newDurableEnv(t, cfg)
	c := newRecorder(t)
	for _, tc := range []struct {
		name, retention, deadLetter string
		want                        []string
	}{
		{"maxAttempts over the limit", "", `maxAttempts="1000000"`, []string{`maxAttempts="50"`}},
		{"maxAttempts within the limit", "", `maxAttempts="49"`, []string{`maxAttempts="49"`}},
		{"maxAge under a second", `maxAge="PT0.2S"`, "", []string{`maxAge="PT1S"`}},
		{"maxAge of a second and a half", `maxAge="PT1.5S"`, "", []string{`maxAge="PT1.5S"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, r := e.subscribeID(soap.V11, subscribeXML(c.URL, simpleTopic("tns:t"), deliveryPolicy(tc.retention, tc.deadLetter)))
			for _, w := range tc.want {
				if !strings.Contains(string(r.body), w) {
					t.Errorf("got %s\nwant it to contain %s", r.body, w)
				}
			}
			e.b.mu.RLock()
			d := e.b.subs[id].durable
			e.b.mu.RUnlock()
			if tc.retention != "" && d.MaxAge < 1e9 {
				t.Errorf("got maxAge %v granted, want at least 1s", d.MaxAge)
			}
		})
	}
}
