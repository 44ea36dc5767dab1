package wsnotify

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/soap"
)

func itt(s string) string {
	return `<wsnt:InitialTerminationTime>` + s + `</wsnt:InitialTerminationTime>`
}

func TestBroker_SubscribeFaults(t *testing.T) {
	ok := "http://127.0.0.1:9/c"
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	far := time.Now().Add(24 * 365 * time.Hour).UTC().Format(time.RFC3339)
	tests := []struct {
		name, payload, fault, want string // want: a substring of the detail
	}{
		{"unknown filter", subscribeXML(ok, `<x:Other xmlns:x="urn:x"/>`, ""), "InvalidFilterFault", `UnknownFilter xmlns:q="urn:x">q:Other<`},
		{"dialect unknown", subscribeXML(ok, `<wsnt:TopicExpression Dialect="urn:nope">tns:a</wsnt:TopicExpression>`, ""), "TopicExpressionDialectUnknownFault", "Timestamp"},
		{"invalid topic expression", subscribeXML(ok, simpleTopic("tns:a/b"), ""), "InvalidTopicExpressionFault", "Description"},
		{"unbound topic prefix", subscribeXML(ok, simpleTopic("zz:a"), ""), "InvalidTopicExpressionFault", ""},
		{"invalid message content", subscribeXML(ok, `<wsnt:MessageContent Dialect="`+XPath1+`">m:a[[</wsnt:MessageContent>`, ""), "InvalidMessageContentExpressionFault", ""},
		{"message content dialect", subscribeXML(ok, `<wsnt:MessageContent Dialect="urn:sql">a</wsnt:MessageContent>`, ""), "InvalidMessageContentExpressionFault", ""},
		{"invalid producer properties", subscribeXML(ok, `<wsnt:ProducerProperties Dialect="`+XPath1+`">!!</wsnt:ProducerProperties>`, ""), "InvalidProducerPropertiesExpressionFault", ""},
		{"itt past", subscribeXML(ok, "", itt(past)), "UnacceptableInitialTerminationTimeFault", "MinimumTime"},
		{"itt negative duration", subscribeXML(ok, "", itt("-PT1M")), "UnacceptableInitialTerminationTimeFault", "MaximumTime"},
		{"itt beyond max", subscribeXML(ok, "", itt(far)), "UnacceptableInitialTerminationTimeFault", "MaximumTime"},
		{"itt garbage", subscribeXML(ok, "", itt("soon")), "UnacceptableInitialTerminationTimeFault", ""},
		{"unrecognized policy", subscribeXML(ok, "", `<wsnt:SubscriptionPolicy><x:Rel xmlns:x="urn:x"/></wsnt:SubscriptionPolicy>`), "UnrecognizedPolicyRequestFault", "UnrecognizedPolicy"},
		{"unsupported policy", subscribeXML(ok, "", `<wsnt:SubscriptionPolicy><wsnt:Other/></wsnt:SubscriptionPolicy>`), "UnsupportedPolicyRequestFault", "UnsupportedPolicy"},
		{"consumer refused by egress", subscribeXML("http://192.0.2.1/c", "", ""), "SubscribeCreationFailedFault", "not in an allowed network"},
		{"consumer scheme", subscribeXML("mailto:x@y", "", ""), "SubscribeCreationFailedFault", "not allowed"},
		{"no consumer", `<wsnt:Subscribe xmlns:wsnt="` + NSB + `"/>`, "SubscribeCreationFailedFault", "ConsumerReference"},
		{"unknown pull point", subscribeXML("PUBLIC/wsn/pullpoints/0000", "", ""), "SubscribeCreationFailedFault", "pull point"},
		{"topic not in fixed set", subscribeXML(ok, simpleTopic("tns:zzz"), ""), "TopicNotSupportedFault", ""},
	}
	cfg := testConfig()
	cfg.Topics = TopicsConfig{Fixed: true, Topics: []string{"{urn:topics}a", "{urn:topics}a/b"}}
	cfg.MaxTermination = 24 * time.Hour
	e := newEnv(t, cfg, "")
	for _, v := range versions {
		for _, tt := range tests {
			t.Run(v.String()+"/"+tt.name, func(t *testing.T) {
				r := e.post(pathBroker, v, strings.ReplaceAll(tt.payload, "PUBLIC", e.base))
				checkFault(t, r, v, tt.fault, tt.want)
			})
		}
	}
}

// checkFault checks a WSN fault reply: HTTP status of the version, the
// fault element in the detail, a BaseFault Timestamp, and want in the body.
func checkFault(t *testing.T, r reply, v soap.Version, fault, want string) {
	t.Helper()
	if got := r.faultDetail(); got != fault {
		t.Fatalf("got fault %q, want %s\n%s", got, fault, r.body)
	}
	f, _ := r.msg.Fault()
	wantStatus := http.StatusInternalServerError
	if v == soap.V12 && f.Code == soap.CodeSender {
		wantStatus = http.StatusBadRequest
	}
	if r.status != wantStatus {
		t.Errorf("got HTTP %d, want %d", r.status, wantStatus)
	}
	if r.msg.Version != v {
		t.Errorf("got SOAP %s reply, want %s", r.msg.Version, v)
	}
	if !strings.Contains(string(f.Detail), "Timestamp>") || !strings.Contains(string(r.body), want) {
		t.Errorf("fault detail lacks Timestamp or %q:\n%s", want, r.body)
	}
	if !strings.Contains(string(r.body), actFault) {
		t.Errorf("fault lacks wsa:Action %s", actFault)
	}
}

func TestBroker_ManagerFaults(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	c := newConsumer(t)
	r := e.post(pathBroker, soap.V11, subscribeXML(c.URL, "", ""))
	sub := strings.TrimPrefix(r.address("SubscriptionReference"), e.base)
	renew := func(tt string) string {
		return `<wsnt:Renew xmlns:wsnt="` + NSB + `"><wsnt:TerminationTime>` + tt + `</wsnt:TerminationTime></wsnt:Renew>`
	}
	tests := []struct {
		name, path, payload, fault string
	}{
		{"renew unknown", pathSubscriptions + "00", renew("PT1H"), "ResourceUnknownFault"},
		{"renew past", sub, renew("2001-01-01T00:00:00Z"), "UnacceptableTerminationTimeFault"},
		{"renew beyond max", sub, renew("P10Y"), "UnacceptableTerminationTimeFault"},
		{"unsubscribe unknown", pathSubscriptions + "00", `<wsnt:Unsubscribe xmlns:wsnt="` + NSB + `"/>`, "ResourceUnknownFault"},
		{"pause unknown", pathSubscriptions + "00", `<wsnt:PauseSubscription xmlns:wsnt="` + NSB + `"/>`, "ResourceUnknownFault"},
		{"resume unknown", pathSubscriptions + "00", `<wsnt:ResumeSubscription xmlns:wsnt="` + NSB + `"/>`, "ResourceUnknownFault"},
		{"get messages unknown", pathPullPoints + "00", `<wsnt:GetMessages xmlns:wsnt="` + NSB + `"/>`, "ResourceUnknownFault"},
		{"destroy pull point unknown", pathPullPoints + "00", `<wsnt:DestroyPullPoint xmlns:wsnt="` + NSB + `"/>`, "ResourceUnknownFault"},
		{"notify unknown pull point", pathPullPoints + "00", notifyXML("tns:a", "<m:x/>"), "ResourceUnknownFault"},
		{"destroy registration unknown", pathRegistrations + "00", `<wsn-br:DestroyRegistration xmlns:wsn-br="` + NSBR + `"/>`, "ResourceUnknownFault"},
		{"current message none", pathBroker, getCurrent(simpleTopic("tns:nothing")), "NoCurrentMessageOnTopicFault"},
		{"current message wildcard", pathBroker, getCurrent(`<wsnt:TopicExpression Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Full">tns:*</wsnt:TopicExpression>`), "MultipleTopicsSpecifiedFault"},
		{"current message dialect", pathBroker, getCurrent(`<wsnt:TopicExpression Dialect="urn:x">tns:a</wsnt:TopicExpression>`), "TopicExpressionDialectUnknownFault"},
		{"current message invalid", pathBroker, getCurrent(simpleTopic("tns:")), "InvalidTopicExpressionFault"},
		{"register demand without publisher", pathBroker, `<wsn-br:RegisterPublisher xmlns:wsn-br="` + NSBR + `"><wsn-br:Demand>true</wsn-br:Demand></wsn-br:RegisterPublisher>`, "PublisherRegistrationRejectedFault"},
		{"register publisher refused", pathBroker, registerXML("http://192.0.2.1/p", "tns:a", true, ""), "PublisherRegistrationRejectedFault"},
		{"register invalid topic", pathBroker, registerXML("", "tns:", false, ""), "InvalidTopicExpressionFault"},
		{"register past", pathBroker, registerXML("", "tns:a", false, "2001-01-01T00:00:00Z"), "UnacceptableInitialTerminationTimeFault"},
	}
	for _, v := range versions {
		for _, tt := range tests {
			t.Run(v.String()+"/"+tt.name, func(t *testing.T) {
				checkFault(t, e.post(tt.path, v, tt.payload), v, tt.fault, "")
			})
		}
	}
}

func getCurrent(topicExpr string) string {
	return `<wsnt:GetCurrentMessage xmlns:wsnt="` + NSB + `" xmlns:tns="urn:topics">` +
		strings.NewReplacer("<wsnt:TopicExpression ", "<wsnt:Topic ", "</wsnt:TopicExpression>", "</wsnt:Topic>").Replace(topicExpr) + `</wsnt:GetCurrentMessage>`
}

func registerXML(publisher, topicExpr string, demand bool, itt string) string {
	s := `<wsn-br:RegisterPublisher xmlns:wsn-br="` + NSBR + `" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:tns="urn:topics">`
	if publisher != "" {
		s += `<wsn-br:PublisherReference><wsa:Address>` + publisher + `</wsa:Address></wsn-br:PublisherReference>`
	}
	if topicExpr != "" {
		s += `<wsn-br:Topic Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete">` + topicExpr + `</wsn-br:Topic>`
	}
	if demand {
		s += `<wsn-br:Demand>true</wsn-br:Demand>`
	}
	if itt != "" {
		s += `<wsn-br:InitialTerminationTime>` + itt + `</wsn-br:InitialTerminationTime>`
	}
	return s + `</wsn-br:RegisterPublisher>`
}

func TestBroker_ProtocolFaults(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	for _, v := range versions {
		r := e.post(pathBroker, v, `<x:Nope xmlns:x="urn:x"/>`)
		if f, ok := r.msg.Fault(); !ok || r.status/100 != 4 && r.status != 500 || !strings.Contains(f.Reason, "no operation") {
			t.Errorf("SOAP %s unknown operation: got HTTP %d %s", v, r.status, r.body)
		}
		r = e.post(pathBroker, v, `<wsnt:Notify xmlns:wsnt="`+NSB+`"/>`)
		if _, ok := r.msg.Fault(); !ok {
			t.Errorf("SOAP %s empty Notify: got HTTP %d, want a fault", v, r.status)
		}
	}
	resp, err := http.Get(e.base + pathBroker)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET without ?wsdl: got %d, want 405", resp.StatusCode)
	}
}
