package gateway

import (
	"encoding/xml"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/internal/fakeclock"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsreliable"
)

// rmNS declares the prefixes of the RM header blocks and bodies below.
const rmNS = ` xmlns:wsrm="` + wsreliable.NSRM + `" xmlns:wsmc="` + wsreliable.NSMC + `" xmlns:wsa="` + rmWSANS + `"`

// rmPost posts an envelope of version v with header blocks and body to url.
func rmPost(t *testing.T, url string, v soapVersion, header, body string) response {
	t.Helper()
	return post(t, url, v, "SetQuote", envelope(v, header, body))
}

// rmCreate creates a sequence over v with the given CreateSequence
// children (AcksTo anonymous when ""), returning its Identifier.
func rmCreate(t *testing.T, url string, v soapVersion, children string) string {
	t.Helper()
	if children == "" {
		children = `<wsrm:AcksTo><wsa:Address>` + rmWSANS + `/anonymous</wsa:Address></wsrm:AcksTo>`
	}
	r := rmPost(t, url, v, `<wsa:Action`+rmNS+`>`+wsreliable.ActionCreateSequence+`</wsa:Action>`,
		`<wsrm:CreateSequence`+rmNS+`>`+children+`</wsrm:CreateSequence>`)
	m := identRE.FindStringSubmatch(r.body)
	if r.status != http.StatusOK || m == nil {
		t.Fatalf("CreateSequence (%v): got %d %s, want 200 with an Identifier", v, r.status, r.body)
	}
	return m[1]
}

// rmMessage sends message n of seq (SetQuote of symbol) over v.
func rmMessage(t *testing.T, url string, v soapVersion, seq string, n uint64, symbol string) response {
	t.Helper()
	hdr := fmt.Sprintf(`<wsrm:Sequence%s><wsrm:Identifier>%s</wsrm:Identifier><wsrm:MessageNumber>%d</wsrm:MessageNumber></wsrm:Sequence>`, rmNS, seq, n)
	return rmPost(t, url, v, hdr, setQuote(symbol))
}

// rmBody sends an RM protocol message (CloseSequence, TerminateSequence,
// MakeConnection...) with its action over v.
func rmBody(t *testing.T, url string, v soapVersion, action, body string) response {
	t.Helper()
	return rmPost(t, url, v, `<wsa:Action`+rmNS+`>`+action+`</wsa:Action>`, body)
}

func mustOK(t *testing.T, what string, r response) {
	t.Helper()
	if r.status >= 300 {
		t.Fatalf("%s: got %d %s, want success", what, r.status, r.body)
	}
}

// checkRMFault checks that r is a fault of version v with code and
// subcode sub, the HTTP status and media type of v (SOAP 1.1: 500; SOAP
// 1.2: 400 for Sender, 500 for Receiver), and, for a WS-RM fault, its
// wsrm:SequenceFault header in SOAP 1.1 and none in SOAP 1.2 (WS-RM 1.2,
// 4.1).
func checkRMFault(t *testing.T, r response, v soapVersion, code soap.Code, sub xml.Name) {
	t.Helper()
	wantStatus, wantType, wantVersion := http.StatusInternalServerError, soap.MediaType11, soap.V11
	if v == v12 {
		wantType, wantVersion = soap.MediaType12, soap.V12
		if code == soap.CodeSender {
			wantStatus = http.StatusBadRequest
		}
	}
	if r.status != wantStatus {
		t.Errorf("status: got %d, want %d: %s", r.status, wantStatus, r.body)
	}
	if mt, _, _ := mime.ParseMediaType(r.header.Get("Content-Type")); mt != wantType {
		t.Errorf("Content-Type: got %q, want %s", r.header.Get("Content-Type"), wantType)
	}
	m, err := soap.ReadMessageBytes([]byte(r.body), xmldoc.Limits{})
	if err != nil {
		t.Fatalf("reply: got %v, want a SOAP envelope: %s", err, r.body)
	}
	if m.Version != wantVersion {
		t.Errorf("reply version: got %v, want %v", m.Version, wantVersion)
	}
	f, ok := m.Fault()
	if !ok {
		t.Fatalf("reply: got no fault, want %s/%s: %s", code, sub.Local, r.body)
	}
	if f.Code != code {
		t.Errorf("fault code: got %q, want %q", f.Code, code)
	}
	if len(f.Subcodes) == 0 || f.Subcodes[0] != sub {
		t.Errorf("fault subcodes: got %v, want %v first", f.Subcodes, sub)
	}
	if sub.Space != wsreliable.NSRM {
		return
	}
	var seqFault *soap.HeaderBlock
	for i, h := range m.Headers {
		if h.Name == (xml.Name{Space: wsreliable.NSRM, Local: "SequenceFault"}) {
			seqFault = &m.Headers[i]
		}
	}
	switch {
	case v == v11 && seqFault == nil:
		t.Errorf("SOAP 1.1 fault: got no wsrm:SequenceFault header, want one: %s", r.body)
	case v == v11:
		fc := strings.TrimSpace(seqFault.Element.Child(wsreliable.NSRM, "FaultCode").Text())
		if !strings.HasSuffix(fc, ":"+sub.Local) {
			t.Errorf("SequenceFault/FaultCode: got %q, want wsrm:%s", fc, sub.Local)
		}
	case seqFault != nil:
		t.Errorf("SOAP 1.2 fault: got a wsrm:SequenceFault header, want none (WS-RM 1.2, 4.1)")
	}
}

func rmFault(local string) xml.Name { return xml.Name{Space: wsreliable.NSRM, Local: local} }
func mcFault(local string) xml.Name { return xml.Name{Space: wsreliable.NSMC, Local: local} }

// Each WS-RM 1.2 and WS-MC 1.1 fault the driver returns, provoked over
// HTTP in SOAP 1.1 and 1.2: the fault comes in the request's version, with
// the status of its code and the WS-RM subcode.
func TestReliable_FaultsInRequestVersion(t *testing.T) {
	b := newLogBackend(t)
	db := openTestDB(t, t.TempDir())
	defer db.Close()
	required := reliableQuote(b)
	required.Name = "QuotesRequired"
	rc := *required.Reliable
	rc.Require = true
	required.Reliable = &rc
	base, stop := serveWithDB(t, Config{Services: []ServiceConfig{reliableQuote(b), required}}, db)
	defer stop()
	url := base + "/services/Quotes"
	for _, v := range []soapVersion{v11, v12} {
		t.Run(v.String(), func(t *testing.T) {
			cases := []struct {
				name    string
				provoke func(t *testing.T) response
				code    soap.Code
				sub     xml.Name
			}{
				{"UnknownSequence", func(t *testing.T) response {
					return rmMessage(t, url, v, "urn:wsgw:test:no-such-sequence", 1, "U")
				}, soap.CodeSender, rmFault("UnknownSequence")},
				{"SequenceTerminated", func(t *testing.T) response {
					seq := rmCreate(t, url, v, "")
					mustOK(t, "message 1", rmMessage(t, url, v, seq, 1, "T1"))
					mustOK(t, "TerminateSequence", rmBody(t, url, v, wsreliable.ActionTerminateSequence,
						`<wsrm:TerminateSequence`+rmNS+`><wsrm:Identifier>`+seq+`</wsrm:Identifier></wsrm:TerminateSequence>`))
					return rmMessage(t, url, v, seq, 2, "T2")
				}, soap.CodeSender, rmFault("SequenceTerminated")},
				{"MessageNumberRollover", func(t *testing.T) response {
					return rmMessage(t, url, v, rmCreate(t, url, v, ""), 1<<63, "R")
				}, soap.CodeSender, rmFault("MessageNumberRollover")},
				{"SequenceClosed", func(t *testing.T) response {
					seq := rmCreate(t, url, v, "")
					mustOK(t, "message 1", rmMessage(t, url, v, seq, 1, "C1"))
					mustOK(t, "CloseSequence", rmBody(t, url, v, wsreliable.ActionCloseSequence,
						`<wsrm:CloseSequence`+rmNS+`><wsrm:Identifier>`+seq+`</wsrm:Identifier></wsrm:CloseSequence>`))
					return rmMessage(t, url, v, seq, 2, "C2")
				}, soap.CodeSender, rmFault("SequenceClosed")},
				{"InvalidAcknowledgement", func(t *testing.T) response {
					offer := rmCreate(t, url, v, "") + "-offer"
					rmCreate(t, url, v, `<wsrm:AcksTo><wsa:Address>`+rmWSANS+`/anonymous</wsa:Address></wsrm:AcksTo>`+
						`<wsrm:Offer><wsrm:Identifier>`+offer+`</wsrm:Identifier><wsrm:Endpoint><wsa:Address>`+rmWSANS+
						`/anonymous</wsa:Address></wsrm:Endpoint></wsrm:Offer>`)
					return rmPost(t, url, v, `<wsrm:SequenceAcknowledgement`+rmNS+`><wsrm:Identifier>`+offer+
						`</wsrm:Identifier><wsrm:AcknowledgementRange Upper="1" Lower="1"/></wsrm:SequenceAcknowledgement>`, "")
				}, soap.CodeSender, rmFault("InvalidAcknowledgement")},
				{"CreateSequenceRefused", func(t *testing.T) response {
					return rmBody(t, url, v, wsreliable.ActionCreateSequence, `<wsrm:CreateSequence`+rmNS+
						`><wsrm:AcksTo><wsa:Address>`+soap.WSANone+`</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence>`)
				}, soap.CodeSender, rmFault("CreateSequenceRefused")},
				{"WSRMRequired (no RM headers, require)", func(t *testing.T) response {
					return rmPost(t, base+"/services/QuotesRequired", v, "", setQuote("P"))
				}, soap.CodeSender, rmFault("WSRMRequired")},
				{"MissingSelection", func(t *testing.T) response {
					return rmBody(t, url, v, wsreliable.ActionMakeConnection, `<wsmc:MakeConnection`+rmNS+`/>`)
				}, soap.CodeSender, mcFault("MissingSelection")},
				{"UnsupportedSelection", func(t *testing.T) response {
					return rmBody(t, url, v, wsreliable.ActionMakeConnection, `<wsmc:MakeConnection`+rmNS+
						`><wsrm:Identifier>urn:wsgw:test:s</wsrm:Identifier><wsmc:Address>`+wsreliable.MCAnonymousPrefix+
						`x</wsmc:Address></wsmc:MakeConnection>`)
				}, soap.CodeReceiver, mcFault("UnsupportedSelection")},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					checkRMFault(t, c.provoke(t), v, c.code, c.sub)
				})
			}
		})
	}
	if got := b.received(); len(got) != 0 && !onlySymbols(got, "T1", "C1") {
		t.Errorf("backend received %v, want at most the messages accepted before termination and close", got)
	}
}

// onlySymbols reports whether every entry of got is one of allowed.
func onlySymbols(got []string, allowed ...string) bool {
	for _, g := range got {
		ok := false
		for _, a := range allowed {
			ok = ok || g == a
		}
		if !ok {
			return false
		}
	}
	return true
}

// relHeader is a WS-Reliability 1.1 Request header for message n of group
// (Response pattern, AckRequested, DuplicateElimination) with extra
// SequenceNum attributes.
func relHeader(group string, n int, seqAttrs string) string {
	return fmt.Sprintf(`<r:Request xmlns:r="%s" soap:mustUnderstand="1"><r:MessageId groupId="%s"><r:SequenceNum number="%d"%s/></r:MessageId>`+
		`<r:ExpiryTime>%s</r:ExpiryTime><r:ReplyPattern><r:Value>Response</r:Value></r:ReplyPattern><r:AckRequested/><r:DuplicateElimination/></r:Request>`,
		wsreliable.NSRel, group, n, seqAttrs, time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
}

// relAck checks that r acknowledges message n of group, with the fault
// attribute fault ("" for none).
func relAck(t *testing.T, what string, r response, group string, n int, fault string) {
	t.Helper()
	want := fmt.Sprintf(`<wsrel:SequenceReplies groupId="%s"><wsrel:ReplyRange from="%d" to="%d"/>`, group, n, n)
	if fault != "" {
		want = fmt.Sprintf(`<wsrel:SequenceReplies groupId="%s"><wsrel:ReplyRange from="%d" to="%d" fault="wsrel:%s"/>`, group, n, n, fault)
	}
	if r.status != http.StatusOK || !strings.Contains(r.body, want) {
		t.Errorf("%s: got %d %s, want 200 with %s", what, r.status, r.body, want)
	}
}

// Groups and sequences end by time: a WS-Reliability group at its
// groupExpiryTime or after groupMaxIdleDuration without traffic (later new
// messages: GroupAborted; repeats still acknowledged), a WS-RM sequence at
// its granted Expires or after the service's idle_timeout (later messages:
// SequenceTerminated). Nothing refused is delivered.
func TestReliable_GroupExpiryAndIdleTermination(t *testing.T) {
	b := newLogBackend(t)
	db := openTestDB(t, t.TempDir())
	defer db.Close()
	idle := reliableQuote(b)
	idle.Name = "QuotesIdle"
	rc := *idle.Reliable
	rc.IdleTimeout = 500 * time.Millisecond
	idle.Reliable = &rc
	clock := fakeclock.New(time.Now())
	addr, stop := serveAt(t, Config{Services: []ServiceConfig{reliableQuote(b), idle}}, Options{DB: db, Now: clock.Now}, "127.0.0.1:0")
	defer stop()
	url, idleURL := "http://"+addr+"/services/Quotes", "http://"+addr+"/services/QuotesIdle"

	const limit = 500 * time.Millisecond
	expiring, idling := "urn:uuid:wsrel-group-expiry", "urn:uuid:wsrel-group-idle"
	expiry := clock.Now().Add(limit).UTC().Format(time.RFC3339Nano)
	relAck(t, "expiring group, message 0", rmPost(t, url, v11, relHeader(expiring, 0, ` groupExpiryTime="`+expiry+`"`), setQuote("E0")), expiring, 0, "")
	relAck(t, "idling group, message 0", rmPost(t, url, v11, relHeader(idling, 0, ` groupMaxIdleDuration="PT0.5S"`), setQuote("I0")), idling, 0, "")
	expires := rmCreate(t, url, v11, `<wsrm:AcksTo><wsa:Address>`+rmWSANS+`/anonymous</wsa:Address></wsrm:AcksTo><wsrm:Expires>PT0.5S</wsrm:Expires>`)
	mustOK(t, "expiring sequence, message 1", rmMessage(t, url, v11, expires, 1, "S1"))
	idles := rmCreate(t, idleURL, v11, "")
	mustOK(t, "idling sequence, message 1", rmMessage(t, idleURL, v11, idles, 1, "Q1"))
	waitReceived(t, b, "E0", "I0", "S1", "Q1")

	// Past every limit: the engine sees the time at the next request.
	clock.Advance(limit + 300*time.Millisecond)

	relAck(t, "expired group, message 1", rmPost(t, url, v11, relHeader(expiring, 1, ""), setQuote("E1")), expiring, 1, "GroupAborted")
	relAck(t, "expired group, message 0 again", rmPost(t, url, v11, relHeader(expiring, 0, ""), setQuote("E0")), expiring, 0, "")
	relAck(t, "idle group, message 1", rmPost(t, url, v11, relHeader(idling, 1, ""), setQuote("I1")), idling, 1, "GroupAborted")
	relAck(t, "idle group, message 0 again", rmPost(t, url, v11, relHeader(idling, 0, ""), setQuote("I0")), idling, 0, "")
	checkRMFault(t, rmMessage(t, url, v11, expires, 2, "S2"), v11, soap.CodeSender, rmFault("SequenceTerminated"))
	checkRMFault(t, rmMessage(t, idleURL, v12, idles, 2, "Q2"), v12, soap.CodeSender, rmFault("SequenceTerminated"))

	// Whatever was refused must not reach the backend: a last accepted
	// message on a fresh sequence marks the end of the deliveries.
	mustOK(t, "fresh sequence, message 1", rmMessage(t, url, v11, rmCreate(t, url, v11, ""), 1, "Z"))
	waitReceived(t, b, "E0", "I0", "S1", "Q1", "Z")
}

// waitReceived waits until b has received exactly want, in any order
// (groups and sequences are delivered in parallel).
func waitReceived(t *testing.T, b *logBackend, want ...string) {
	t.Helper()
	want = slices.Sorted(slices.Values(want))
	checkfor.Until(t, 15*time.Second, func() error {
		if got := slices.Sorted(slices.Values(b.received())); !slices.Equal(got, want) {
			return fmt.Errorf("backend log: got %v, want %v in any order", got, want)
		}
		return nil
	})
}

// relPollHeader is a Request header for message n of an ordered group,
// ReplyPattern Poll, expiring at exp.
func relPollHeader(group string, n int, exp time.Time) string {
	return fmt.Sprintf(`<r:Request xmlns:r="%s" soap:mustUnderstand="1"><r:MessageId groupId="%s"><r:SequenceNum number="%d"/></r:MessageId>`+
		`<r:ExpiryTime>%s</r:ExpiryTime><r:ReplyPattern><r:Value>Poll</r:Value></r:ReplyPattern><r:AckRequested/><r:MessageOrder/></r:Request>`,
		wsreliable.NSRel, group, n, exp.UTC().Format(time.RFC3339Nano))
}

// relPoll polls group and returns the answer's body.
func relPoll(t *testing.T, url, group string) string {
	t.Helper()
	r := rmPost(t, url, v11, `<r:PollRequest xmlns:r="`+wsreliable.NSRel+`" soap:mustUnderstand="1"><r:RefToMessageIds groupId="`+group+`"/></r:PollRequest>`, "")
	if r.status != http.StatusOK {
		t.Fatalf("PollRequest for %s: got %d %s, want 200", group, r.status, r.body)
	}
	return r.body
}

// Failures after acceptance reach a WS-Reliability Poll sender: a message
// the backend can never take is PermanentProcessingFailure; a held message
// whose ExpiryTime passes is dropped as MessageProcessingFailure and its gap
// skipped, so the group's later messages are delivered, in order.
func TestReliable_WSReliabilityFailuresPolled(t *testing.T) {
	b := newLogBackend(t)
	db := openTestDB(t, t.TempDir())
	defer db.Close()
	base, stop := serveWithDB(t, Config{Services: []ServiceConfig{reliableQuote(b)}}, db)
	defer stop()
	url := base + "/services/Quotes"
	later := time.Now().Add(time.Hour)

	const rejected = "urn:uuid:wsrel-poll-rejected"
	if r := rmPost(t, url, v11, relPollHeader(rejected, 0, later), `<q:NoSuchOperation/>`); r.status >= 300 {
		t.Fatalf("message for no operation: got %d %s, want it accepted", r.status, r.body)
	}
	checkfor.Until(t, 10*time.Second, func() error {
		if body := relPoll(t, url, rejected); !strings.Contains(body, `from="0" to="0" fault="wsrel:PermanentProcessingFailure"`) {
			return fmt.Errorf("poll: got %s, want message 0 with PermanentProcessingFailure", body)
		}
		return nil
	})

	const held = "urn:uuid:wsrel-poll-held"
	soon := time.Now().Add(300 * time.Millisecond)
	if r := rmPost(t, url, v11, relPollHeader(held, 1, soon), setQuote("H1")); r.status >= 300 {
		t.Fatalf("message 1 (held): got %d %s, want it accepted", r.status, r.body)
	}
	checkfor.Until(t, 10*time.Second, func() error {
		if body := relPoll(t, url, held); !strings.Contains(body, `from="1" to="1" fault="wsrel:MessageProcessingFailure"`) {
			return fmt.Errorf("poll: got %s, want message 1 with MessageProcessingFailure", body)
		}
		return nil
	})
	for _, n := range []int{0, 2} {
		if r := rmPost(t, url, v11, relPollHeader(held, n, later), setQuote(fmt.Sprintf("H%d", n))); r.status >= 300 {
			t.Fatalf("message %d: got %d %s, want it accepted", n, r.status, r.body)
		}
	}
	b.waitLog(t, "H0", "H2")
}
