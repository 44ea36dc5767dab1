package driver

import (
	"fmt"
	"reflect"
	"testing"

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
	want := []wsreliable.Event{wsreliable.AckReceived{Group: "urn:seq", Ranges: wsreliable.RangeSet{{Lower: 1, Upper: 2}}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

func TestAnswerEvents_AckWithResponseBody(t *testing.T) {
	o := wsreliable.Outbound{Kind: wsreliable.OutClose, Group: "urn:seq"}
	m := answer(t, `<wsrm:SequenceAcknowledgement><wsrm:Identifier>urn:seq</wsrm:Identifier><wsrm:AcknowledgementRange Lower="1" Upper="3"/><wsrm:Final/></wsrm:SequenceAcknowledgement>`,
		`<wsrm:CloseSequenceResponse><wsrm:Identifier>urn:seq</wsrm:Identifier></wsrm:CloseSequenceResponse>`)
	got := answerEvents(o, m)
	want := []wsreliable.Event{wsreliable.AckReceived{Group: "urn:seq", Ranges: wsreliable.RangeSet{{Lower: 1, Upper: 3}}, Final: true}}
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

func TestOutbound_ObserveAcksAndFails(t *testing.T) {
	ob := newOutbound()
	w1 := &outWait{id: "a", to: "http://b", payload: []byte("<a/>"), done: make(chan struct{})}
	w2 := &outWait{id: "b", to: "http://b", payload: []byte("<b/>"), done: make(chan struct{})}
	ob.fifo = []*outWait{w1, w2}
	ob.byID["a"], ob.byID["b"] = w1, w2
	ob.observe(wsreliable.Ready{Persist: []wsreliable.Record{
		{Key: "outm/s1\n1", Value: []byte(`{"local":"s1","n":1,"payload":"PGEvPg=="}`)},
		{Key: "outm/s1\n2", Value: []byte(`{"local":"s1","n":2,"payload":"PGIvPg=="}`)},
	}})
	ob.observe(wsreliable.Ready{Persist: []wsreliable.Record{{Key: "outm/s1\n1"}}})
	<-w1.done
	if w1.err != nil {
		t.Errorf("acknowledged: got %v, want nil", w1.err)
	}
	ob.observe(wsreliable.Ready{Persist: []wsreliable.Record{{Key: "outm/s1\n2"}},
		Failed: []wsreliable.Failure{{To: "http://b", Number: 2, Reason: "retransmissions exhausted"}}})
	<-w2.done
	if w2.err == nil {
		t.Errorf("given up: got nil, want an error")
	}
	if len(ob.byID)+len(ob.byKey)+len(ob.fifo) != 0 {
		t.Errorf("left over: got %d %d %d, want none", len(ob.byID), len(ob.byKey), len(ob.fifo))
	}
}
