package wsnotify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/storage"
	"github.com/wsgw/wsgw/wsreliable"
)

var seqIDRE = regexp.MustCompile(`<[a-z]+:Identifier>([^<]+)</`)

// TestPublisher_NotifyInWSRMSequence: a publisher sends its Notifies to
// the broker endpoint in a WS-RM 1.2 sequence, out of order and with a
// retransmission; the durable consumer gets each once, in the sequence's
// order.
func TestPublisher_NotifyInWSRMSequence(t *testing.T) {
	e := newDurableEnv(t, testConfig())
	c := newRecorder(t)
	e.subscribeID(soap.V11, subscribeXML(c.URL, simpleTopic("tns:t"), rmAssertion("ExactlyOnce")))
	rmEnv := func(header, body string) string {
		return `<s:Envelope xmlns:s="` + soap.NS11 + `" xmlns:wsa="` + soap.WSANS + `" xmlns:wsrm="` + wsreliable.NSRM + `"><s:Header>` +
			header + `</s:Header><s:Body>` + body + `</s:Body></s:Envelope>`
	}
	r := postRaw(t, e.base+pathBroker, soap.V11, rmEnv(`<wsa:Action>`+wsreliable.ActionCreateSequence+`</wsa:Action>`,
		`<wsrm:CreateSequence><wsrm:AcksTo><wsa:Address>`+soap.WSAAnonymous+`</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence>`))
	m := seqIDRE.FindSubmatch(r.body)
	if r.status != http.StatusOK || m == nil {
		t.Fatalf("CreateSequence: HTTP %d\n%s", r.status, r.body)
	}
	seq := string(m[1])
	for _, n := range []int{2, 1, 3, 1} { // 2 waits for 1; 1 comes twice
		r := postRaw(t, e.base+pathBroker, soap.V11, rmEnv(
			fmt.Sprintf(`<wsa:Action>%s</wsa:Action><wsrm:Sequence><wsrm:Identifier>%s</wsrm:Identifier><wsrm:MessageNumber>%d</wsrm:MessageNumber></wsrm:Sequence>`, actNotify, seq, n),
			notifyXML("tns:t", fmt.Sprintf("<m:n>pub-%d</m:n>", n-1))))
		if r.status/100 != 2 {
			t.Fatalf("message %d: HTTP %d\n%s", n, r.status, r.body)
		}
	}
	receives(t, c, "the consumer of a WS-RM publisher", want("pub", 0, 3))
}

// TestPublisher_DeliverPublishesOncePerDeliveryID: the driver hands a
// Notify over again after a crash between the publish and its ack; the
// mark stored with the durable deliveries makes the second a no-op.
func TestPublisher_DeliverPublishesOncePerDeliveryID(t *testing.T) {
	e := newDurableEnv(t, testConfig())
	c := newRecorder(t)
	e.subscribeID(soap.V11, subscribeXML(c.URL, simpleTopic("tns:t"), deliveryPolicy("", "")))
	msg := []byte(envelope(soap.V11, notifyXML("tns:t", "<m:n>once-0</m:n>")))
	hdr := http.Header{wsreliable.DeliveryIDHeader: {"rm:urn:s#1"}}
	for range 2 {
		if _, st, err := e.b.Deliver(context.Background(), msg, hdr); err != nil || st != http.StatusAccepted {
			t.Fatalf("Deliver: got %d, %v, want 202", st, err)
		}
	}
	receives(t, c, "once", want("once", 0, 1))
	checkfor.True(t, waitTimeout, "queue empty", func() bool { return e.queue.Stats().Length == 0 })
	if got := len(c.Received()); got != 1 {
		t.Fatalf("got %d deliveries, want 1", got)
	}
	if _, _, err := e.b.Deliver(context.Background(), []byte(envelope(soap.V11, `<x:Other xmlns:x="urn:x"/>`)), hdr); !errors.Is(err, ErrRejected) {
		t.Fatalf("Deliver of a body that is not Notify: got %v, want ErrRejected", err)
	}
}

// failOnce fails the first Append that stores a pull point's message, as
// a crash at that moment would leave it: not stored.
type failOnce struct {
	Store
	armed atomic.Bool
}

func (f *failOnce) Append(ctx context.Context, adds ...storage.Add) (int, error) {
	for _, a := range adds {
		if a.List.Kind == listPullPoint && f.armed.CompareAndSwap(true, false) {
			return 0, errors.New("injected failure")
		}
	}
	return f.Store.Append(ctx, adds...)
}

// TestPublisher_RepeatAfterAFailedWriteReachesPullPoints: the driver hands
// a Notify over again when the first publish failed; a part that failed
// (here the pull point's write, as a crash would) gets it the second
// time: the mark that makes a repeat a no-op is written last.
func TestPublisher_RepeatAfterAFailedWriteReachesPullPoints(t *testing.T) {
	fs := &failOnce{}
	e := newDurableEnvWith(t, testConfig(), func(e *env) { e.wrap = func(s Store) Store { fs.Store = s; return fs } })
	c := newRecorder(t)
	e.subscribeID(soap.V11, subscribeXML(c.URL, simpleTopic("tns:t"), deliveryPolicy("", "")))
	pp := e.post(pathCreatePullPoint, soap.V11, `<wsnt:CreatePullPoint xmlns:wsnt="`+NSB+`"/>`).address("PullPoint")
	e.subscribeID(soap.V11, subscribeXML(pp, simpleTopic("tns:t"), ""))
	msg := []byte(envelope(soap.V11, notifyXML("tns:t", "<m:n>pp-0</m:n>")))
	hdr := http.Header{wsreliable.DeliveryIDHeader: {"rm:urn:s#1"}}
	fs.armed.Store(true)
	if _, _, err := e.b.Deliver(context.Background(), msg, hdr); err == nil {
		t.Fatal("Deliver with the pull point's write failing: got nil, want an error")
	}
	if _, st, err := e.b.Deliver(context.Background(), msg, hdr); err != nil || st != http.StatusAccepted {
		t.Fatalf("Deliver again: got %d, %v, want 202", st, err)
	}
	got := e.post(strings.TrimPrefix(pp, e.base), soap.V11, `<wsnt:GetMessages xmlns:wsnt="`+NSB+`"/>`)
	if !strings.Contains(string(got.body), "pp-0") {
		t.Fatalf("GetMessages after the repeat: got\n%s\nwant message pp-0", got.body)
	}
	receives(t, c, "the durable consumer", []string{"pp-0"})
}
