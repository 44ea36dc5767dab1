package egress

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// recordingServer counts the requests it receives.
func recordingServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1) }))
	t.Cleanup(srv.Close)
	return srv, &n
}

// A name one of whose addresses is refused is refused whole, at arrival
// (Check) and when dialled, although its other address is allowed and
// serves: the dial does not fall back to the allowed address.
func TestClient_DialRefusesNameWithARefusedAddress(t *testing.T) {
	srv, hits := recordingServer(t)
	port := srv.URL[strings.LastIndexByte(srv.URL, ':')+1:]
	p, _ := New(Loopback())
	p.Resolver = fakeResolver{
		"mixed.test":  {netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("127.0.0.1")},
		"inside.test": {netip.MustParseAddr("127.0.0.1")},
	}
	c := p.Client(nil, 0)
	mixed := "http://mixed.test:" + port + "/x"
	if err := p.Check(mixed); !errors.Is(err, ErrRefused) {
		t.Fatalf("Check(%s) = %v, want a refusal", mixed, err)
	}
	if _, err := c.Get(mixed); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "192.0.2.1") {
		t.Fatalf("GET %s: got %v, want a refusal naming 192.0.2.1", mixed, err)
	}
	if got := hits.Load(); got != 0 {
		t.Fatalf("the server behind the allowed address got %d requests, want 0", got)
	}
	// The same server by a name that resolves to allowed addresses only.
	resp, err := c.Get("http://inside.test:" + port + "/x")
	if err != nil {
		t.Fatalf("GET inside.test: %v", err)
	}
	resp.Body.Close()
	if got := hits.Load(); got != 1 {
		t.Fatalf("requests received: got %d, want 1", got)
	}
}

// A URL with user information never leaves: the client would send the
// credentials as Authorization: Basic.
func TestClient_RefusesUserinfo(t *testing.T) {
	var auth atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization"))
	}))
	defer srv.Close()
	p, _ := New(Loopback())
	u, _ := url.Parse(srv.URL)
	u.User = url.UserPassword("u", "secret")
	_, err := p.Client(nil, 0).Post(u.String(), "text/xml", strings.NewReader("<x/>"))
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "user information") {
		t.Fatalf("POST %s: got %v, want a refusal for user information", u.Redacted(), err)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Fatalf("the refusal %q shows the password", err)
	}
	if a := auth.Load(); a != nil {
		t.Fatalf("the server received a request (Authorization %q), want none", a)
	}
}
