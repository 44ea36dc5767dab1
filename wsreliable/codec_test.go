package wsreliable

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// TestCodec_Golden runs each testdata/codec/<case>: setup.txt (script
// commands, optional) prepares the engine; in.xml is decoded, stepped with
// Ref 1, and the HTTP answer and every message sent are encoded; the result
// must equal want.xml (-update rewrites it).
func TestCodec_Golden(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/codec/*")
	if len(dirs) == 0 {
		t.Fatal("no codec cases")
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			got := runCodecCase(t, dir)
			wantPath := filepath.Join(dir, "want.xml")
			if *update {
				if err := os.WriteFile(wantPath, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(wantPath)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func runCodecCase(t *testing.T, dir string) []byte {
	r := newScriptRunner(t)
	if setup, err := os.ReadFile(filepath.Join(dir, "setup.txt")); err == nil {
		for _, l := range strings.Split(string(setup), "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
				r.run(l)
			}
		}
	}
	in, err := os.ReadFile(filepath.Join(dir, "in.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	m, err := soap.ReadMessageBytes(in, xmldoc.Limits{})
	if err != nil {
		t.Fatalf("reading in.xml: %v", err)
	}
	addr, _ := soap.ReadAddressing(m)
	ectx := EncodeContext{Version: m.Version, Request: addr, Self: "http://gw.example/services/Orders"}
	dctx := DecodeContext{Ref: 1, NewID: "urn:uuid:gw-seq-1", Payload: []byte("<payload/>")}
	var evs []Event
	if IsRel(m) {
		evs, err = DecodeRel(m, dctx)
	} else {
		evs, err = DecodeRM(m, dctx)
	}
	if err != nil {
		f := err.(*soap.Fault)
		fmt.Fprintf(&out, "<!-- decode: HTTP %d -->\n%s", f.HTTPStatus(m.Version), f.Marshal(m.Version))
		return out.Bytes()
	}
	for _, ev := range evs {
		shown := ev
		if msg, ok := ev.(Message); ok {
			msg.Payload = nil
			shown = msg
		}
		fmt.Fprintf(&out, "<!-- event: %T%s -->\n", ev, strings.ReplaceAll(fmt.Sprintf("%+v", shown), "--", "- -"))
		if c, ok := ev.(Created); ok && c.Local == "" {
			ev = Created{Local: "s1", ID: c.ID, Refused: c.Refused}
		}
		if a, ok := ev.(AckReceived); ok {
			if s := r.e.out[r.e.outByID[a.Group]]; s != nil && !s.Offered {
				// About one of the gateway's own sequences: the
				// destination's answer, stepped without Ref as the
				// driver does (a request may acknowledge only a
				// sequence its client offered).
				a.Ref = 0
				ev = a
			}
		}
		if err := r.e.Step(ev); err != nil {
			t.Fatal(err)
		}
	}
	var replies []Reply
	for r.e.HasReady() {
		rd := r.e.Ready()
		replies = append(replies, rd.Replies...)
		for _, o := range rd.Send {
			b := EncodeOutbound(ectx, o, false)
			checkEnvelope(t, b)
			fmt.Fprintf(&out, "<!-- send %s to %s -->\n%s", o.Kind, o.To, b)
		}
		r.e.Advance()
	}
	status, body := EncodeReplies(ectx, replies)
	if body != nil {
		checkEnvelope(t, body)
	}
	fmt.Fprintf(&out, "<!-- reply: HTTP %d -->\n%s", status, body)
	return out.Bytes()
}

// checkEnvelope fails t unless b is a SOAP envelope the guarded reader accepts.
func checkEnvelope(t testing.TB, b []byte) {
	t.Helper()
	if _, err := soap.ReadMessageBytes(b, xmldoc.Limits{}); err != nil {
		t.Errorf("encoded envelope does not read back: %v\n%s", err, b)
	}
}
