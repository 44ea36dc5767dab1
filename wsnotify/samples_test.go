package wsnotify

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap"
)

const smx = "servicemix/"

// TestBroker_ServiceMixSubscribeSamples sends the ServiceMix WSN test
// messages (Subscribe payloads) in SOAP 1.1 and 1.2 envelopes. The sample
// consumer host www.consumer.org resolves to loopback in these tests.
func TestBroker_ServiceMixSubscribeSamples(t *testing.T) {
	tests := []struct{ file, fault string }{
		{"subscribe-no-itt.xml", ""},
		{"subscribe-nil-itt.xml", ""},
		{"subscribe-raw.xml", ""},
		{"subscribe-no-topic.xml", ""},
		{"subscription/subscribe.xml", ""},
		{"subscribe-abs-itt.xml", "UnacceptableInitialTerminationTimeFault"}, // 2007 is past
		{"subscribe-empty-itt.xml", "UnacceptableInitialTerminationTimeFault"},
		{"subscribe-pp.xml", "InvalidProducerPropertiesExpressionFault"}, // empty expression
		{"subscribe-epr.xml", "SubscribeCreationFailedFault"},            // a JBI reference, no wsa:Address
		{"pullpoint/subscribe.xml", "SubscribeCreationFailedFault"},      // "endpoint:" address
	}
	e := newEnv(t, testConfig(), "")
	for _, v := range versions {
		for _, tt := range tests {
			t.Run(v.String()+"/"+tt.file, func(t *testing.T) {
				r := e.post(pathBroker, v, sample(t, smx+tt.file))
				if tt.fault != "" {
					checkFault(t, r, v, tt.fault, "")
					return
				}
				if r.status != http.StatusOK || r.address("SubscriptionReference") == "" {
					t.Fatalf("got HTTP %d, want a SubscribeResponse\n%s", r.status, r.body)
				}
			})
		}
	}
}

func TestBroker_ServiceMixPullPointAndUnsubscribeSamples(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	if r := e.post(pathCreatePullPoint, soap.V11, sample(t, smx+"pullpoint/pullpoint.xml")); r.status != 200 || r.address("PullPoint") == "" {
		t.Fatalf("CreatePullPoint sample: HTTP %d\n%s", r.status, r.body)
	}
	unsub := sample(t, smx+"WSN-Unsubsribe-Input.xml") // a whole SOAP 1.1 envelope
	checkFaultNoWSA(t, postRaw(t, e.base+pathSubscriptions+"ID-192-168-1-102", soap.V11, unsub), "ResourceUnknownFault")
	id := subscribeID(t, e, soap.V11, sample(t, smx+"subscribe-no-itt.xml"))
	if r := postRaw(t, e.base+pathSubscriptions+id, soap.V11, unsub); r.status != 200 {
		t.Fatalf("Unsubscribe sample: HTTP %d\n%s", r.status, r.body)
	}
}

func checkFaultNoWSA(t *testing.T, r reply, fault string) {
	t.Helper()
	if got := r.faultDetail(); got != fault {
		t.Fatalf("got fault %q, want %s\n%s", got, fault, r.body)
	}
}

// TestBroker_ClientSamples replays whole envelopes of other clients: OKSE
// (python load test), a Go client of a CXF broker (EUROCONTROL) and WS-Nu.
func TestBroker_ClientSamples(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	c := newConsumer(t)
	okseSub := strings.Replace(strings.Replace(sample(t, "okse/SUBSCRIBE_XPATH.xml"), "%s", c.URL, 1), "%s", "okse", 1)
	r := postRaw(t, e.base+pathBroker, soap.V11, okseSub)
	id := strings.TrimPrefix(r.address("SubscriptionReference"), e.base+pathSubscriptions)
	if r.status != 200 || id == "" {
		t.Fatalf("OKSE Subscribe: HTTP %d\n%s", r.status, r.body)
	}
	okseNotify := strings.Replace(sample(t, "okse/NOTIFY.xml"), "%s", "okse", 1)
	for _, content := range []string{"skip", "derp"} {
		n := strings.Replace(okseNotify, "<Content>%s</Content>", "<message>"+content+"</message>", 1)
		if r := postRaw(t, e.base+pathBroker, soap.V11, n); r.status != http.StatusAccepted {
			t.Fatalf("OKSE Notify: HTTP %d\n%s", r.status, r.body)
		}
	}
	checkfor.True(t, waitTimeout, "the derp message", func() bool { return c.count() == 1 })
	if got := c.message(0); !strings.Contains(got, ">derp</message>") {
		t.Fatalf("got %s, want only the message the XPath selects", got)
	}
	if r := postRaw(t, e.base+pathSubscriptions+id, soap.V11, sample(t, "okse/PAUSE.xml")); r.status != 200 {
		t.Fatalf("OKSE Pause: HTTP %d\n%s", r.status, r.body)
	}
	checkFault(t, postRaw(t, e.base+pathSubscriptions+id, soap.V11, sample(t, "okse/RENEW.xml")), soap.V11, "UnacceptableTerminationTimeFault", "") // 2016
	reg := strings.Replace(strings.Replace(sample(t, "okse/REGISTER.xml"), "%s", "http://127.0.0.1:1/p", 1), "%s", "ox:quotes", 1)
	checkFault(t, postRaw(t, e.base+pathBroker, soap.V11, reg), soap.V11, "UnacceptableInitialTerminationTimeFault", "") // 2016

	r = postRaw(t, e.base+pathCreatePullPoint, soap.V12, sample(t, "eurocontrol-go/createPullPoint.xml"))
	pp := strings.TrimPrefix(r.address("PullPoint"), e.base)
	if r.status != 200 || pp == "" {
		t.Fatalf("EUROCONTROL CreatePullPoint: HTTP %d\n%s", r.status, r.body)
	}
	get := strings.Replace(sample(t, "eurocontrol-go/getMessages.xml"), "{{.HowMany}}", "5", 1)
	if r := postRaw(t, e.base+pp, soap.V12, get); r.status != 200 || !strings.Contains(string(r.body), "GetMessagesResponse") {
		t.Fatalf("EUROCONTROL GetMessages: HTTP %d\n%s", r.status, r.body)
	}
	if r := postRaw(t, e.base+pp, soap.V12, sample(t, "eurocontrol-go/destroyPullPoint.xml")); r.status != 200 {
		t.Fatalf("EUROCONTROL DestroyPullPoint: HTTP %d\n%s", r.status, r.body)
	}

	// WS-Nu's sample uses the SOAP 1.2 draft namespace: VersionMismatch.
	r = postRaw(t, e.base+pathBroker, soap.V12, sample(t, "ws-nu/server_test_subscribe.xml"))
	if f, ok := r.msg.Fault(); !ok || f.Code != soap.CodeVersionMismatch {
		t.Fatalf("WS-Nu draft-namespace Subscribe: got HTTP %d, want VersionMismatch\n%s", r.status, r.body)
	}
}
