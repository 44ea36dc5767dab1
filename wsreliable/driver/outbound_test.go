package driver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsreliable"
)

func answer(t *testing.T, header, body string) *soap.Message {
	t.Helper()
	m, err := soap.ReadMessageBytes(fmt.Appendf(nil, rmEnv, header, body), xmldoc.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestAnswerEvents_CreateSequenceResponseIsCreated(t *testing.T) {
	o := wsreliable.Outbound{Kind: wsreliable.OutCreate, Local: "s1"}
	m := answer(t, "", `<wsrm:CreateSequenceResponse><wsrm:Identifier>urn:seq</wsrm:Identifier></wsrm:CreateSequenceResponse>`)
	got := answerEvents(o, m)
	want := []wsreliable.Event{wsreliable.Created{Local: "s1", ID: "urn:seq"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

func TestAnswerEvents_AckHeaderIsAckReceived(t *testing.T) {
	o := wsreliable.Outbound{Kind: wsreliable.OutMessage, Group: "urn:seq", Number: 2}
	m := answer(t, `<wsrm:SequenceAcknowledgement><wsrm:Identifier>urn:seq</wsrm:Identifier><wsrm:AcknowledgementRange Lower="1" Upper="2"/></wsrm:SequenceAcknowledgement>`, "")
	got := answerEvents(o, m)
	want := []wsreliable.Event{wsreliable.AckReceived{Proto: wsreliable.RM, Group: "urn:seq", Ranges: wsreliable.RangeSet{{Lower: 1, Upper: 2}}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

func TestAnswerEvents_AckWithResponseBody(t *testing.T) {
	o := wsreliable.Outbound{Kind: wsreliable.OutClose, Group: "urn:seq"}
	m := answer(t, `<wsrm:SequenceAcknowledgement><wsrm:Identifier>urn:seq</wsrm:Identifier><wsrm:AcknowledgementRange Lower="1" Upper="3"/><wsrm:Final/></wsrm:SequenceAcknowledgement>`,
		`<wsrm:CloseSequenceResponse><wsrm:Identifier>urn:seq</wsrm:Identifier></wsrm:CloseSequenceResponse>`)
	got := answerEvents(o, m)
	want := []wsreliable.Event{wsreliable.AckReceived{Proto: wsreliable.RM, Group: "urn:seq", Ranges: wsreliable.RangeSet{{Lower: 1, Upper: 3}}, Final: true}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

func TestAnswerEvents_FaultToCreateIsRefused(t *testing.T) {
	o := wsreliable.Outbound{Kind: wsreliable.OutCreate, Local: "s1"}
	m := answer(t, "", `<s:Fault><faultcode>s:Server</faultcode><faultstring>no</faultstring></s:Fault>`)
	got := answerEvents(o, m)
	want := []wsreliable.Event{wsreliable.Created{Local: "s1", Refused: true}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

func TestAnswerEvents_RMFaultIsPeerFault(t *testing.T) {
	f := (&wsreliable.Fault{Code: wsreliable.UnknownSequence, Group: "urn:seq"}).SOAP(soap.V11)
	m, err := soap.ReadMessageBytes(f.Marshal(soap.V11), xmldoc.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	got := answerEvents(wsreliable.Outbound{Kind: wsreliable.OutMessage, Group: "urn:seq"}, m)
	want := []wsreliable.Event{wsreliable.PeerFault{Group: "urn:seq", Code: wsreliable.UnknownSequence}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

func TestOutbound_FatesEndTheirWaiters(t *testing.T) {
	ob := newOutbound()
	w1, fresh := ob.wait("a")
	if !fresh {
		t.Fatalf("first wait for a: got an earlier waiter, want a fresh one")
	}
	if again, fresh := ob.wait("a"); fresh || again != w1 {
		t.Fatalf("second wait for a: got a fresh waiter, want the first")
	}
	w2, _ := ob.wait("b")
	w3, _ := ob.wait("c")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ob.settle([]wsreliable.Fate{
		{Token: "a", Kind: wsreliable.FateNumbered, Local: "s1", Number: 1},
		{Token: "b", Kind: wsreliable.FateNumbered, Local: "s1", Number: 2},
	}, log)
	select {
	case <-w1.done:
		t.Fatalf("a numbered: got its waiter ended, want it waiting")
	default:
	}
	ob.settle([]wsreliable.Fate{
		{Token: "a", Kind: wsreliable.FateAcknowledged},
		{Token: "b", Kind: wsreliable.FateFailed, Reason: "retransmissions exhausted"},
	}, log)
	<-w1.done
	<-w2.done
	if w1.err != nil {
		t.Errorf("acknowledged: got %v, want nil", w1.err)
	}
	if !errors.Is(w2.err, ErrOutboundFailed) {
		t.Errorf("given up: got %v, want ErrOutboundFailed", w2.err)
	}
	ob.reset()
	<-w3.done
	if !errors.Is(w3.err, ErrOutboundFailed) {
		t.Errorf("engine restored: got %v, want ErrOutboundFailed", w3.err)
	}
	if len(ob.waits) != 0 {
		t.Errorf("waiters left over: got %d, want none", len(ob.waits))
	}
}

// A SubmitRM whose context ends before the loop takes its Submit leaves
// no waiter behind, whatever else the waiters went through meanwhile (an
// engine restore failing them all), and a later SubmitRM of the same
// delivery submits it afresh.
func TestSubmitRM_CancelledBeforeTheLoopTakesIt(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	d, closeStore := newDriver(t, db, Config{Name: "Orders", BackendRM: true}, Options{Backend: &fakeBackend{}})
	defer closeStore()
	for i := range cap(d.events) { // the loop does not run: fill its queue
		d.events <- wsreliable.Forget{Token: fmt.Sprint("filler", i)}
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		errc <- d.SubmitRM(ctx, wsreliable.Submit{Token: "d1", To: "http://peer/", Action: "urn:a", Payload: []byte("<a/>")}, soap.V11)
	}()
	checkfor.True(t, 5*time.Second, "SubmitRM waiting", func() bool {
		d.ob.mu.Lock()
		defer d.ob.mu.Unlock()
		return d.ob.waits["d1"] != nil
	})
	d.ob.reset() // as a failed step's restore does
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) && !errors.Is(err, ErrOutboundFailed) {
		t.Fatalf("SubmitRM: got %v, want its context's error or the restore's", err)
	}
	if n := len(d.ob.waits); n != 0 {
		t.Fatalf("waiters after the cancelled SubmitRM: got %d, want 0", n)
	}
	<-d.events
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if err := d.SubmitRM(ctx2, wsreliable.Submit{Token: "d1", To: "http://peer/", Action: "urn:a", Payload: []byte("<a/>")}, soap.V11); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("SubmitRM again: got %v, want it submitted and waiting", err)
	}
	found := false
	for len(d.events) > 0 {
		if ev, ok := (<-d.events).(wsreliable.Submit); ok && ev.Token == "d1" {
			found = true
		}
	}
	if !found {
		t.Fatalf("the second SubmitRM's Submit: not handed to the loop")
	}
}

// A destination that answers a sequence message with a fault (the
// application's) acknowledges the message in the same answer: the
// acknowledgement counts. Ignored, the message would be retransmitted
// until given up and then sent again on a new sequence.
func TestAnswerEvents_AckInFaultAnswerCounts(t *testing.T) {
	ack := `<wsrm:SequenceAcknowledgement><wsrm:Identifier>urn:seq</wsrm:Identifier><wsrm:AcknowledgementRange Lower="1" Upper="2"/></wsrm:SequenceAcknowledgement>`
	o := wsreliable.Outbound{Kind: wsreliable.OutMessage, Group: "urn:seq", Number: 2}
	m := answer(t, ack, `<s:Fault><faultcode>s:Client</faultcode><faultstring>no such order</faultstring></s:Fault>`)
	got := answerEvents(o, m)
	want := []wsreliable.Event{wsreliable.AckReceived{Proto: wsreliable.RM, Group: "urn:seq", Ranges: wsreliable.RangeSet{{Lower: 1, Upper: 2}}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("application fault with an acknowledgement: got %#v, want %#v", got, want)
	}
	f := (&wsreliable.Fault{Code: wsreliable.SequenceTerminated, Group: "urn:seq"}).SOAP(soap.V11)
	f.Header = append(f.Header, strings.Replace(ack, "<wsrm:SequenceAcknowledgement>",
		`<wsrm:SequenceAcknowledgement xmlns:wsrm="`+wsreliable.NSRM+`">`, 1)...)
	if m, err := soap.ReadMessageBytes(f.Marshal(soap.V11), xmldoc.Limits{}); err != nil {
		t.Fatal(err)
	} else {
		want = append(want, wsreliable.PeerFault{Group: "urn:seq", Code: wsreliable.SequenceTerminated})
		if got := answerEvents(o, m); !reflect.DeepEqual(got, want) {
			t.Errorf("RM fault with an acknowledgement: got %#v, want %#v (the acknowledgement first)", got, want)
		}
	}
}
