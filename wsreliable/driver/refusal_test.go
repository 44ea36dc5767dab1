package driver

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/wsreliable"
)

// egressOnly allows the addresses with its prefix.
type egressOnly string

func (p egressOnly) CheckContext(_ context.Context, addr string) error {
	if strings.HasPrefix(addr, string(p)) {
		return nil
	}
	return errors.New(addr + " is not allowed")
}

// An address a client gives that the egress allow-list refuses could
// never receive what is sent there: the request is refused at arrival,
// with the answer each protocol has for it, and nothing is stored.
func TestDriver_ClientAddressRefusedByEgress(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	b := &fakeBackend{}
	r := startWith(t, db, Config{Name: "Orders", Backoff: testBackoff}, Options{Backend: b, Egress: egressOnly("http://allowed/")})
	defer r.stop()
	const refused = "http://192.0.2.7/x"
	for _, c := range []struct {
		name, header, body string
		want               []string
	}{
		{"CreateSequence AcksTo", `<wsa:Action>` + wsreliable.ActionCreateSequence + `</wsa:Action>`,
			`<wsrm:CreateSequence><wsrm:AcksTo><wsa:Address>` + refused + `</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence>`,
			[]string{"CreateSequenceRefused", "192.0.2.7"}},
		{"WS-Reliability Callback ReplyTo", strings.Replace(relRequest("urn:g:cb", "Callback", time.Now().Add(time.Hour)),
			`<r:Value>Callback</r:Value>`, `<r:Value>Callback</r:Value><r:ReplyTo><r:BareURI>`+refused+`</r:BareURI></r:ReplyTo>`, 1),
			`<o:Order xmlns:o="urn:order"><o:Id>1</o:Id></o:Order>`, []string{"InvalidReplyPattern"}},
		{"PollRequest ReplyTo", `<r:PollRequest xmlns:r="` + wsreliable.NSRel + `"><r:RefToMessageIds groupId="urn:g:cb"/>` +
			`<r:ReplyTo><r:BareURI>` + refused + `</r:BareURI></r:ReplyTo></r:PollRequest>`, "",
			[]string{"InvalidPollRequest", "192.0.2.7"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, body := call(t, r.Driver, c.header, c.body)
			for _, w := range c.want {
				if !strings.Contains(body, w) {
					t.Errorf("got %s, want it to name %s", body, w)
				}
			}
		})
	}
	if s := r.Stats(); s.Accepted != 0 {
		t.Errorf("deliveries accepted: got %d, want 0", s.Accepted)
	}
	// An address the list allows is taken.
	_, body := call(t, r.Driver, `<wsa:Action>`+wsreliable.ActionCreateSequence+`</wsa:Action>`,
		`<wsrm:CreateSequence><wsrm:AcksTo><wsa:Address>http://allowed/acks</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence>`)
	if !strings.Contains(body, "CreateSequenceResponse") {
		t.Errorf("CreateSequence with an allowed AcksTo: got %s, want CreateSequenceResponse", body)
	}
}
