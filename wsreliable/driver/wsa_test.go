package driver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/internal/loopback"
	"github.com/wsgw/wsgw/wsreliable"
)

type staticResolver map[string][]netip.Addr

func (r staticResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return a, nil
	}
	return nil, errors.New("no such host")
}

// egressTo is the driver's allow-list of the tests: 127.0.0.1 only, with
// multi.test resolving to 127.0.0.1 and 127.0.0.2.
func egressTo(t *testing.T) *egress.Policy {
	t.Helper()
	p, err := egress.New(egress.Config{CIDRs: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	p.Resolver = staticResolver{"multi.test": {netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.2")}}
	return p
}

func wsaEPR(local, addr string) string {
	return `<wsa:` + local + `><wsa:Address>` + addr + `</wsa:Address></wsa:` + local + `>`
}

// Every address a reliable request gives that the egress allow-list
// refuses is refused at arrival with the fault its spec names, and
// nothing is stored or sent: the listener on the refused address, and the
// one an allowed address hides behind (user information, a name with a
// refused address), receive nothing.
func TestDriver_WSAddressesCheckedAtArrival(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	pol := egressTo(t)
	b := &fakeBackend{}
	r := startWith(t, db, Config{Name: "Orders", Backoff: testBackoff, TickInterval: 20 * time.Millisecond},
		Options{Backend: b, Egress: pol, Client: pol.Client(nil, 5*time.Second)})
	defer r.stop()
	forbidden := loopback.Listen(t, "127.0.0.2")
	allowed := loopback.Listen(t, "127.0.0.1")
	seq := createSequence(t, r.Driver)
	userinfo := "http://u:secret@127.0.0.1:" + allowed.Port + "/endpoint"
	multi := "http://multi.test:" + allowed.Port + "/endpoint"
	message := func(n int, wsa string) (string, string) {
		return fmt.Sprintf(`<wsa:Action>urn:order</wsa:Action><wsa:MessageID>urn:m:%d</wsa:MessageID>%s`+
				`<wsrm:Sequence><wsrm:Identifier>%s</wsrm:Identifier><wsrm:MessageNumber>%d</wsrm:MessageNumber></wsrm:Sequence>`, n, wsa, seq, n),
			fmt.Sprintf(`<o:Order xmlns:o="urn:order"><o:Id>%d</o:Id></o:Order>`, n)
	}
	create := func(wsa, rm string) (string, string) {
		return `<wsa:Action>` + wsreliable.ActionCreateSequence + `</wsa:Action>` + wsa,
			`<wsrm:CreateSequence>` + wsaEPRIn("wsrm:AcksTo", soapAnon) + rm + `</wsrm:CreateSequence>`
	}
	for i, c := range []struct {
		name         string
		header, body string
		want         []string
	}{
		{"message ReplyTo", "", "", []string{"InvalidAddressingHeader", "InvalidAddress", "wsa:ReplyTo", "127.0.0.2"}},
		{"message FaultTo", "", "", []string{"InvalidAddressingHeader", "InvalidAddress", "wsa:FaultTo"}},
		{"message ReplyTo with user information", "", "", []string{"InvalidAddress", "user information"}},
		{"message ReplyTo naming several addresses", "", "", []string{"InvalidAddress", "127.0.0.2"}},
		{"CreateSequence ReplyTo", "", "", []string{"InvalidAddress", "wsa:ReplyTo"}},
		{"CreateSequence AcksTo", "", "", []string{"CreateSequenceRefused", "AcksTo"}},
		{"CreateSequence Offer Endpoint", "", "", []string{"CreateSequenceRefused", "Offer Endpoint"}},
		{"message FaultTo with user information", "", "", []string{"InvalidAddress", "wsa:FaultTo", "user information"}},
		{"message FaultTo naming several addresses", "", "", []string{"InvalidAddress", "wsa:FaultTo", "127.0.0.2"}},
		{"CreateSequence AcksTo with user information", "", "", []string{"CreateSequenceRefused", "AcksTo", "user information"}},
		{"CreateSequence AcksTo naming several addresses", "", "", []string{"CreateSequenceRefused", "AcksTo", "127.0.0.2"}},
		{"CreateSequence Offer Endpoint with user information", "", "", []string{"CreateSequenceRefused", "Offer Endpoint", "user information"}},
		{"CreateSequence ReplyTo naming several addresses", "", "", []string{"InvalidAddress", "wsa:ReplyTo", "127.0.0.2"}},
	} {
		switch i {
		case 0:
			c.header, c.body = message(1, wsaEPR("ReplyTo", forbidden.URL))
		case 1:
			c.header, c.body = message(1, wsaEPR("ReplyTo", allowed.URL)+wsaEPR("FaultTo", forbidden.URL))
		case 2:
			c.header, c.body = message(1, wsaEPR("ReplyTo", userinfo))
		case 3:
			c.header, c.body = message(1, wsaEPR("ReplyTo", multi))
		case 4:
			c.header, c.body = create(`<wsa:MessageID>urn:c:1</wsa:MessageID>`+wsaEPR("ReplyTo", forbidden.URL), "")
		case 5:
			c.header, c.body = create("", "")
			c.body = strings.Replace(c.body, soapAnon, forbidden.URL, 1)
		case 6:
			c.header, c.body = create("", `<wsrm:Offer><wsrm:Identifier>urn:offer:1</wsrm:Identifier>`+
				wsaEPRIn("wsrm:Endpoint", forbidden.URL)+`</wsrm:Offer>`)
		case 7:
			c.header, c.body = message(1, wsaEPR("ReplyTo", allowed.URL)+wsaEPR("FaultTo", userinfo))
		case 8:
			c.header, c.body = message(1, wsaEPR("ReplyTo", allowed.URL)+wsaEPR("FaultTo", multi))
		case 9:
			c.header, c.body = create("", "")
			c.body = strings.Replace(c.body, soapAnon, userinfo, 1)
		case 10:
			c.header, c.body = create("", "")
			c.body = strings.Replace(c.body, soapAnon, multi, 1)
		case 11:
			c.header, c.body = create("", `<wsrm:Offer><wsrm:Identifier>urn:offer:2</wsrm:Identifier>`+
				wsaEPRIn("wsrm:Endpoint", userinfo)+`</wsrm:Offer>`)
		case 12:
			c.header, c.body = create(`<wsa:MessageID>urn:c:2</wsa:MessageID>`+wsaEPR("ReplyTo", multi), "")
		}
		t.Run(c.name, func(t *testing.T) {
			st, body := call(t, r.Driver, c.header, c.body)
			if st < 400 {
				t.Errorf("got status %d, want a fault", st)
			}
			for _, w := range c.want {
				if !strings.Contains(body, w) {
					t.Errorf("got %.600s, want it to name %s", body, w)
				}
			}
			if strings.Contains(body, "secret") {
				t.Errorf("the fault %s shows the password", body)
			}
		})
	}
	if s := r.Stats(); s.Accepted != 0 {
		t.Errorf("deliveries accepted: got %d, want 0", s.Accepted)
	}
	if got := b.received(); len(got) != 0 {
		t.Errorf("backend received %v, want nothing", got)
	}
	// A marker last: a CreateSequence whose response goes to the allowed
	// listener. Once it is there, whatever the refused requests could have
	// sent would have been sent too.
	if st, body := call(t, r.Driver, `<wsa:Action>`+wsreliable.ActionCreateSequence+`</wsa:Action>`+
		`<wsa:MessageID>urn:c:marker</wsa:MessageID>`+wsaEPR("ReplyTo", allowed.URL),
		`<wsrm:CreateSequence>`+wsaEPRIn("wsrm:AcksTo", soapAnon)+`</wsrm:CreateSequence>`); st != http.StatusAccepted {
		t.Fatalf("the marker CreateSequence: got %d %s, want 202", st, body)
	}
	checkfor.True(t, 10*time.Second, "the marker's response at the allowed listener", func() bool { return len(allowed.Received()) > 0 })
	if got := forbidden.Received(); len(got) != 0 {
		t.Errorf("the refused address received %d messages, want none", len(got))
	}
	if got := allowed.Received(); len(got) != 1 || !strings.Contains(got[0], "urn:c:marker") {
		t.Errorf("the allowed address received %q, want the marker's response only", got)
	}
}

const soapAnon = "http://www.w3.org/2005/08/addressing/anonymous"

// wsaEPRIn is an EPR element named name (with its prefix) holding a
// wsa:Address.
func wsaEPRIn(name, addr string) string {
	return `<` + name + `><wsa:Address>` + addr + `</wsa:Address></` + name + `>`
}

// faultingBackend answers order 1 with a SOAP 1.1 fault (500) and any
// other with a reply (200).
type faultingBackend struct{}

func (faultingBackend) Deliver(_ context.Context, msg []byte, _ http.Header) ([]byte, int, error) {
	if strings.Contains(string(msg), "<o:Id>1</o:Id>") {
		return []byte(`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>` +
			`<faultcode>s:Server</faultcode><faultstring>order 1 refused</faultstring></s:Fault></s:Body></s:Envelope>`), 500, nil
	}
	return []byte(`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><o:Done xmlns:o="urn:order"/></s:Body></s:Envelope>`), 200, nil
}

// WS-Addressing 1.0 Core 3.4: a fault goes to the [fault endpoint] when
// there is one, any other reply to the [reply endpoint]. The backend's
// fault to a reliable request with ReplyTo R and FaultTo F reaches F only.
func TestDriver_BackendFaultGoesToFaultTo(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	pol := egressTo(t)
	r := startWith(t, db, Config{Name: "Orders", Backoff: testBackoff, TickInterval: 20 * time.Millisecond},
		Options{Backend: faultingBackend{}, Egress: pol, Client: pol.Client(nil, 5*time.Second)})
	defer r.stop()
	replyTo, faultTo := loopback.Listen(t, "127.0.0.1"), loopback.Listen(t, "127.0.0.1")
	seq := createSequence(t, r.Driver)
	for n := 1; n <= 2; n++ {
		st, body := call(t, r.Driver, fmt.Sprintf(`<wsa:Action>urn:order</wsa:Action><wsa:MessageID>urn:m:%d</wsa:MessageID>%s%s`+
			`<wsrm:Sequence><wsrm:Identifier>%s</wsrm:Identifier><wsrm:MessageNumber>%d</wsrm:MessageNumber></wsrm:Sequence>`,
			n, wsaEPR("ReplyTo", replyTo.URL), wsaEPR("FaultTo", faultTo.URL), seq, n),
			fmt.Sprintf(`<o:Order xmlns:o="urn:order"><o:Id>%d</o:Id></o:Order>`, n))
		if st != 200 {
			t.Fatalf("message %d: got %d %s", n, st, body)
		}
	}
	checkfor.Until(t, 10*time.Second, func() error {
		return errors.Join(faultTo.Got("order 1 refused"), replyTo.Got("Done"))
	})
}

// A CreateSequence whose wsa:ReplyTo is not anonymous gets its
// CreateSequenceResponse there, related to its MessageID and addressed to
// it, and 202 on the HTTP response (WS-Addressing 1.0 Core 3.4, SOAP
// Binding 5.2.1).
func TestDriver_CreateSequenceResponseGoesToReplyTo(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	pol := egressTo(t)
	r := startWith(t, db, Config{Name: "Orders", Backoff: testBackoff, TickInterval: 20 * time.Millisecond},
		Options{Backend: &fakeBackend{}, Egress: pol, Client: pol.Client(nil, 5*time.Second)})
	defer r.stop()
	replyTo := loopback.Listen(t, "127.0.0.1")
	st, body := call(t, r.Driver, `<wsa:Action>`+wsreliable.ActionCreateSequence+`</wsa:Action>`+
		`<wsa:MessageID>urn:c:7</wsa:MessageID>`+wsaEPR("ReplyTo", replyTo.URL),
		`<wsrm:CreateSequence>`+wsaEPRIn("wsrm:AcksTo", soapAnon)+`</wsrm:CreateSequence>`)
	if st != http.StatusAccepted || body != "" {
		t.Fatalf("CreateSequence with ReplyTo: got %d %q, want 202 without a body", st, body)
	}
	var got string
	checkfor.Until(t, 10*time.Second, func() error {
		rs := replyTo.Received()
		if len(rs) != 1 {
			return fmt.Errorf("ReplyTo received %d messages, want 1", len(rs))
		}
		got = rs[0]
		return nil
	})
	for _, w := range []string{"CreateSequenceResponse", "<wsa:RelatesTo>urn:c:7</wsa:RelatesTo>", "<wsa:To>" + replyTo.URL + "</wsa:To>"} {
		if !strings.Contains(got, w) {
			t.Errorf("the response sent to ReplyTo %s: want it to hold %s", got, w)
		}
	}
	id := idRE.FindStringSubmatch(got)
	if id == nil {
		t.Fatalf("no Identifier in %s", got)
	}
	send(t, r.Driver, id[1], 1) // the sequence exists
}
