package driver

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsreliable"
)

// rm5Env is a WS-RM February 2005 envelope over WS-Addressing 2004/08, the
// combination the specification names (CXF's default).
const rm5Env = `<s:Envelope xmlns:s="%s" xmlns:wsa="` + soap.WSANS2004 + `" xmlns:wsrm="` + wsreliable.NSRM200502 +
	`"><s:Header>%s</s:Header><s:Body>%s</s:Body></s:Envelope>`

// call5 sends a WS-RM February 2005 request in SOAP version v.
func call5(t *testing.T, d *Driver, v soap.Version, header, body string) (int, string) {
	t.Helper()
	m, err := soap.ReadMessageBytes(fmt.Appendf(nil, rm5Env, v.Namespace(), header, body), xmldoc.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	st, _, b := d.HandleRequest(context.Background(), m, http.Header{"Content-Type": {v.ContentType()}})
	if strings.Contains(string(b), wsreliable.NSRM+`"`) || strings.Contains(string(b), wsreliable.NSRM+"/") {
		t.Errorf("a WS-RM 1.2 name in the answer to a February 2005 request:\n%s", b)
	}
	return st, string(b)
}

var id5RE = regexp.MustCompile(`<wsrm:Identifier>([^<]*)</wsrm:Identifier>`)

// create5 creates a February 2005 sequence with AcksTo acksTo.
func create5(t *testing.T, d *Driver, v soap.Version, acksTo string) string {
	t.Helper()
	st, body := call5(t, d, v, `<wsa:Action>`+wsreliable.NSRM200502+`/CreateSequence</wsa:Action><wsa:MessageID>urn:c</wsa:MessageID>`,
		`<wsrm:CreateSequence><wsrm:AcksTo><wsa:Address>`+acksTo+`</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence>`)
	m := id5RE.FindStringSubmatch(body)
	if st != http.StatusOK || m == nil || !strings.Contains(body, `<wsa:Action>`+wsreliable.NSRM200502+`/CreateSequenceResponse</wsa:Action>`) {
		t.Fatalf("CreateSequence: got %d %s, want a February 2005 CreateSequenceResponse", st, body)
	}
	return m[1]
}

// seq5 is a Sequence header of message n (LastMessage when last).
func seq5(seq string, n int, last bool) string {
	lm := ""
	if last {
		lm = `<wsrm:LastMessage/>`
	}
	return fmt.Sprintf(`<wsrm:Sequence s:mustUnderstand="1"><wsrm:Identifier>%s</wsrm:Identifier><wsrm:MessageNumber>%d</wsrm:MessageNumber>%s</wsrm:Sequence>`, seq, n, lm)
}

func order5(n int) string {
	return fmt.Sprintf(`<o:Order xmlns:o="urn:order"><o:Id>%d</o:Id></o:Order>`, n)
}

// A whole WS-RM February 2005 sequence through the driver, with a real
// store: a lost message, a duplicate, the retransmission with
// AckRequested, the empty-bodied message of the LastMessage action (acked,
// not delivered), a number beyond it, TerminateSequence answered 202. The
// backend gets every order once, in order, without the RM headers.
func TestDriver_RM200502SequenceInOrderExactlyOnce(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	b := &fakeBackend{}
	d := start(t, db, b)
	defer d.stop()
	v := soap.V11
	seq := create5(t, d.Driver, v, soap.WSAAnonymous2004)
	action := `<wsa:Action>urn:order</wsa:Action>`
	for _, step := range []struct {
		name, header, body string
		wantRanges         string
	}{
		{"message 1", seq5(seq, 1, false), order5(1), `1-1`},
		{"message 3 (2 lost)", seq5(seq, 3, false), order5(3), `1-1,3-3`},
		{"message 3 again", seq5(seq, 3, false), order5(3), `1-1,3-3`},
		{"message 2 resent with AckRequested", seq5(seq, 2, false) + `<wsrm:AckRequested><wsrm:Identifier>` + seq + `</wsrm:Identifier></wsrm:AckRequested>`, order5(2), `1-3`},
	} {
		st, body := call5(t, d.Driver, v, action+step.header, step.body)
		if got := ranges5(body); st != http.StatusOK || got != step.wantRanges || strings.Contains(body, "Final") {
			t.Fatalf("%s: got %d with ranges %q, want 200 with %q and no Final: %s", step.name, st, got, step.wantRanges, body)
		}
	}
	st, body := call5(t, d.Driver, v, `<wsa:Action>`+wsreliable.ActionLastMessage+`</wsa:Action>`+seq5(seq, 4, true), "")
	if got := ranges5(body); st != http.StatusOK || got != "1-4" {
		t.Fatalf("the LastMessage action's message 4: got %d with ranges %q, want 200 with 1-4: %s", st, got, body)
	}
	st, body = call5(t, d.Driver, v, action+seq5(seq, 5, false), order5(5))
	if st != http.StatusInternalServerError || !strings.Contains(body, "<wsrm:FaultCode>wsrm:LastMessageNumberExceeded</wsrm:FaultCode>") {
		t.Fatalf("message 5 after the last: got %d %s, want a LastMessageNumberExceeded fault", st, body)
	}
	st, body = call5(t, d.Driver, v, `<wsa:Action>`+wsreliable.NSRM200502+`/TerminateSequence</wsa:Action>`,
		`<wsrm:TerminateSequence><wsrm:Identifier>`+seq+`</wsrm:Identifier></wsrm:TerminateSequence>`)
	if st != http.StatusAccepted || body != "" {
		t.Fatalf("TerminateSequence: got %d %q, want 202 with no body (no TerminateSequenceResponse in 2005/02)", st, body)
	}
	waitReceived(t, b, []string{"1", "2", "3"})
	checkfor.True(t, 5*time.Second, "3 deliveries counted", func() bool { return d.Stats().Delivered == 3 })
	if s := d.Stats(); s.Accepted != 3 {
		t.Fatalf("stats: got %+v, want 3 accepted (the LastMessage action's message is not delivered)", s)
	}
}

var range5RE = regexp.MustCompile(`Upper="(\d+)" Lower="(\d+)"`)

// ranges5 renders the AcknowledgementRanges of body as "1-2,4-4".
func ranges5(body string) string {
	var s []string
	for _, m := range range5RE.FindAllStringSubmatch(body, -1) {
		s = append(s, m[2]+"-"+m[1])
	}
	return strings.Join(s, ",")
}

// Acknowledgements a February 2005 sequence's AcksTo gets are in its
// version and in the SOAP version and WS-Addressing namespace its client
// spoke (the group's Meta), also when, after a restart, a request in other
// ones asks for them.
func TestDriver_RM200502AcksToKeepsVersionsAcrossRestart(t *testing.T) {
	acks := acksAcrossRestart(t, func(d *Driver, acksTo string) string {
		seq := create5(t, d, soap.V12, acksTo)
		if st, body := call5(t, d, soap.V12, `<wsa:Action>urn:order</wsa:Action>`+seq5(seq, 1, false), order5(1)); st != http.StatusAccepted {
			t.Fatalf("message 1: got %d %s, want 202 (the acknowledgement goes to AcksTo)", st, body)
		}
		return seq
	}, func(d *Driver, seq string) {
		// SOAP 1.1 and WS-Addressing 1.0 this time.
		m, err := soap.ReadMessageBytes([]byte(`<s:Envelope xmlns:s="`+soap.NS11+`" xmlns:wsa="`+soap.WSANS+`" xmlns:wsrm="`+wsreliable.NSRM200502+
			`"><s:Header><wsa:Action>`+wsreliable.NSRM200502+`/AckRequested</wsa:Action><wsrm:AckRequested><wsrm:Identifier>`+seq+
			`</wsrm:Identifier></wsrm:AckRequested></s:Header><s:Body/></s:Envelope>`), xmldoc.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if st, _, body := d.HandleRequest(context.Background(), m, http.Header{"Content-Type": {soap.V11.ContentType()}}); st >= 300 {
			t.Fatalf("AckRequested after the restart: got %d %s", st, body)
		}
	})
	wantNS := soap.WSANS2004 + " " + wsreliable.NSRM200502
	if got, gotNS := acks.got(), acks.gotNamespaces(); !slices.Equal(got, []string{"1.2", "1.2"}) || !slices.Equal(gotNS, []string{wantNS, wantNS}) {
		t.Fatalf("acknowledgements: got SOAP %v in %q, want SOAP 1.2 in %q twice", got, gotNS, wantNS)
	}
}

// A February 2005 CreateSequence whose AcksTo the egress allow-list
// refuses gets CreateSequenceRefused in that version: in SOAP 1.1 the code
// is the faultcode (WS-RM February 2005, 4, for faults of processing
// CreateSequence), with no SequenceFault header.
func TestDriver_RM200502RefusedAcksTo(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	r := startWith(t, db, Config{Name: "Orders", Backoff: testBackoff}, Options{Backend: &fakeBackend{}, Egress: egressOnly("http://allowed/")})
	defer r.stop()
	st, body := call5(t, r.Driver, soap.V11, `<wsa:Action>`+wsreliable.NSRM200502+`/CreateSequence</wsa:Action><wsa:MessageID>urn:c</wsa:MessageID>`,
		`<wsrm:CreateSequence><wsrm:AcksTo><wsa:Address>http://192.0.2.7/x</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence>`)
	f, err := soap.ReadMessageBytes([]byte(body), xmldoc.Limits{})
	if err != nil {
		t.Fatalf("answer: %v\n%s", err, body)
	}
	fault, ok := f.Fault()
	want := wsreliable.CreateSequenceRefused.In(wsreliable.RM200502)
	if st != http.StatusInternalServerError || !ok || len(fault.Subcodes) == 0 || fault.Subcodes[0] != want {
		t.Fatalf("got %d %s, want a fault whose faultcode is %v", st, body, want)
	}
	if strings.Contains(body, "SequenceFault") || !strings.Contains(body, soap.WSANS2004+`/fault</wsa:Action>`) {
		t.Fatalf("got %s, want no SequenceFault header and WS-Addressing 2004/08's fault action", body)
	}
}
