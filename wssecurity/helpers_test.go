package wssecurity

import (
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex // guards t
	t  time.Time
}

func newClock(s string) *clock {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &clock{t: t}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// hashes are computed once per test binary: argon2id is slow on purpose.
var (
	hashOnce sync.Once
	hashes   map[string]string
)

// hashOf returns the argon2id hash of one of the test passwords.
func hashOf(t testing.TB, password string) string {
	t.Helper()
	hashOnce.Do(func() {
		hashes = map[string]string{}
		for _, pw := range []string{"Ernie", "secret", "s3cret!"} {
			h, err := HashPassword(pw)
			if err != nil {
				panic(err)
			}
			hashes[pw] = h
		}
	})
	h, ok := hashes[password]
	if !ok {
		t.Fatalf("no precomputed hash for %q", password)
	}
	return h
}

// newTestVerifier is a verifier over users at c.
func newTestVerifier(t testing.TB, cfg Config, c *clock, users ...User) *Verifier {
	t.Helper()
	us, err := NewUsers(users)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(cfg, us, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// readSample reads testdata/samples/name as a SOAP message.
func readSample(t testing.TB, name string) *soap.Message {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "samples", name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := soap.ReadMessageBytes(b, xmldoc.Limits{})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// envelope is a SOAP message of version v with header blocks hdr.
func envelope(t testing.TB, v soap.Version, hdr ...[]byte) *soap.Message {
	t.Helper()
	b := []byte(`<e:Envelope xmlns:e="` + v.Namespace() + `"><e:Header>`)
	for _, h := range hdr {
		b = append(b, h...)
	}
	b = append(b, `</e:Header><e:Body><p:Op xmlns:p="urn:p"/></e:Body></e:Envelope>`...)
	m, err := soap.ReadMessageBytes(b, xmldoc.Limits{})
	if err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return m
}

// check parses m's header and verifies it against p.
func check(v *Verifier, m *soap.Message, p Policy) (*Identity, error) {
	h, err := Parse(m)
	if err != nil {
		return nil, err
	}
	return v.Verify(m.Version, h, p)
}

// wantFault fails unless err is a fault of version ver with subcode code.
func wantFault(t testing.TB, what string, err error, ver soap.Version, code xml.Name) {
	t.Helper()
	var f *soap.Fault
	if !errors.As(err, &f) {
		t.Fatalf("%s: got %v, want a %s fault", what, err, code.Local)
	}
	if len(f.Subcodes) == 0 || f.Subcodes[0] != code || f.Version != ver {
		t.Fatalf("%s: got fault %v (version %v), want %s in SOAP %v", what, f, f.Version, code.Local, ver)
	}
}

// wantIdentity fails unless err is nil and id is named name.
func wantIdentity(t testing.TB, what string, id *Identity, err error, name string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: got %v, want identity %s", what, err, name)
	}
	if id == nil || id.Name != name {
		t.Fatalf("%s: got identity %+v, want %s", what, id, name)
	}
}
