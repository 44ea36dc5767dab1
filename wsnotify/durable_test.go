package wsnotify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/soap"
)

// receives waits until r has received exactly want, in order.
func receives(t *testing.T, r *recorder, what string, want []string) {
	t.Helper()
	checkfor.Until(t, waitTimeout, func() error {
		if got := r.Received(); !slices.Equal(got, want) {
			return fmt.Errorf("%s: got %d %q, want %d %q", what, len(got), got, len(want), want)
		}
		return nil
	})
}

func TestDurable_SubscribeGrantsWhatWasAsked(t *testing.T) {
	cfg := testConfig()
	cfg.Durable.MaxAge = time.Hour
	e := newDurableEnv(t, cfg)
	c := newRecorder(t)
	for _, tc := range []struct {
		name, policy string
		want         []string
	}{
		{"ExactlyOnce over WS-RM", rmAssertion("ExactlyOnce"), []string{`protocol="ws-rm-1.2"`, `assurance="ExactlyOnce"`, `inOrder="true"`, `maxAge="PT3600S"`}},
		{"AtLeastOnce over WS-RM", rmAssertion("AtLeastOnce"), []string{`protocol="ws-rm-1.2"`, `assurance="AtLeastOnce"`}},
		{"AtMostOnce is granted ExactlyOnce", rmAssertion("AtMostOnce"), []string{`assurance="ExactlyOnce"`}},
		{"plain durable, retention lowered and capped", deliveryPolicy(`maxAge="PT2H" maxMessages="10" maxBytes="4096"`, `maxAttempts="7"`),
			[]string{`protocol="http"`, `assurance="AtLeastOnce"`, `maxAge="PT3600S"`, `maxMessages="10"`, `maxBytes="4096"`, `maxAttempts="7"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, r := e.subscribeID(soap.V11, subscribeXML(c.URL, simpleTopic("tns:t"), tc.policy))
			body := string(r.body)
			// The extension follows the standard content (b-2.xsd: xsd:any ##other after TerminationTime).
			if i, j := strings.Index(body, "TerminationTime>"), strings.Index(body, "<wsgwd:Delivery"); j < 0 || j < i {
				t.Fatalf("got no Delivery element after TerminationTime:\n%s", body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("got %s\nwant it to contain %s", body, w)
				}
			}
		})
	}
	t.Run("best effort states nothing", func(t *testing.T) {
		_, r := e.subscribeID(soap.V11, subscribeXML(c.URL, simpleTopic("tns:t"), ""))
		if strings.Contains(string(r.body), "Delivery") {
			t.Fatalf("got a Delivery element for a best-effort subscription:\n%s", r.body)
		}
	})
}

func TestDurable_PolicyFaults(t *testing.T) {
	e := newDurableEnv(t, testConfig())
	plain := newEnv(t, testConfig(), "")
	c := newRecorder(t)
	pp := e.post(pathCreatePullPoint, soap.V11, `<wsnt:CreatePullPoint xmlns:wsnt="`+NSB+`"/>`).address("PullPoint")
	for _, tc := range []struct {
		name     string
		env      *env
		consumer string
		policy   string
		want     string
	}{
		{"unknown namespace", e, c.URL, `<wsnt:SubscriptionPolicy><x:Other xmlns:x="urn:other"/></wsnt:SubscriptionPolicy>`, "UnrecognizedPolicyRequestFault"},
		{"WS-RM Policy 2005 is another namespace", e, c.URL, `<wsnt:SubscriptionPolicy><r:RMAssertion xmlns:r="http://schemas.xmlsoap.org/ws/2005/02/rm/policy"/></wsnt:SubscriptionPolicy>`, "UnrecognizedPolicyRequestFault"},
		{"SequenceSTR", e, c.URL, `<wsnt:SubscriptionPolicy><wsrmp:RMAssertion xmlns:wsrmp="` + NSRMP + `"><wsrmp:SequenceSTR/></wsrmp:RMAssertion></wsnt:SubscriptionPolicy>`, "UnsupportedPolicyRequestFault"},
		{"two assurances", e, c.URL, `<wsnt:SubscriptionPolicy><wsrmp:RMAssertion xmlns:wsrmp="` + NSRMP + `"><wsrmp:DeliveryAssurance><wsrmp:ExactlyOnce/><wsrmp:AtLeastOnce/></wsrmp:DeliveryAssurance></wsrmp:RMAssertion></wsnt:SubscriptionPolicy>`, "UnsupportedPolicyRequestFault"},
		{"bad retention", e, c.URL, deliveryPolicy(`maxAge="soon"`, ""), "UnsupportedPolicyRequestFault"},
		{"negative attempts", e, c.URL, deliveryPolicy("", `maxAttempts="-1"`), "UnsupportedPolicyRequestFault"},
		{"pull point consumer", e, pp, rmAssertion("ExactlyOnce"), "UnsupportedPolicyRequestFault"},
		{"broker without a durable queue", plain, c.URL, rmAssertion("ExactlyOnce"), "UnsupportedPolicyRequestFault"},
		{"broker without a durable queue, extension", plain, c.URL, deliveryPolicy("", ""), "UnsupportedPolicyRequestFault"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.env.post(pathBroker, soap.V12, subscribeXML(tc.consumer, "", tc.policy))
			if got := r.faultDetail(); r.status != http.StatusBadRequest || got != tc.want {
				t.Fatalf("got HTTP %d %s, want 400 %s\n%s", r.status, got, tc.want, r.body)
			}
		})
	}
}

func TestDurable_PlainAtLeastOnceInOrderWithDeliveryID(t *testing.T) {
	e := newDurableEnv(t, testConfig())
	c := newRecorder(t)
	id, _ := e.subscribeID(soap.V11, subscribeXML(c.URL, simpleTopic("tns:t"), deliveryPolicy("", "")))
	e.notifyN("p", 0, 20)
	receives(t, c, "plain durable consumer", want("p", 0, 20))
	ids := c.DeliveryIDs()
	if len(ids) != 20 {
		t.Fatalf("got %d distinct delivery ids, want 20: %v", len(ids), ids)
	}
	for _, did := range ids {
		if !strings.HasPrefix(did, "wsn:"+id+"#") {
			t.Fatalf("got delivery id %q, want wsn:%s#<n>", did, id)
		}
	}
}

func TestDurable_RMExactlyOnceInOrderOneSequencePerSubscription(t *testing.T) {
	e := newDurableEnv(t, testConfig())
	c := newRecorder(t)
	// Two subscriptions to the same consumer address: a sequence each.
	e.subscribeID(soap.V11, subscribeXML(c.URL, simpleTopic("tns:a"), rmAssertion("ExactlyOnce")))
	e.subscribeID(soap.V12, subscribeXML(c.URL, simpleTopic("tns:b"), rmAssertion("ExactlyOnce")))
	var wantA []string
	for i := range 15 {
		for _, tp := range []string{"a", "b"} {
			if r := e.post(pathBroker, soap.V11, notifyXML("tns:"+tp, fmt.Sprintf("<m:n>%s-%d</m:n>", tp, i))); r.status != http.StatusAccepted {
				t.Fatalf("Notify: HTTP %d", r.status)
			}
		}
		wantA = append(wantA, fmt.Sprintf("a-%d", i))
	}
	checkfor.Until(t, waitTimeout, func() error {
		if n := len(c.Received()); n != 30 {
			return fmt.Errorf("got %d messages, want 30", n)
		}
		return nil
	})
	got := c.Received()
	var gotA []string
	for _, g := range got {
		if strings.HasPrefix(g, "a-") {
			gotA = append(gotA, g)
		}
	}
	if !slices.Equal(gotA, wantA) {
		t.Fatalf("subscription a: got %q, want %q", gotA, wantA)
	}
	if n := c.Sequences(); n != 2 {
		t.Fatalf("got %d sequences, want 2 (one per subscription)", n)
	}
	if n := c.Twice(); n != 0 {
		t.Fatalf("got %d delivery ids as more than one message, want 0", n)
	}
}

// A consumer down for a while gets everything when it comes back, in
// order, and does not delay the other subscriptions meanwhile.
func TestDurable_ConsumerDownThenUp(t *testing.T) {
	for _, kind := range []string{"plain", "rm"} {
		t.Run(kind, func(t *testing.T) {
			e := newDurableEnv(t, testConfig())
			down, up := newRecorder(t), newRecorder(t)
			policy := deliveryPolicy("", "")
			if kind == "rm" {
				policy = rmAssertion("ExactlyOnce")
			}
			down.SetDown(true)
			e.subscribeID(soap.V11, subscribeXML(down.URL, simpleTopic("tns:t"), policy))
			e.subscribeID(soap.V11, subscribeXML(up.URL, simpleTopic("tns:t"), policy))
			e.notifyN("d", 0, 30)
			receives(t, up, "the consumer that is up", want("d", 0, 30))
			if got := down.Received(); len(got) != 0 {
				t.Fatalf("the consumer that is down got %q", got)
			}
			down.SetDown(false)
			receives(t, down, "the consumer back up", want("d", 0, 30))
			if n := down.Twice(); kind == "rm" && n != 0 {
				t.Fatalf("got %d delivery ids twice over WS-RM, want 0", n)
			}
		})
	}
}

func TestDurable_PauseKeepsResumeDrainsInOrder(t *testing.T) {
	e := newDurableEnv(t, testConfig())
	c := newRecorder(t)
	id, _ := e.subscribeID(soap.V11, subscribeXML(c.URL, simpleTopic("tns:t"), rmAssertion("ExactlyOnce")))
	e.notifyN("x", 0, 3)
	receives(t, c, "before the pause", want("x", 0, 3))
	if r := e.post(pathSubscriptions+id, soap.V11, `<wsnt:PauseSubscription xmlns:wsnt="`+NSB+`"/>`); r.status != http.StatusOK {
		t.Fatalf("Pause: HTTP %d %s", r.status, r.body)
	}
	e.notifyN("x", 3, 10)
	if n, held := e.group(id); n != 7 || !held {
		t.Fatalf("got %d messages kept, held %v, want 7 held", n, held)
	}
	if st := e.b.Stats(); st.Durable != 1 || st.DurableQueued != 7 || st.Queued != 7 {
		t.Fatalf("Stats: got %d durable, %d durable queued, %d queued, want 1, 7, 7", st.Durable, st.DurableQueued, st.Queued)
	}
	if got := c.Received(); len(got) != 3 {
		t.Fatalf("got %d messages while paused, want 3", len(got))
	}
	// The pause survives a restart.
	e.restart()
	id2 := id
	if r := e.post(pathSubscriptions+id2, soap.V11, `<wsnt:ResumeSubscription xmlns:wsnt="`+NSB+`"/>`); r.status != http.StatusOK {
		t.Fatalf("Resume: HTTP %d %s", r.status, r.body)
	}
	receives(t, c, "after Resume", want("x", 0, 10))
}

func TestDurable_RetentionOverflowGoesToDeadLetters(t *testing.T) {
	e := newDurableEnv(t, testConfig())
	c := newRecorder(t)
	id, _ := e.subscribeID(soap.V11, subscribeXML(c.URL, simpleTopic("tns:t"), deliveryPolicy(`maxMessages="3"`, "")))
	if r := e.post(pathSubscriptions+id, soap.V11, `<wsnt:PauseSubscription xmlns:wsnt="`+NSB+`"/>`); r.status != http.StatusOK {
		t.Fatalf("Pause: HTTP %d", r.status)
	}
	e.notifyN("o", 0, 8)
	if n, _ := e.group(id); n != 3 {
		t.Fatalf("got %d kept, want 3", n)
	}
	checkfor.True(t, waitTimeout, "5 dead letters in the broker's list, counted", func() bool {
		return e.deadLetterCount() == 5 && count(e.b.metrics.durableDead.WithLabelValues(queueing.ReasonOverflow)) == 5
	})
	dl, err := e.b.st.Read(context.Background(), deadLetters, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var rec deadLetter
	if err := json.Unmarshal(dl[0].Value, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Subscription != id || rec.Reason != queueing.ReasonOverflow || !strings.Contains(string(rec.Messages[0]), "o-0") {
		t.Fatalf("got dead letter %+v, want subscription %s, reason overflow, message o-0", rec, id)
	}
	e.post(pathSubscriptions+id, soap.V11, `<wsnt:ResumeSubscription xmlns:wsnt="`+NSB+`"/>`)
	receives(t, c, "the newest 3", want("o", 5, 8))
}

func TestDurable_MaxAgeAndMaxAttemptsGoToDeadLetters(t *testing.T) {
	e := newDurableEnv(t, testConfig())
	c := newRecorder(t)
	c.SetDown(true)
	e.subscribeID(soap.V11, subscribeXML(c.URL, simpleTopic("tns:a"), deliveryPolicy("", `maxAttempts="2"`)))
	e.subscribeID(soap.V11, subscribeXML(c.URL, simpleTopic("tns:b"), deliveryPolicy(`maxAge="PT60S"`, "")))
	e.post(pathBroker, soap.V11, notifyXML("tns:a", "<m:n>a</m:n>"))
	checkfor.True(t, waitTimeout, "max attempts dead letter", func() bool {
		return count(e.b.metrics.durableDead.WithLabelValues(queueing.ReasonMaxAttempts)) == 1
	})
	e.post(pathBroker, soap.V11, notifyXML("tns:b", "<m:n>b</m:n>"))
	e.clock.Add(2 * time.Minute)
	checkfor.True(t, waitTimeout, "expired dead letter", func() bool {
		return count(e.b.metrics.durableDead.WithLabelValues(queueing.ReasonExpired)) == 1
	})
	if n := e.deadLetterCount(); n != 2 {
		t.Fatalf("got %d dead letters, want 2", n)
	}
}

func TestDurable_UnsubscribeAndExpiryDropTheQueue(t *testing.T) {
	e := newDurableEnv(t, testConfig())
	c := newRecorder(t)
	c.SetDown(true)
	gone, _ := e.subscribeID(soap.V11, subscribeXML(c.URL, simpleTopic("tns:t"), deliveryPolicy("", "")))
	short, _ := e.subscribeID(soap.V11, subscribeXML(c.URL, simpleTopic("tns:t"),
		`<wsnt:InitialTerminationTime>PT1M</wsnt:InitialTerminationTime>`+deliveryPolicy("", "")))
	e.notifyN("u", 0, 5)
	if n, _ := e.group(gone); n != 5 {
		t.Fatalf("got %d queued, want 5", n)
	}
	if r := e.post(pathSubscriptions+gone, soap.V11, `<wsnt:Unsubscribe xmlns:wsnt="`+NSB+`"/>`); r.status != http.StatusOK {
		t.Fatalf("Unsubscribe: HTTP %d", r.status)
	}
	if n, _ := e.group(gone); n != 0 {
		t.Fatalf("got %d queued after Unsubscribe, want 0", n)
	}
	e.clock.Add(2 * time.Minute)
	checkfor.True(t, waitTimeout, "expired subscription's queue dropped", func() bool { n, _ := e.group(short); return n == 0 && !e.hasSub(short) })
	if st := e.queue.Stats(); st.Length != 0 {
		t.Fatalf("got %d messages in the durable queue, want 0", st.Length)
	}
}

// TestDurable_AllMakesEverySubscriptionDurable: with Durable.All, a
// subscription without a policy is durable (at least once over HTTP) and
// what it is sent while its consumer is down survives a restart.
func TestDurable_AllMakesEverySubscriptionDurable(t *testing.T) {
	cfg := testConfig()
	cfg.Durable.All = true
	e := newDurableEnv(t, cfg)
	c := newRecorder(t)
	c.SetDown(true)
	_, r := e.subscribeID(soap.V11, subscribeXML(c.URL, simpleTopic("tns:t"), ""))
	if !strings.Contains(string(r.body), `protocol="http"`) {
		t.Fatalf("got no durable grant:\n%s", r.body)
	}
	e.notifyN("all", 0, 5)
	e.restart()
	c.SetDown(false)
	receives(t, c, "after a restart", want("all", 0, 5))
}
