package agent

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsnotify/direct"
)

type recorder struct {
	mu  sync.Mutex
	got [][]byte
	err error
}

func (r *recorder) Publish(b []byte) (direct.Position, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return direct.Position{}, r.err
	}
	r.got = append(r.got, b)
	return direct.Position{Header: direct.Header{Session: 1, Epoch: 1}, Seq: uint64(len(r.got)), Frags: 1}, nil
}

const notify12 = `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2"><e:Body>` +
	`<wsnt:Notify><wsnt:NotificationMessage><wsnt:Message><m>1</m></wsnt:Message></wsnt:NotificationMessage></wsnt:Notify></e:Body></e:Envelope>`

func post(t *testing.T, url, ct, body string) *http.Response {
	t.Helper()
	resp, err := http.Post(url, ct, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestPublishHandler_AcceptsNotify(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(PublishHandler(&Router{All: rec}, xmldoc.Limits{}, nil))
	defer srv.Close()
	resp := post(t, srv.URL, soap.MediaType12, notify12)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("got HTTP %d, want 202", resp.StatusCode)
	}
	want := `<wsnt:Notify xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2"><wsnt:NotificationMessage><wsnt:Message><m>1</m></wsnt:Message></wsnt:NotificationMessage></wsnt:Notify>`
	if len(rec.got) != 1 || string(rec.got[0]) != want {
		t.Errorf("got published %q, want %q", rec.got, want)
	}
}

func TestPublishHandler_Faults(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(PublishHandler(&Router{All: rec}, xmldoc.Limits{}, nil))
	defer srv.Close()
	notNotify := strings.Replace(notify12, "wsnt:Notify", "wsnt:Subscribe", 2)
	resp := post(t, srv.URL, soap.MediaType12, notNotify)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "one wsnt:Notify") || !strings.Contains(string(body), soap.NS12) {
		t.Errorf("got HTTP %d %s, want 400 and a SOAP 1.2 Sender fault", resp.StatusCode, body)
	}
	rec.err = direct.ErrFull
	resp = post(t, srv.URL, soap.MediaType12, notify12)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("got HTTP %d Retry-After %q, want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

func TestPoster_PostsOrdinaryNotify(t *testing.T) {
	var mu sync.Mutex
	var got []*soap.Message
	consumer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, err := soap.ReadMessage(r.Body, xmldoc.Limits{})
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		mu.Lock()
		got = append(got, m)
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer consumer.Close()
	p := NewPoster(consumer.URL, soap.V11, consumer.Client(), 8, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Run(ctx)
	p.Deliver(direct.Delivery{Seq: 1, Notify: []byte(`<wsnt:Notify xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2"><x/></wsnt:Notify>`)})
	checkfor.True(t, 5*time.Second, "the consumer to get the notification", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 1 })
	if m := got[0]; m.Version != soap.V11 || m.Payload.Name() != notifyName {
		t.Errorf("got a SOAP %v envelope with %v, want SOAP 1.1 with wsnt:Notify", m.Version, m.Payload.Name())
	}
	if c := p.Counters(); c.Posted != 1 {
		t.Errorf("got %+v, want 1 posted", c)
	}
}

// TestPublishHandler_KeepsPrefixesTheNotifyUses: a Notify whose message
// uses the envelope's own prefix (a SOAP fault carried as a notification)
// is published with that binding: the bytes parse on their own and the
// fault keeps its namespace. Before, the binding was left out as "the
// envelope's", and every receiver got an undecodable datagram.
func TestPublishHandler_KeepsPrefixesTheNotifyUses(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(PublishHandler(&Router{All: rec}, xmldoc.Limits{}, nil))
	defer srv.Close()
	body := `<soapenv:Envelope xmlns:soapenv="` + soap.NS11 + `"><soapenv:Body><wsnt:Notify xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2">` +
		`<wsnt:NotificationMessage><wsnt:Message><soapenv:Fault><faultcode>soapenv:Server</faultcode></soapenv:Fault></wsnt:Message>` +
		`</wsnt:NotificationMessage></wsnt:Notify></soapenv:Body></soapenv:Envelope>`
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
	req.Header.Set("Content-Type", soap.V11.ContentType())
	req.Header.Set("SOAPAction", `""`)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || len(rec.got) != 1 {
		t.Fatalf("got HTTP %d and %d published, want 202 and 1", resp.StatusCode, len(rec.got))
	}
	doc, err := xmldoc.ParseBytes(rec.got[0], xmldoc.Limits{})
	if err != nil {
		t.Fatalf("published %s does not parse on its own: %v", rec.got[0], err)
	}
	fault := doc.Root().FirstChild().FirstChild().FirstChild()
	if n := fault.Name(); n.Space != soap.NS11 || n.Local != "Fault" {
		t.Errorf("got the message's element %v, want {%s}Fault", n, soap.NS11)
	}
}

// TestPublishHandler_MustUnderstand: the send agent is the ultimate
// receiver of the publisher's envelope (only the Notify travels on), so a
// mustUnderstand header it does not process gets a MustUnderstand fault in
// the request's SOAP version (SOAP 1.2 Part 1, 5.2.3; SOAP 1.1 note 4.2.3),
// and nothing is published; WS-Addressing headers are understood. Before,
// such a header (a security header, say) was silently dropped and the
// Notify sent on.
func TestPublishHandler_MustUnderstand(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(PublishHandler(&Router{All: rec}, xmldoc.Limits{}, nil))
	defer srv.Close()
	withHeader := func(h string) string {
		return strings.Replace(notify12, "<e:Body>", `<e:Header>`+h+`</e:Header><e:Body>`, 1)
	}
	resp := post(t, srv.URL, soap.MediaType12, withHeader(`<x:Sec xmlns:x="urn:x" e:mustUnderstand="true"/>`))
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(string(body), "MustUnderstand") ||
		!strings.Contains(string(body), soap.NS12) || len(rec.got) != 0 {
		t.Errorf("got HTTP %d %s and %d published, want 500, a SOAP 1.2 MustUnderstand fault and nothing published", resp.StatusCode, body, len(rec.got))
	}
	resp = post(t, srv.URL, soap.MediaType12, withHeader(`<a:Action xmlns:a="http://www.w3.org/2005/08/addressing" e:mustUnderstand="true">`+
		direct.ActionNotify+`</a:Action>`))
	if resp.StatusCode != http.StatusAccepted || len(rec.got) != 1 {
		t.Errorf("got HTTP %d and %d published, want 202 and 1 for a mustUnderstand wsa:Action", resp.StatusCode, len(rec.got))
	}
}

// notifyK is notification k as a receiver hands it over: a Notify of one
// NotificationMessage whose message uses a prefix the Notify declares.
func notifyK(k int) []byte {
	return fmt.Appendf(nil, `<wsnt:Notify xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:m="urn:m"><wsnt:NotificationMessage>`+
		`<wsnt:Message><m:n>%d</m:n></wsnt:Message></wsnt:NotificationMessage></wsnt:Notify>`, k)
}

// TestPoster_BatchesQueuedNotifications: while the consumer takes the
// first Notify, the notifications queued behind it go together in the
// next one, in order, each NotificationMessage keeping its namespace
// bindings; a gap ends a batch (what follows it is posted after it is
// handled), and a Notify that is not NotificationMessages only goes on
// its own. Before, every notification was a request of its own, one after
// the other: a consumer had as many round trips as notifications.
func TestPoster_BatchesQueuedNotifications(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var got [][]string // per request, the message texts ("<x/>" for a foreign child)
	consumer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, err := soap.ReadMessage(r.Body, xmldoc.Limits{})
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		var req []string
		for nm := m.Payload.FirstChild(); nm.Valid(); nm = nm.NextSibling() {
			if nm.Name() != notificationMessageName {
				req = append(req, "<"+nm.Name().Local+"/>")
				continue
			}
			n := nm.Child(direct.NSNotification, "Message").Child("urn:m", "n")
			if !n.Valid() {
				req = append(req, "unbound")
				continue
			}
			req = append(req, n.Text())
		}
		mu.Lock()
		got = append(got, req)
		first := len(got) == 1
		mu.Unlock()
		if first {
			<-release
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer consumer.Close()
	p := NewPoster(consumer.URL, soap.V11, consumer.Client(), 64, nil)
	p.MaxBatch = 3
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Run(ctx)
	p.Deliver(direct.Delivery{Seq: 1, Notify: notifyK(1)})
	checkfor.True(t, 5*time.Second, "the consumer to take the first Notify", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 1 })
	for k := 2; k <= 6; k++ { // 2, 3, 4 | 5, 6
		p.Deliver(direct.Delivery{Seq: uint64(k), Notify: notifyK(k)})
	}
	p.Gap(direct.Gap{From: 7, To: 7})
	p.Deliver(direct.Delivery{Seq: 8, Notify: notifyK(8)})
	p.Deliver(direct.Delivery{Seq: 9, Notify: []byte(`<wsnt:Notify xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2"><x/></wsnt:Notify>`)})
	p.Deliver(direct.Delivery{Seq: 10, Notify: notifyK(10)})
	close(release)
	want := [][]string{{"1"}, {"2", "3", "4"}, {"5", "6"}, {"8"}, {"<x/>"}, {"10"}}
	checkfor.True(t, 5*time.Second, "every notification posted", func() bool { return p.Counters().Posted == 9 })
	mu.Lock()
	defer mu.Unlock()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got requests %q, want %q", got, want)
	}
	if c := p.Counters(); c.Requests != 6 || c.Batched != 5 || c.GapsUnrecovered != 1 {
		t.Errorf("got %+v, want 6 requests, 5 notifications batched, 1 gap unrecovered", c)
	}
}
