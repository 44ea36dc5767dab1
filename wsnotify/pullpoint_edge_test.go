package wsnotify

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// TestBroker_SubscribeToPullPointDestroyedMeanwhile: a Subscribe whose
// consumer is a pull point destroyed between the consumer check and the
// creation must fail, not leave a subscription delivering into nothing.
func TestBroker_SubscribeToPullPointDestroyedMeanwhile(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	pp := e.post(pathCreatePullPoint, soap.V11, bodyOp("CreatePullPoint")).address("PullPoint")
	m, err := soap.ReadMessageBytes([]byte(envelope(soap.V11, subscribeXML(pp, "", ""))), xmldoc.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	req := &request{r: httptest.NewRequest("POST", "/", nil), msg: m, raw: m.Doc.Raw(), v: m.Version, now: e.clock.Now()}
	rec := subRecord{ID: newID(), Consumer: pp, Termination: req.now.Add(2 * time.Hour)}
	if err := e.b.checkConsumer(req, &rec); err != nil {
		t.Fatal(err)
	}
	if err := e.b.destroyPullPoint(req.storeCtx(), strings.TrimPrefix(pp, e.base+pathPullPoints)); err != nil {
		t.Fatal(err)
	}
	s, _ := compileSub(rec, req.now)
	if err := e.b.createSub(req.storeCtx(), s, req.now); err == nil {
		t.Fatal("createSub for a destroyed pull point succeeded, want SubscribeCreationFailedFault")
	}
	if n := e.subCount(); n != 0 {
		t.Fatalf("got %d subscriptions, want 0", n)
	}
}

// TestBroker_LargeNotifyIntoPullPoint: a Notify within the request limits
// whose messages and current messages exceed one badger transaction is
// stored in several, not refused with an internal error (after its push
// deliveries were already queued).
func TestBroker_LargeNotifyIntoPullPoint(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	pp := e.post(pathCreatePullPoint, soap.V11, bodyOp("CreatePullPoint")).address("PullPoint")
	subscribeID(t, e, soap.V11, subscribeXML(pp, "", ""))
	big := strings.Repeat("x", 900<<10)
	var msgs strings.Builder
	for i := range 10 {
		msgs.WriteString(`<wsnt:NotificationMessage><wsnt:Topic Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple">tns:t` +
			string(rune('a'+i)) + `</wsnt:Topic><wsnt:Message><m:big>` + big + `</m:big></wsnt:Message></wsnt:NotificationMessage>`)
	}
	notify := `<wsnt:Notify xmlns:wsnt="` + NSB + `" xmlns:tns="urn:topics" xmlns:m="urn:msg">` + msgs.String() + `</wsnt:Notify>`
	if r := e.post(pathBroker, soap.V11, notify); r.status != 202 {
		t.Fatalf("Notify of 10 x 900 KiB: got HTTP %d, want 202\n%.600s", r.status, r.body)
	}
	r := e.post(strings.TrimPrefix(pp, e.base), soap.V11, `<wsnt:GetMessages xmlns:wsnt="`+NSB+`"/>`)
	if got := strings.Count(string(r.body), "<wsnt:NotificationMessage>"); got != 10 {
		t.Fatalf("GetMessages: got %d messages, want 10", got)
	}
}

// TestBroker_GetMessagesReplyBounded: GetMessages answers with as many
// stored messages as fit the configured message size (at least one), not
// every stored message in one reply of unbounded size; the rest stay for
// the next call.
func TestBroker_GetMessagesReplyBounded(t *testing.T) {
	cfg := testConfig()
	cfg.Limits = xmldoc.Limits{MaxBytes: 2 << 20}
	e := newEnv(t, cfg, "")
	pp := e.post(pathCreatePullPoint, soap.V11, bodyOp("CreatePullPoint")).address("PullPoint")
	subscribeID(t, e, soap.V11, subscribeXML(pp, "", ""))
	big := strings.Repeat("x", 900<<10)
	for range 3 {
		if r := e.post(pathBroker, soap.V11, notifyXML("tns:t", "<m:big>"+big+"</m:big>")); r.status != 202 {
			t.Fatalf("Notify: HTTP %d\n%.600s", r.status, r.body)
		}
	}
	for _, want := range []int{2, 1} {
		r := e.post(strings.TrimPrefix(pp, e.base), soap.V11, `<wsnt:GetMessages xmlns:wsnt="`+NSB+`"/>`)
		if got := strings.Count(string(r.body), "<wsnt:NotificationMessage>"); got != want {
			t.Fatalf("GetMessages: got %d messages (%d bytes), want %d within 2 MiB", got, len(r.body), want)
		}
	}
}

// TestBroker_PausedPullPointSubscriptionKeepsAcrossRestart: what a paused
// subscription whose consumer is a pull point keeps for Resume is stored
// like the pull point's messages, so a restart loses none of it; the
// bound (Delivery.PausedLen) keeps the newest.
func TestBroker_PausedPullPointSubscriptionKeepsAcrossRestart(t *testing.T) {
	cfg := testConfig()
	cfg.Delivery.PausedLen = 2
	e := newEnv(t, cfg, "")
	pp := e.post(pathCreatePullPoint, soap.V11, bodyOp("CreatePullPoint")).address("PullPoint")
	ppPath := strings.TrimPrefix(pp, e.base)
	id := subscribeID(t, e, soap.V11, subscribeXML(pp, "", ""))
	e.post(pathSubscriptions+id, soap.V11, bodyOp("PauseSubscription"))
	for _, n := range []string{"a", "b", "c"} {
		e.post(pathBroker, soap.V11, notifyXML("tns:t", "<m:n>"+n+"</m:n>"))
	}
	e.restart()
	if r := e.post(pathSubscriptions+id, soap.V11, bodyOp("ResumeSubscription")); r.status != 200 {
		t.Fatalf("Resume: HTTP %d\n%s", r.status, r.body)
	}
	e.post(pathBroker, soap.V11, notifyXML("tns:t", "<m:n>d</m:n>"))
	r := e.post(ppPath, soap.V11, `<wsnt:GetMessages xmlns:wsnt="`+NSB+`"/>`)
	body := string(r.body)
	if got := strings.Count(body, "<wsnt:NotificationMessage>"); got != 3 {
		t.Fatalf("GetMessages after restart and Resume: got %d messages, want 3 (b, c, d)\n%s", got, body)
	}
	if b, c, d := strings.Index(body, ">b</m:n>"), strings.Index(body, ">c</m:n>"), strings.Index(body, ">d</m:n>"); b < 0 || !(b < c && c < d) {
		t.Fatalf("got messages out of order or missing, want b, c, d:\n%s", body)
	}
	if strings.Contains(body, ">a</m:n>") {
		t.Fatalf("got the oldest message beyond PausedLen=2:\n%s", body)
	}
}
