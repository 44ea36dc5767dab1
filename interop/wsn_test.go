package interop

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

const (
	wsntNS   = "http://docs.oasis-open.org/wsn/b-2"
	wsaNS    = "http://www.w3.org/2005/08/addressing"
	topicsNS = "urn:wsgw:interop:topics"
)

// consumer is a NotificationConsumer on loopback that keeps the
// wsnt:Notify envelopes it receives.
type consumer struct {
	*httptest.Server
	mu     sync.Mutex // guards bodies
	bodies [][]byte
}

func newConsumer(t *testing.T) *consumer {
	c := &consumer{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.bodies = append(c.bodies, b)
		c.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *consumer) received() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][]byte(nil), c.bodies...)
}

// notification is what the test reads from one delivered NotificationMessage.
type notification struct {
	subscription, topicNS, topic, payload string
}

// parseNotify reads the NotificationMessages of a wsnt:Notify envelope.
func parseNotify(body []byte) ([]notification, error) {
	doc, err := xmldoc.ParseBytes(body, xmldoc.Limits{})
	if err != nil {
		return nil, err
	}
	var b xmldoc.Element
	for e := doc.Root().FirstChild(); e.Valid(); e = e.NextSibling() {
		if e.Name().Local == "Body" {
			b = e
		}
	}
	notify := b.Child(wsntNS, "Notify")
	if !notify.Valid() {
		return nil, fmt.Errorf("no wsnt:Notify in %s", body)
	}
	var out []notification
	for m := notify.FirstChild(); m.Valid(); m = m.NextSibling() {
		topic := m.Child(wsntNS, "Topic")
		prefix, path, _ := strings.Cut(strings.TrimSpace(topic.Text()), ":")
		ns, _ := topic.LookupNamespace(prefix)
		start, end := m.Child(wsntNS, "Message").Span()
		out = append(out, notification{
			subscription: m.Child(wsntNS, "SubscriptionReference").Child(wsaNS, "Address").Text(),
			topicNS:      ns, topic: path, payload: string(body[start:end]),
		})
	}
	return out, nil
}

type wsnSubscribed struct {
	Zeep            string `json:"zeep"`
	Subscription    string `json:"subscription"`
	CurrentTime     string `json:"current_time"`
	TerminationTime string `json:"termination_time"`
}

type wsnManaged struct {
	Renewed string `json:"renewed_termination_time"`
	Fault   *struct {
		Message string `json:"message"`
		Code    string `json:"code"`
		Detail  string `json:"detail"`
	} `json:"fault_after_unsubscribe"`
}

// runZeep runs testdata/wsn_client.py with args and decodes its JSON into out.
func runZeep(t *testing.T, out any, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, python, append([]string{"testdata/wsn_client.py"}, args...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("zeep wsn client %s: %v\nstderr:\n%s", args[0], err, stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		t.Fatalf("decoding zeep output: %v\n%s", err, stdout.String())
	}
}

// TestZeep_BrokerSubscribeNotifyRenewUnsubscribe: zeep, with the broker's
// WSDL served offline by the demo gateway, subscribes a Go consumer to
// ex:quotes/ACME and notifies on it; the consumer must receive the
// message with that topic. Then zeep renews and unsubscribes, and a renew
// after that is a ResourceUnknownFault.
func TestZeep_BrokerSubscribeNotifyRenewUnsubscribe(t *testing.T) {
	requireZeep(t)
	d := startDemo(t)
	c := newConsumer(t)
	wsdlURL := d.Broker.WSDL

	var sub wsnSubscribed
	runZeep(t, &sub, "subscribe", wsdlURL, c.URL+"/consumer")
	t.Logf("zeep %s subscribed: %s", sub.Zeep, sub.Subscription)
	if !strings.HasPrefix(sub.Subscription, d.URL+"/wsn/subscriptions/") {
		t.Fatalf("subscription reference: got %q, want one under %s/wsn/subscriptions/", sub.Subscription, d.URL)
	}
	if sub.CurrentTime == "" || sub.TerminationTime <= sub.CurrentTime {
		t.Errorf("SubscribeResponse times: current %q, termination %q; want termination after current", sub.CurrentTime, sub.TerminationTime)
	}

	var got notification
	checkfor.Until(t, 20*time.Second, func() error {
		for _, body := range c.received() {
			ns, err := parseNotify(body)
			if err != nil {
				return err
			}
			if len(ns) > 0 {
				got = ns[0]
				return nil
			}
		}
		return fmt.Errorf("the consumer has received no Notify")
	})
	if got.topicNS != topicsNS || got.topic != "quotes/ACME" {
		t.Errorf("delivered topic: got {%s}%s, want {%s}quotes/ACME", got.topicNS, got.topic, topicsNS)
	}
	if got.subscription != sub.Subscription {
		t.Errorf("delivered SubscriptionReference: got %q, want %q", got.subscription, sub.Subscription)
	}
	if !strings.Contains(got.payload, ">ACME<") || !strings.Contains(got.payload, ">42.5<") {
		t.Errorf("delivered message: got %s, want the ACME 42.5 quote", got.payload)
	}

	var m wsnManaged
	runZeep(t, &m, "manage", wsdlURL, sub.Subscription)
	if m.Renewed <= sub.TerminationTime {
		t.Errorf("Renew: termination time %q, want after the first %q", m.Renewed, sub.TerminationTime)
	}
	if m.Fault == nil || !strings.Contains(m.Fault.Detail, "ResourceUnknownFault") {
		t.Errorf("Renew after Unsubscribe: got fault %+v, want a ResourceUnknownFault", m.Fault)
	}
	metrics := httpGet(t, d.URL+"/metrics")
	if !strings.Contains(metrics, "\nwsgw_wsn_subscriptions 0\n") {
		t.Errorf("after Unsubscribe: /metrics has no wsgw_wsn_subscriptions 0")
	}
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestZeep_DurableConsumerGetsEverythingInOrder: a consumer the project
// did not write (testdata/wsn_consumer.py: zeep reads each request as the
// Notify of the broker's WSDL) subscribes durably (wsgw's Delivery
// extension: at least once over plain HTTP); it is down for its first
// requests, and still gets every notification, in order, each with its
// Wsgw-Delivery-Id.
func TestZeep_DurableConsumerGetsEverythingInOrder(t *testing.T) {
	requireZeep(t)
	d := startDemo(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	lines, stderr, first := startLines(t, exec.CommandContext(ctx, python, "testdata/wsn_consumer.py", d.Broker.WSDL, "3"), "the zeep consumer")
	consumerURL, _ := strings.CutPrefix(first, "listening ")
	sub := wsnPost(t, d.URL+"/wsn/NotificationBroker", `<wsnt:Subscribe><wsnt:ConsumerReference><wsa:Address>`+consumerURL+`</wsa:Address></wsnt:ConsumerReference>`+
		`<wsnt:SubscriptionPolicy><d:Delivery xmlns:d="urn:wsgw:delivery:1"/></wsnt:SubscriptionPolicy></wsnt:Subscribe>`)
	if !strings.Contains(sub, `durable="true"`) {
		t.Fatalf("Subscribe: got %s, want a durable grant", sub)
	}
	const n = 10
	for i := range n {
		wsnPost(t, d.URL+"/wsn/NotificationBroker", fmt.Sprintf(`<wsnt:Notify><wsnt:NotificationMessage><wsnt:Message><q:Reading xmlns:q="urn:wsgw:interop:readings">r%d</q:Reading></wsnt:Message></wsnt:NotificationMessage></wsnt:Notify>`, i))
	}
	var got, ids []string
	timeout := time.After(40 * time.Second)
	for len(got) < n {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the zeep consumer ended\n%s", stderr.String())
			}
			var rec struct {
				ID       string   `json:"id"`
				Payloads []string `json:"payloads"`
			}
			if err := json.Unmarshal([]byte(l), &rec); err != nil {
				t.Fatalf("consumer line %q: %v", l, err)
			}
			got = append(got, rec.Payloads...)
			ids = append(ids, rec.ID)
		case <-timeout:
			t.Fatalf("got %q after 40s, want r0..r%d\n%s", got, n-1, stderr.String())
		}
	}
	for i, p := range got {
		if want := fmt.Sprintf("r%d", i); p != want {
			t.Fatalf("got %q, want r0..r%d in order", got, n-1)
		}
	}
	for _, id := range ids {
		if !strings.HasPrefix(id, "wsn:") {
			t.Fatalf("got delivery ids %q, want each wsn:<subscription>#<n>", ids)
		}
	}
}

// wsnPost posts payload in a SOAP 1.1 envelope declaring wsnt and wsa,
// and returns the reply body; a status other than 200 or 202 fails t.
func wsnPost(t *testing.T, url, payload string) string {
	t.Helper()
	body := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsnt="` + wsntNS + `" xmlns:wsa="` + wsaNS + `"><s:Body>` + payload + `</s:Body></s:Envelope>`
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `""`)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST %s: HTTP %d\n%s", url, resp.StatusCode, b)
	}
	return string(b)
}

// startLines starts cmd (what, in messages), its stdin a pipe that stays
// open until the test ends (then cmd is killed), and returns its stdout
// lines after the first, its stderr, and that first line, which it waits
// for (the process says it is ready).
func startLines(t *testing.T, cmd *exec.Cmd, what string) (lines <-chan string, stderr *bytes.Buffer, first string) {
	t.Helper()
	if _, err := cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr = &bytes.Buffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() }) //nolint:errcheck // killed
	ch := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			ch <- sc.Text()
		}
		close(ch)
	}()
	select {
	case first = <-ch:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not start\n%s", what, stderr.String())
	}
	return ch, stderr, first
}
