package bench

import (
	"context"
	"fmt"
	"testing"
)

func TestWSRM_TinyRunThroughGateway(t *testing.T) {
	dir := t.TempDir()
	l := Load{Messages: 30, Size: 1024, Concurrency: 3}
	r, err := WSRM(context.Background(), l, dir)
	if err != nil {
		t.Fatal(err)
	}
	if r.Load != l || r.Throughput <= 0 || r.P50 <= 0 || r.P50 > r.P99 || r.P99 > r.Max {
		t.Errorf("got %+v, want the load, a throughput and 0 < p50 <= p99 <= max", r.Result)
	}
	if r.Delivered <= 0 {
		t.Errorf("got Delivered %v, want every message delivered to the backend", r.Delivered)
	}
}

func TestSequenceMessage_PaddedToSize(t *testing.T) {
	for _, size := range []int{1024, 4096} {
		if got := len(sequenceMessage("urn:uuid:x", 7, "S1", size)); got != size {
			t.Errorf("size %d: got %d bytes", size, got)
		}
	}
	if got := sequenceMessage("urn:uuid:x", 7, "S1", 10); len(got) < 100 {
		t.Errorf("got %d bytes for a size below the envelope's, want the unpadded envelope", len(got))
	}
}

func TestAcknowledges_Ranges(t *testing.T) {
	reply := []byte(fmt.Sprintf(`<s:Envelope xmlns:s="%s" xmlns:r="%s"><s:Header><r:SequenceAcknowledgement>`+
		`<r:Identifier>urn:a</r:Identifier><r:AcknowledgementRange Upper="3" Lower="1"/><r:AcknowledgementRange Upper="9" Lower="7"/>`+
		`</r:SequenceAcknowledgement></s:Header><s:Body/></s:Envelope>`, nsSOAP11, nsRM))
	for _, c := range []struct {
		id   string
		n    int
		want bool
	}{{"urn:a", 1, true}, {"urn:a", 3, true}, {"urn:a", 5, false}, {"urn:a", 8, true}, {"urn:b", 2, false}} {
		if got := acknowledges(reply, c.id, c.n); got != c.want {
			t.Errorf("acknowledges(%s, %d): got %v, want %v", c.id, c.n, got, c.want)
		}
	}
}

func TestAcknowledges_OnlyWSRMHeaderBlocks(t *testing.T) {
	for _, c := range []struct {
		name, reply string
	}{
		{"ack in another namespace", fmt.Sprintf(`<s:Envelope xmlns:s="%s" xmlns:r="urn:other"><s:Header><r:SequenceAcknowledgement>`+
			`<r:Identifier>urn:a</r:Identifier><r:AcknowledgementRange Upper="3" Lower="1"/></r:SequenceAcknowledgement></s:Header><s:Body/></s:Envelope>`, nsSOAP11)},
		{"ack in the body", fmt.Sprintf(`<s:Envelope xmlns:s="%s" xmlns:r="%s"><s:Header/><s:Body><r:SequenceAcknowledgement>`+
			`<r:Identifier>urn:a</r:Identifier><r:AcknowledgementRange Upper="3" Lower="1"/></r:SequenceAcknowledgement></s:Body></s:Envelope>`, nsSOAP11, nsRM)},
		{"range without Lower", fmt.Sprintf(`<s:Envelope xmlns:s="%s" xmlns:r="%s"><s:Header><r:SequenceAcknowledgement>`+
			`<r:Identifier>urn:a</r:Identifier><r:AcknowledgementRange Upper="3"/></r:SequenceAcknowledgement></s:Header><s:Body/></s:Envelope>`, nsSOAP11, nsRM)},
		{"not XML", `<s:Envelope`},
	} {
		if acknowledges([]byte(c.reply), "urn:a", 2) {
			t.Errorf("%s: got acknowledged, want not", c.name)
		}
	}
	soap12 := fmt.Sprintf(`<s:Envelope xmlns:s="%s" xmlns:r="%s"><s:Header><r:SequenceAcknowledgement>`+
		`<r:Identifier> urn:a </r:Identifier><r:AcknowledgementRange Upper="3" Lower="1"/></r:SequenceAcknowledgement></s:Header><s:Body/></s:Envelope>`, nsSOAP12, nsRM)
	if !acknowledges([]byte(soap12), "urn:a", 2) {
		t.Errorf("SOAP 1.2 reply: got not acknowledged, want acknowledged")
	}
}
