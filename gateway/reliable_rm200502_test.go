package gateway

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsreliable"
)

// rm5NS declares the prefixes of WS-RM February 2005 elements over
// WS-Addressing 2004/08, the combination its text names (CXF's default).
const rm5NS = ` xmlns:wsrm="` + wsreliable.NSRM200502 + `" xmlns:wsa="` + soap.WSANS2004 + `"`

// rm5Client is a WS-RM February 2005 client of one sequence, speaking
// SOAP version v.
type rm5Client struct {
	t   *testing.T
	url string
	v   soapVersion
	seq string
}

// post sends header blocks (the wsa:Action of action first) and body.
func (c *rm5Client) post(action, header, body string) response {
	c.t.Helper()
	return rmPost(c.t, c.url, c.v, `<wsa:Action`+rm5NS+`>`+action+`</wsa:Action>`+header, body)
}

// read parses r as an envelope of the client's SOAP version.
func (c *rm5Client) read(what string, r response) *soap.Message {
	c.t.Helper()
	m, err := soap.ReadMessageBytes([]byte(r.body), xmldoc.Limits{})
	if err != nil {
		c.t.Fatalf("%s: got %v, want an envelope: %d %s", what, err, r.status, r.body)
	}
	if want := map[soapVersion]soap.Version{v11: soap.V11, v12: soap.V12}[c.v]; m.Version != want {
		c.t.Fatalf("%s: got SOAP %v, want %v", what, m.Version, want)
	}
	if strings.Contains(r.body, wsreliable.NSRM+`"`) {
		c.t.Errorf("%s: a WS-RM 1.2 name in the answer to a February 2005 client: %s", what, r.body)
	}
	return m
}

// message sends message n (SetQuote of symbol; LastMessage when last) and
// returns the answer.
func (c *rm5Client) message(n int, symbol string, last, ackReq bool) response {
	c.t.Helper()
	lm, ar := "", ""
	if last {
		lm = `<wsrm:LastMessage/>`
	}
	if ackReq {
		ar = `<wsrm:AckRequested` + rm5NS + `><wsrm:Identifier>` + c.seq + `</wsrm:Identifier></wsrm:AckRequested>`
	}
	hdr := fmt.Sprintf(`<wsrm:Sequence%s><wsrm:Identifier>%s</wsrm:Identifier><wsrm:MessageNumber>%d</wsrm:MessageNumber>%s</wsrm:Sequence>%s`,
		rm5NS, c.seq, n, lm, ar)
	return c.post(quoteNS+"/SetQuote", hdr, setQuote(symbol))
}

// acked sends message n and checks the acknowledgement ranges it gets.
func (c *rm5Client) acked(n int, symbol string, ackReq bool, want string) {
	c.t.Helper()
	r := c.message(n, symbol, false, ackReq)
	c.read(fmt.Sprintf("message %d", n), r)
	if got := ackRanges(r.body); r.status != http.StatusOK || got != want || strings.Contains(r.body, "Final") {
		c.t.Fatalf("message %d: got %d with ranges %q, want 200 with %q and no Final: %s", n, r.status, got, want, r.body)
	}
}

// A whole WS-RM February 2005 sequence through the gateway's reliable
// service, over SOAP 1.1 and 1.2 with WS-Addressing 2004/08: created in
// 2005/02, a message lost and resent with AckRequested, a duplicate, the
// empty-bodied message of the LastMessage action, a number beyond it,
// TerminateSequence answered 202, a message after the end. Every answer is
// in the client's SOAP version and WS-RM version; the backend gets each
// SetQuote once, in order.
func TestReliable_RM200502WholeSequence(t *testing.T) {
	for _, v := range []soapVersion{v11, v12} {
		t.Run(v.String(), func(t *testing.T) {
			b, c12 := reliableScenario(t)
			c := &rm5Client{t: t, url: c12.url, v: v}
			r := c.post(wsreliable.NSRM200502+"/CreateSequence", `<wsa:MessageID`+rm5NS+`>urn:uuid:create-5</wsa:MessageID>`,
				`<wsrm:CreateSequence`+rm5NS+`><wsrm:AcksTo><wsa:Address>`+soap.WSAAnonymous2004+`</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence>`)
			m := c.read("CreateSequence", r)
			resp := m.Payload
			c.seq = strings.TrimSpace(resp.Child(wsreliable.NSRM200502, "Identifier").Text())
			addr, _ := soap.ReadAddressing(m)
			if r.status != http.StatusOK || resp.Name() != (xml.Name{Space: wsreliable.NSRM200502, Local: "CreateSequenceResponse"}) || c.seq == "" ||
				addr.NS != soap.WSANS2004 || addr.Action != wsreliable.NSRM200502+"/CreateSequenceResponse" ||
				len(addr.RelatesTo) != 1 || addr.RelatesTo[0].ID != "urn:uuid:create-5" {
				t.Fatalf("CreateSequence: got %d %s, want a February 2005 CreateSequenceResponse over WS-Addressing 2004/08", r.status, r.body)
			}
			c.acked(1, "A", false, "1-1")
			c.acked(3, "C", false, "1-1,3-3") // 2 lost
			c.acked(2, "B", true, "1-3")      // resent
			c.acked(2, "B", false, "1-3")     // a duplicate
			r = c.post(wsreliable.ActionLastMessage, fmt.Sprintf(`<wsrm:Sequence%s><wsrm:Identifier>%s</wsrm:Identifier><wsrm:MessageNumber>4</wsrm:MessageNumber><wsrm:LastMessage/></wsrm:Sequence>`, rm5NS, c.seq), "")
			if c.read("LastMessage", r); r.status != http.StatusOK || ackRanges(r.body) != "1-4" {
				t.Fatalf("the LastMessage action's message 4: got %d %s, want 200 with 1-4", r.status, r.body)
			}
			c.checkFault("message 5, beyond the last", c.message(5, "E", false, false), "LastMessageNumberExceeded")
			r = c.post(wsreliable.NSRM200502+"/TerminateSequence", "",
				`<wsrm:TerminateSequence`+rm5NS+`><wsrm:Identifier>`+c.seq+`</wsrm:Identifier></wsrm:TerminateSequence>`)
			if r.status != http.StatusAccepted || r.body != "" {
				t.Fatalf("TerminateSequence: got %d %q, want 202 with no body (no TerminateSequenceResponse in 2005/02)", r.status, r.body)
			}
			c.checkFault("a message after TerminateSequence", c.message(2, "B", false, false), "SequenceTerminated")
			b.waitLog(t, "A", "B", "C")
		})
	}
}

// checkFault checks that r is the WS-RM February 2005 fault local, as its
// section 4 binds it: SOAP 1.1, faultcode Client and a wsrm:SequenceFault
// header with the code and the Identifier; SOAP 1.2, HTTP 400, Sender
// with the code as subcode and the Identifier as Detail.
func (c *rm5Client) checkFault(what string, r response, local string) {
	c.t.Helper()
	m := c.read(what, r)
	f, ok := m.Fault()
	code := xml.Name{Space: wsreliable.NSRM200502, Local: local}
	if !ok || f.Code != soap.CodeSender || len(f.Subcodes) == 0 || f.Subcodes[0] != code {
		c.t.Fatalf("%s: got %d %s, want the Sender fault %v", what, r.status, r.body, code)
	}
	var id string
	if c.v == v11 {
		var sf soap.HeaderBlock
		for _, h := range m.Headers {
			if h.Name == (xml.Name{Space: wsreliable.NSRM200502, Local: "SequenceFault"}) {
				sf = h
			}
		}
		fc := strings.TrimSpace(sf.Element.Child(wsreliable.NSRM200502, "FaultCode").Text())
		if !sf.Element.Valid() || !strings.HasSuffix(fc, ":"+local) || !strings.Contains(r.body, "<faultcode>soap:Client</faultcode>") {
			c.t.Fatalf("%s: got %s, want faultcode Client and a SequenceFault header with %s", what, r.body, local)
		}
		id = sf.Element.Child(wsreliable.NSRM200502, "Identifier").Text()
	} else {
		if r.status != http.StatusBadRequest {
			c.t.Errorf("%s: got HTTP %d, want 400", what, r.status)
		}
		d, err := soap.ReadMessageBytes([]byte(`<x:Envelope xmlns:x="`+soap.NS12+`"><x:Body>`+string(f.Detail)+`</x:Body></x:Envelope>`), xmldoc.Limits{})
		if err == nil {
			id = d.Payload.Text()
		}
	}
	if strings.TrimSpace(id) != c.seq {
		c.t.Errorf("%s: got the Identifier %q in the fault detail, want %q: %s", what, id, c.seq, r.body)
	}
}
