package wsnotify

import (
	"strings"
	"testing"

	"github.com/wsgw/wsgw/soap"
)

func createPullPoint(t *testing.T, e *env, v soap.Version) string {
	t.Helper()
	r := e.post(pathCreatePullPoint, v, bodyOp("CreatePullPoint"))
	pp := r.address("PullPoint")
	if r.status != 200 || !strings.HasPrefix(pp, e.base+pathPullPoints) {
		t.Fatalf("CreatePullPoint: HTTP %d\n%s", r.status, r.body)
	}
	return pp
}

func getMessages(max string) string {
	s := `<wsnt:GetMessages xmlns:wsnt="` + NSB + `">`
	if max != "" {
		s += `<wsnt:MaximumNumber>` + max + `</wsnt:MaximumNumber>`
	}
	return s + `</wsnt:GetMessages>`
}

func TestBroker_PullPointStoresUntilGetMessages(t *testing.T) {
	for _, v := range versions {
		e := newEnv(t, testConfig(), "")
		pp := createPullPoint(t, e, v)
		path := strings.TrimPrefix(pp, e.base)
		subscribeID(t, e, v, subscribeXML(pp, simpleTopic("tns:t"), ""))
		for i := range 3 {
			e.post(pathBroker, v, notifyXML("tns:t", "<m:n>"+string(rune('a'+i))+"</m:n>"))
		}
		e.post(path, v, notifyXML("tns:direct", "<m:n>d</m:n>")) // Notify into the pull point itself
		r := e.post(path, v, getMessages("2"))
		if got := strings.Count(string(r.body), "<wsnt:NotificationMessage>"); r.status != 200 || got != 2 {
			t.Fatalf("GetMessages(2): HTTP %d, %d messages, want 2\n%s", r.status, got, r.body)
		}
		if !strings.Contains(string(r.body), ">a</m:n>") || !strings.Contains(string(r.body), "SubscriptionReference") {
			t.Fatalf("first message not oldest or without SubscriptionReference:\n%s", r.body)
		}
		e.restart() // stored messages survive
		path = strings.Replace(path, e.base, "", 1)
		r = e.post(path, v, getMessages(""))
		if got := strings.Count(string(r.body), "<wsnt:NotificationMessage>"); got != 2 || !strings.Contains(string(r.body), ">d</m:n>") {
			t.Fatalf("GetMessages after restart: %d messages, want 2 (c, d)\n%s", got, r.body)
		}
		r = e.post(path, v, getMessages("1"))
		if strings.Contains(string(r.body), "NotificationMessage") {
			t.Fatalf("GetMessages on an empty pull point returned messages:\n%s", r.body)
		}
		checkFault(t, e.post(path, v, getMessages("-1")), v, "UnableToGetMessagesFault", "MaximumNumber")
		if r := e.post(path, v, bodyOp("DestroyPullPoint")); r.status != 200 || !strings.Contains(string(r.body), "DestroyPullPointResponse") {
			t.Fatalf("DestroyPullPoint: HTTP %d\n%s", r.status, r.body)
		}
		checkFault(t, e.post(path, v, getMessages("")), v, "ResourceUnknownFault", "")
		if n := e.subCount(); n != 0 {
			t.Fatalf("got %d subscriptions after DestroyPullPoint, want its subscription gone", n)
		}
	}
}

func TestBroker_PullPointBound(t *testing.T) {
	cfg := testConfig()
	cfg.MaxPullPoints = 1
	cfg.MaxPullPointMessages = 2
	e := newEnv(t, cfg, "")
	pp := createPullPoint(t, e, soap.V11)
	checkFault(t, e.post(pathCreatePullPoint, soap.V11, bodyOp("CreatePullPoint")), soap.V11, "UnableToCreatePullPointFault", "maximum")
	path := strings.TrimPrefix(pp, e.base)
	for range 4 {
		e.post(path, soap.V11, notifyXML("tns:t", "<m:x/>"))
	}
	r := e.post(path, soap.V11, getMessages(""))
	if got := strings.Count(string(r.body), "<wsnt:NotificationMessage>"); got != 2 {
		t.Fatalf("got %d messages, want the bound 2", got)
	}
}

func TestBroker_GetCurrentMessage(t *testing.T) {
	for _, v := range versions {
		e := newEnv(t, testConfig(), "")
		e.post(pathBroker, v, notifyXML("tns:a/b", "<m:v>1</m:v>"))
		e.post(pathBroker, v, notifyXML("tns:a/b", "<m:v>2</m:v>"))
		concrete := `<wsnt:Topic Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete">tns:a/b</wsnt:Topic>`
		r := e.post(pathBroker, v, `<wsnt:GetCurrentMessage xmlns:wsnt="`+NSB+`" xmlns:tns="urn:topics">`+concrete+`</wsnt:GetCurrentMessage>`)
		if r.status != 200 || !strings.Contains(string(r.body), `>2</m:v></wsnt:GetCurrentMessageResponse>`) {
			t.Fatalf("GetCurrentMessage: HTTP %d, want the last message\n%s", r.status, r.body)
		}
		e.restart()
		r = e.post(pathBroker, v, `<wsnt:GetCurrentMessage xmlns:wsnt="`+NSB+`" xmlns:tns="urn:topics">`+concrete+`</wsnt:GetCurrentMessage>`)
		if !strings.Contains(string(r.body), `>2</m:v>`) {
			t.Fatalf("GetCurrentMessage after restart lost the message:\n%s", r.body)
		}
	}
}

func TestBroker_GetCurrentMessageFixedSet(t *testing.T) {
	cfg := testConfig()
	cfg.Topics = TopicsConfig{Fixed: true, Topics: []string{"{urn:topics}a"}}
	e := newEnv(t, cfg, "")
	checkFault(t, e.post(pathBroker, soap.V12, getCurrent(simpleTopic("tns:b"))), soap.V12, "TopicNotSupportedFault", "")
}
