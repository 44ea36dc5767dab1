package gateway

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/wsnotify"
	"github.com/wsgw/wsgw/wsreliable"
	"github.com/wsgw/wsgw/wssecurity"
)

func failedAuthentication(t *testing.T, what string, r response) {
	t.Helper()
	if r.status != http.StatusInternalServerError || !strings.Contains(r.body, "FailedAuthentication") {
		t.Errorf("%s: got %d %s, want a wsse:FailedAuthentication fault", what, r.status, r.body)
	}
}

// The broker obeys broker.security: who may call an operation, who may
// publish on a topic (and its descendants) and who may receive from it;
// a subscription by an expression selecting every topic is delivered only
// what its caller may receive. Refusals are WS-Security faults; a
// mustUnderstand Security header is the broker's to understand.
func TestBroker_SecurityRules(t *testing.T) {
	sec := &BrokerSecurity{
		Operations: map[string]wssecurity.Rule{"RegisterPublisher": {Groups: []string{"admins"}}},
		Topics: []TopicRule{{Topic: "{urn:topics}stock", Notify: wssecurity.Rule{Users: []string{"alice"}},
			Receive: wssecurity.Rule{Groups: []string{"traders"}}}},
	}
	url, _ := brokerGatewayIn(t, t.TempDir(), wsnotify.Config{Egress: egress.Loopback()}, sec)
	broker := url + "/wsn/NotificationBroker"
	notify := func(topic string) string {
		return `<wsnt:Notify><wsnt:NotificationMessage><wsnt:Topic Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete">` +
			topic + `</wsnt:Topic><wsnt:Message><m:x xmlns:m="urn:m">` + topic + `</m:x></wsnt:Message></wsnt:NotificationMessage></wsnt:Notify>`
	}
	subscribe := func(consumer, dialect, expr string) string {
		return `<wsnt:Subscribe><wsnt:ConsumerReference><wsa:Address>` + consumer + `</wsa:Address></wsnt:ConsumerReference>` +
			`<wsnt:Filter><wsnt:TopicExpression Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/` + dialect + `">` +
			expr + `</wsnt:TopicExpression></wsnt:Filter></wsnt:Subscribe>`
	}
	failedAuthentication(t, "bob's Notify on tns:stock/ibm", wsnAs(t, "bob", broker, notify("tns:stock/ibm")))
	failedAuthentication(t, "an anonymous Notify on tns:stock", wsnAs(t, "", broker, notify("tns:stock")))
	failedAuthentication(t, "bob's Subscribe to tns:stock/ibm", wsnAs(t, "bob", broker, subscribe("http://127.0.0.1:1/x", "Concrete", "tns:stock/ibm")))
	failedAuthentication(t, "bob's RegisterPublisher", wsnAs(t, "bob", broker,
		`<wsn-br:RegisterPublisher xmlns:wsn-br="http://docs.oasis-open.org/wsn/br-2"/>`))
	if r := wsnAs(t, "admin", broker, `<wsn-br:RegisterPublisher xmlns:wsn-br="http://docs.oasis-open.org/wsn/br-2"/>`); r.status != http.StatusOK {
		t.Errorf("admin's RegisterPublisher: got %d %s, want 200", r.status, r.body)
	}

	bobs, alices := newRecorder(t), newRecorder(t)
	for who, c := range map[string]*recorder{"bob": bobs, "alice": alices} {
		if r := wsnAs(t, who, broker, subscribe(c.URL, "Full", "//*")); r.status != http.StatusOK {
			t.Fatalf("%s's Subscribe to every topic: got %d %s", who, r.status, r.body)
		}
	}
	// The marker comes last to every subscription: whoever has it has
	// had all it will get.
	for _, topic := range []string{"tns:stock/ibm", "tns:weather", "tns:marker"} {
		if r := wsnAs(t, "alice", broker, notify(topic)); r.status != http.StatusAccepted {
			t.Fatalf("alice's Notify on %s: got %d %s", topic, r.status, r.body)
		}
	}
	checkfor.True(t, 5*time.Second, "the marker at both consumers", func() bool {
		return strings.Contains(bobs.all(), "tns:marker") && strings.Contains(alices.all(), "tns:marker")
	})
	if got := bobs.all(); strings.Contains(got, "tns:stock/ibm") || !strings.Contains(got, "tns:weather") {
		t.Errorf("bob received %s, want tns:weather and not tns:stock/ibm", got)
	}
	if got := alices.all(); !strings.Contains(got, "tns:stock/ibm") {
		t.Errorf("alice received %s, want tns:stock/ibm", got)
	}
}

// A reliable service's security section applies to its reliable
// messaging requests (who may CreateSequence: ReliableOperations) and to
// the operation a sequence message carries (Operations), so that no rule
// is bypassed by sending the request in a sequence. The checked Security
// header is neither stored nor delivered (the backend refuses one).
func TestReliable_SecurityRules(t *testing.T) {
	b := newLogBackend(t)
	db := openTestDB(t, t.TempDir())
	defer db.Close()
	svc := reliableQuote(b)
	svc.Security = &ServiceSecurity{
		ReliableOperations: map[string]wssecurity.Rule{"CreateSequence": {Users: []string{"alice", "admin"}}},
		Operations:         map[string]wssecurity.Rule{"SetQuote": {Groups: []string{"admins"}}},
	}
	url, stop := serveWithDB(t, Config{Security: SecurityConfig{Users: testUsers(t)}, Services: []ServiceConfig{svc}}, db)
	defer stop()
	url += "/services/Quotes"
	create := func(user string) response {
		hdr := token(user, false, "") + `<wsa:Action xmlns:wsa="` + rmWSANS + `">` + wsreliable.ActionCreateSequence + `</wsa:Action>`
		return postRM(t, url, hdr, `<wsrm:CreateSequence xmlns:wsrm="`+wsreliable.NSRM+`" xmlns:wsa="`+rmWSANS+
			`"><wsrm:AcksTo><wsa:Address>`+rmWSANS+`/anonymous</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence>`)
	}
	failedAuthentication(t, "bob's CreateSequence", create("bob"))
	seqOf := func(user string) string {
		t.Helper()
		r := create(user)
		m := identRE.FindStringSubmatch(r.body)
		if r.status != http.StatusOK || m == nil {
			t.Fatalf("%s's CreateSequence: got %d %s", user, r.status, r.body)
		}
		return m[1]
	}
	alices, admins := seqOf("alice"), seqOf("admin")
	send := func(user, seq string, n int) response {
		hdr := token(user, false, "") + fmt.Sprintf(`<wsrm:Sequence xmlns:wsrm="%s"><wsrm:Identifier>%s</wsrm:Identifier>`+
			`<wsrm:MessageNumber>%d</wsrm:MessageNumber></wsrm:Sequence>`, wsreliable.NSRM, seq, n)
		return postRM(t, url, hdr, setQuote(fmt.Sprint(user, n)))
	}
	failedAuthentication(t, "alice's SetQuote in her sequence", send("alice", alices, 1))
	// A sequence is its creator's (WS-RM 1.2, 5.1.3): admin may SetQuote,
	// but not in alice's sequence.
	if r := send("admin", alices, 1); !strings.Contains(r.body, "UnknownSequence") {
		t.Errorf("admin's SetQuote in alice's sequence: got %d %s, want wsrm:UnknownSequence", r.status, r.body)
	}
	if r := send("admin", admins, 1); r.status != http.StatusOK {
		t.Fatalf("admin's SetQuote in his sequence: got %d %s", r.status, r.body)
	}
	b.waitLog(t, "admin1")
}

// Rules name only what exists: reliable operations of a reliable service,
// the broker's operations, topics that parse, once each, with a broker.
func TestSecurity_ValidateReliableAndBrokerRules(t *testing.T) {
	svc := quoteService("Quotes", partitionOf(newBackend(t, "r0")))
	svc.Security = &ServiceSecurity{ReliableOperations: map[string]wssecurity.Rule{"Create": {}, "CreateSequence": {}}}
	wantValidateErrors(t, []validateCase{
		{"reliable operations", Config{Services: []ServiceConfig{svc}}, []string{
			`Services[0].Security.ReliableOperations[Create]: "Create": want one of`,
			"Services[0].Security.ReliableOperations: the service is not reliable"}},
		{"broker rules", Config{Broker: &wsnotify.Config{}, BrokerSecurity: &BrokerSecurity{
			Operations: map[string]wssecurity.Rule{"Publish": {}},
			Topics:     []TopicRule{{Topic: "{urn:t}a"}, {Topic: "{urn:t}a"}, {Topic: "{unclosed"}}}}, []string{
			`BrokerSecurity.Operations[Publish]: "Publish": want one of`,
			"BrokerSecurity.Topics[1].Topic: {urn:t}a has a rule already (topics[0])",
			"BrokerSecurity.Topics[2].Topic: "}},
		{"no broker", Config{BrokerSecurity: &BrokerSecurity{}}, []string{"BrokerSecurity: there is no broker"}},
	})
}
