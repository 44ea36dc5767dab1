package wssecurity

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// FuzzParse feeds envelopes to Parse and Verify: no input may panic, every
// error must be a *soap.Fault of the message's version, and what Parse
// accepts must hold the bounds it promises.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "samples", "*.xml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, tok := range []Token{
		{Username: "alice", Password: "s3cret!", Digest: true, Nonce: []byte("nonce"), Created: now, Timestamp: time.Minute},
		{Username: "alice", Password: "s3cret!"},
	} {
		f.Add([]byte(`<e:Envelope xmlns:e="` + soap.NS12 + `"><e:Header>` + string(tok.Header()) +
			`</e:Header><e:Body/></e:Envelope>`))
	}
	c := &clock{t: now}
	v := newTestVerifier(f, Config{}, c, User{Name: "alice", DigestSecret: "s3cret!"})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := soap.ReadMessageBytes(b, xmldoc.Limits{MaxBytes: 64 << 10})
		if err != nil {
			return
		}
		h, err := Parse(m)
		if err != nil {
			mustBeFault(t, err, m.Version)
			return
		}
		if h == nil {
			return
		}
		if ut := h.UsernameToken; ut != nil {
			if len(ut.Username) > MaxUsernameLen || len(ut.Password) > MaxPasswordLen || len(ut.Nonce) > MaxNonceLen {
				t.Fatalf("token over its bounds: %d, %d, %d bytes", len(ut.Username), len(ut.Password), len(ut.Nonce))
			}
			if ut.PasswordType == Digest && len(ut.digest) != 20 {
				t.Fatalf("digest of %d bytes accepted", len(ut.digest))
			}
		}
		if ts := h.Timestamp; ts != nil && !ts.Expires.IsZero() && ts.Expires.Before(ts.Created) {
			t.Fatal("a Timestamp that expires before it was created was accepted")
		}
		if _, err := v.Verify(m.Version, h, Policy{}); err != nil {
			mustBeFault(t, err, m.Version)
		}
	})
}

func mustBeFault(t *testing.T, err error, v soap.Version) {
	t.Helper()
	var f *soap.Fault
	if !errors.As(err, &f) || f.Version != v || len(f.Subcodes) == 0 {
		t.Fatalf("got %v, want a fault with a subcode in SOAP %v", err, v)
	}
}
