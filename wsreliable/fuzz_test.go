package wsreliable

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

var fuzzLimits = xmldoc.Limits{MaxBytes: 1 << 16, MaxDepth: 32, MaxElements: 2000}

// FuzzParseHeaders decodes arbitrary envelopes with both codecs: no panic,
// every error a *soap.Fault, and the events stepped through an engine
// answer with envelopes that read back.
func FuzzParseHeaders(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/codec/*/in.xml")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := soap.ReadMessageBytes(b, fuzzLimits)
		if err != nil {
			return
		}
		e, _ := New(Config{InOrder: true})
		e.Tick(scriptEpoch)
		for _, decode := range []func(*soap.Message, DecodeContext) ([]Event, error){DecodeRM, DecodeRel} {
			evs, err := decode(m, DecodeContext{Ref: 1, NewID: "urn:new"})
			var sf *soap.Fault
			if err != nil && !errors.As(err, &sf) {
				t.Fatalf("error %T is not a *soap.Fault: %v", err, err)
			}
			for _, ev := range evs {
				if err := e.Step(ev); err != nil {
					t.Fatal(err)
				}
			}
		}
		_, _ = DecodePeerFault(m)
		checkAnswers(t, m, e.Ready(), func(t *testing.T, b []byte) { checkEnvelope(t, b) })
	})
}

// checkAnswers encodes the replies and sends of rd, answering request m,
// and calls check on each envelope.
func checkAnswers(t *testing.T, m *soap.Message, rd Ready, check func(t *testing.T, b []byte)) {
	t.Helper()
	addr, _ := soap.ReadAddressing(m)
	ctx := EncodeContext{Version: m.Version, Request: addr}
	if _, body := EncodeReplies(ctx, rd.Replies); body != nil {
		check(t, body)
	}
	for _, o := range rd.Send {
		check(t, EncodeOutbound(ctx, o, true))
	}
}

// FuzzDecodeRM200502 puts arbitrary header and body content into a WS-RM
// February 2005 envelope (WS-Addressing 2004/08, the LastMessage action
// when last is set) after a CreateSequence of the sequence "s": decoding
// never panics and fails only with a *soap.Fault; every event is of the
// 2005/02 version; stepped through an engine, nothing of the LastMessage
// action is delivered, and every answer reads back as an envelope with no
// WS-RM 1.2 element.
func FuzzDecodeRM200502(f *testing.F) {
	f.Add(`<wsrm:Sequence><wsrm:Identifier>s</wsrm:Identifier><wsrm:MessageNumber>1</wsrm:MessageNumber></wsrm:Sequence>`, `<o:x xmlns:o="urn:o"/>`, false)
	f.Add(`<wsrm:Sequence><wsrm:Identifier>s</wsrm:Identifier><wsrm:MessageNumber>2</wsrm:MessageNumber><wsrm:LastMessage/></wsrm:Sequence>`, ``, true)
	f.Add(`<wsrm:AckRequested><wsrm:Identifier>s</wsrm:Identifier></wsrm:AckRequested>`, ``, false)
	f.Add(`<wsrm:SequenceAcknowledgement><wsrm:Identifier>s</wsrm:Identifier><wsrm:AcknowledgementRange Upper="0" Lower="0"/></wsrm:SequenceAcknowledgement>`, ``, false)
	f.Add(``, `<wsrm:CreateSequence><wsrm:AcksTo><wsa:Address>http://x/</wsa:Address></wsrm:AcksTo><wsrm:Offer><wsrm:Identifier>o</wsrm:Identifier></wsrm:Offer></wsrm:CreateSequence>`, false)
	f.Add(``, `<wsrm:TerminateSequence><wsrm:Identifier>s</wsrm:Identifier></wsrm:TerminateSequence>`, false)
	f.Fuzz(func(t *testing.T, header, body string, last bool) {
		action := "urn:o/op"
		if last {
			action = ActionLastMessage
		}
		env := `<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsa="` + soap.WSANS2004 + `" xmlns:wsrm="` + NSRM200502 +
			`"><S:Header><wsa:Action>` + action + `</wsa:Action><wsa:MessageID>urn:m</wsa:MessageID>` + header + `</S:Header><S:Body>` + body + `</S:Body></S:Envelope>`
		m, err := soap.ReadMessageBytes([]byte(env), fuzzLimits)
		if err != nil {
			return
		}
		evs, err := DecodeRM(m, DecodeContext{Ref: 1, NewID: "urn:new", Payload: []byte("p")})
		var sf *soap.Fault
		if err != nil && !errors.As(err, &sf) {
			t.Fatalf("error %T is not a *soap.Fault: %v", err, err)
		}
		e, _ := New(Config{InOrder: true})
		e.Tick(scriptEpoch)
		e.Step(CreateSequence{Ref: 9, Proto: RM200502, NewID: "s"}) //nolint:errcheck // a known event
		drainReady(e)
		for _, ev := range evs {
			checkEventVersion(t, ev)
			if err := e.Step(ev); err != nil {
				t.Fatal(err)
			}
		}
		rd := drainReady(e)
		for _, d := range rd.Deliver {
			if last {
				t.Fatalf("delivered %s#%d of the LastMessage action", d.Group, d.Number)
			}
		}
		checkAnswers(t, m, rd, checkNo12)
	})
}

// checkEventVersion fails t unless ev is of WS-RM February 2005 (or a
// MakeConnection, which is of no WS-RM version).
func checkEventVersion(t *testing.T, ev Event) {
	t.Helper()
	var p Protocol
	switch ev := ev.(type) {
	case Message:
		p = ev.Proto
	case CreateSequence:
		p = ev.Proto
	case AckRequest:
		p = ev.Proto
	case Terminate:
		p = ev.Proto
	case AckReceived:
		p = ev.Proto
	case MakeConnection: // WS-MakeConnection 1.1 has no WS-RM version
		return
	default:
		t.Fatalf("event %T from a WS-RM February 2005 message", ev)
	}
	if p != RM200502 {
		t.Fatalf("event %+v: got protocol %v, want wsrm200502", ev, p)
	}
}

// checkNo12 fails t unless b reads back as an envelope with no header or
// body element in the WS-RM 1.2 namespace.
func checkNo12(t *testing.T, b []byte) {
	t.Helper()
	checkEnvelope(t, b)
	m, err := soap.ReadMessageBytes(b, xmldoc.Limits{})
	if err != nil {
		return
	}
	for _, h := range m.Headers {
		if h.Name.Space == NSRM {
			t.Fatalf("a WS-RM 1.2 header %s in an answer to February 2005:\n%s", h.Name.Local, b)
		}
	}
	if m.Payload.Name().Space == NSRM {
		t.Fatalf("a WS-RM 1.2 body in an answer to February 2005:\n%s", b)
	}
}
