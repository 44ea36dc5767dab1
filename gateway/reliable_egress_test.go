package gateway

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/wsreliable"
)

// An AcksTo the service's egress allow-list refuses could never receive an
// acknowledgement: the CreateSequence is refused (CreateSequenceRefused),
// rather than answered with a sequence whose acknowledgements are all
// dropped by the egress client.
func TestReliable_AcksToRefusedByEgress(t *testing.T) {
	b := newLogBackend(t)
	db := openTestDB(t, t.TempDir())
	defer db.Close()
	url, stop := serveWithDB(t, Config{Services: []ServiceConfig{reliableQuote(b)}}, db) // egress: loopback only
	defer stop()
	hdr := `<wsa:Action xmlns:wsa="` + rmWSANS + `">` + wsreliable.ActionCreateSequence + `</wsa:Action>`
	r := postRM(t, url+"/services/Quotes", hdr, `<wsrm:CreateSequence xmlns:wsrm="`+wsreliable.NSRM+`" xmlns:wsa="`+rmWSANS+`"><wsrm:AcksTo><wsa:Address>http://192.0.2.7/acks</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence>`)
	if r.status != http.StatusInternalServerError || !strings.Contains(r.body, "CreateSequenceRefused") || !strings.Contains(r.body, "Client") {
		t.Fatalf("CreateSequence with a refused AcksTo: got %d %s, want 500 Client fault CreateSequenceRefused", r.status, r.body)
	}
	// Anonymous AcksTo still works.
	newRMClient(t, url+"/services/Quotes")
}

// A WS-Reliability Callback or PollRequest ReplyTo the allow-list refuses
// could never receive what is sent there: the message is refused with
// InvalidReplyPattern (in the Response header, nothing delivered), the
// PollRequest with the SOAP fault InvalidPollRequest naming the address.
func TestReliable_RelReplyToRefusedByEgress(t *testing.T) {
	b := newLogBackend(t)
	db := openTestDB(t, t.TempDir())
	defer db.Close()
	url, stop := serveWithDB(t, Config{Services: []ServiceConfig{reliableQuote(b)}}, db) // egress: loopback only
	defer stop()
	svc := url + "/services/Quotes"
	const refused = "http://192.0.2.7/replies"
	callback := strings.Replace(relHeader("urn:g:callback", 0, ""), `<r:Value>Response</r:Value>`,
		`<r:Value>Callback</r:Value><r:ReplyTo><r:BareURI>`+refused+`</r:BareURI></r:ReplyTo>`, 1)
	r := rmPost(t, svc, v11, callback, setQuote("C"))
	relAck(t, "Callback to a refused ReplyTo", r, "urn:g:callback", 0, "InvalidReplyPattern")

	r = rmPost(t, svc, v11, relHeader("urn:g:poll", 0, ""), setQuote("P"))
	relAck(t, "message 0", r, "urn:g:poll", 0, "")
	r = rmPost(t, svc, v11, `<r:PollRequest xmlns:r="`+wsreliable.NSRel+`"><r:RefToMessageIds groupId="urn:g:poll"/>`+
		`<r:ReplyTo><r:BareURI>`+refused+`</r:BareURI></r:ReplyTo></r:PollRequest>`, "")
	if r.status != http.StatusInternalServerError || !strings.Contains(r.body, "InvalidPollRequest") || !strings.Contains(r.body, "192.0.2.7") {
		t.Fatalf("PollRequest to a refused ReplyTo: got %d %s, want 500 InvalidPollRequest naming the address", r.status, r.body)
	}
	b.waitLog(t, "P")
}
