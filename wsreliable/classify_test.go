package wsreliable

import (
	"testing"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// TestIsRMIsRel_PiggyBackedHeadersLeaveTheBodyAlone checks which messages
// go to the engine: a body outside any sequence, with only piggy-backed RM
// headers, is not taken (the engine would drop it).
func TestIsRMIsRel_PiggyBackedHeadersLeaveTheBodyAlone(t *testing.T) {
	const (
		app    = `<o:SubmitOrder xmlns:o="urn:orders"/>`
		seq    = `<wsrm:Sequence><wsrm:Identifier>s</wsrm:Identifier><wsrm:MessageNumber>1</wsrm:MessageNumber></wsrm:Sequence>`
		ackReq = `<wsrm:AckRequested><wsrm:Identifier>s</wsrm:Identifier></wsrm:AckRequested>`
		ack    = `<wsrm:SequenceAcknowledgement><wsrm:Identifier>s</wsrm:Identifier><wsrm:None/></wsrm:SequenceAcknowledgement>`
		relReq = `<wsrel:Request><wsrel:MessageId groupId="g"/><wsrel:ExpiryTime>2099-01-01T00:00:00Z</wsrel:ExpiryTime>` +
			`<wsrel:ReplyPattern><wsrel:Value>Response</wsrel:Value></wsrel:ReplyPattern></wsrel:Request>`
		relResp = `<wsrel:Response><wsrel:NonSequenceReply groupId="g"/></wsrel:Response>`
		poll    = `<wsrel:PollRequest><wsrel:RefToMessageIds groupId="g"/></wsrel:PollRequest>`
	)
	for _, c := range []struct {
		name, header, body string
		rm, rel            bool
	}{
		{"sequence message", seq, app, true, false},
		{"sequence message with AckRequested", seq + ackReq, app, true, false},
		{"AckRequested alone", ackReq, "", true, false},
		{"SequenceAcknowledgement alone", ack, "", true, false},
		{"RM body", "", `<wsrm:CloseSequence><wsrm:Identifier>s</wsrm:Identifier></wsrm:CloseSequence>`, true, false},
		{"AckRequested on an application body", ackReq, app, false, false},
		{"SequenceAcknowledgement on an application body", ack, app, false, false},
		{"plain application message", "", app, false, false},
		{"wsrel Request", relReq, app, false, true},
		{"wsrel PollRequest alone", poll, "", false, true},
		{"wsrel Response on an application body", relResp, app, false, false},
		{"wsrel PollRequest on an application body", poll, app, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsrm="` + NSRM +
				`" xmlns:wsrel="` + NSRel + `"><s:Header>` + c.header + `</s:Header><s:Body>` + c.body + `</s:Body></s:Envelope>`
			m, err := soap.ReadMessageBytes([]byte(env), xmldoc.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if got := IsRM(m); got != c.rm {
				t.Errorf("IsRM: got %v, want %v", got, c.rm)
			}
			if got := IsRel(m); got != c.rel {
				t.Errorf("IsRel: got %v, want %v", got, c.rel)
			}
		})
	}
}
