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
		rd := e.Ready()
		addr, _ := soap.ReadAddressing(m)
		ctx := EncodeContext{Version: m.Version, Request: addr}
		if _, body := EncodeReplies(ctx, rd.Replies); body != nil {
			checkEnvelope(t, body)
		}
		for _, o := range rd.Send {
			checkEnvelope(t, EncodeOutbound(ctx, o, true))
		}
	})
}
