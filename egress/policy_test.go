package egress

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/internal/fielderr"
)

type fakeResolver map[string][]netip.Addr

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := f[host]; ok {
		return a, nil
	}
	return nil, errors.New("no such host")
}

func TestPolicy_Check(t *testing.T) {
	p, err := New(Config{CIDRs: []string{"loopback", "10.0.0.0/8"}, Hosts: []string{"*.example.com", "api.test"}, Ports: []int{80, 443, 8080}})
	if err != nil {
		t.Fatal(err)
	}
	p.Resolver = fakeResolver{
		"inside.test":  {netip.MustParseAddr("10.1.2.3")},
		"outside.test": {netip.MustParseAddr("192.0.2.1")},
		"mixed.test":   {netip.MustParseAddr("10.1.2.3"), netip.MustParseAddr("192.0.2.1")},
	}
	tests := []struct {
		url, why string // why "" means allowed
	}{
		{"http://127.0.0.1:8080/x", ""},
		{"http://[::1]:8080/x", ""},
		{"http://[::ffff:127.0.0.1]:8080/x", ""},
		{"https://a.example.com/x", ""},
		{"http://api.test/x", ""},
		{"http://inside.test/x", ""},
		{"http://10.9.9.9/", ""},
		{"http://192.0.2.1/", "not in an allowed network"},
		{"http://outside.test/", "resolves to 192.0.2.1"},
		{"http://mixed.test/", "resolves to 192.0.2.1"},
		{"http://nowhere.test/", "does not resolve"},
		{"ftp://127.0.0.1/", "scheme"},
		{"http://127.0.0.1:9/", "port 9"},
		{"/relative", "absolute"},
		{"http://user:pw@127.0.0.1/", "user information"},
		{"http://example.com/", "does not resolve"},
	}
	for _, tt := range tests {
		err := p.Check(tt.url)
		switch {
		case tt.why == "" && err != nil:
			t.Errorf("Check(%q) = %v, want allowed", tt.url, err)
		case tt.why != "" && (err == nil || !strings.Contains(err.Error(), tt.why) || !errors.Is(err, ErrRefused)):
			t.Errorf("Check(%q) = %v, want refusal containing %q", tt.url, err, tt.why)
		case err != nil && strings.Contains(err.Error(), ":pw@"):
			t.Errorf("Check(%q) = %v, which shows the password", tt.url, err)
		}
	}
}

func TestPolicy_ZeroAllowsNothing(t *testing.T) {
	p, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"http://127.0.0.1/", "http://localhost/", "https://example.com/"} {
		if err := p.Check(u); err == nil {
			t.Errorf("Check(%q) = nil, want refusal", u)
		}
	}
}

func TestConfig_ValidateFieldPaths(t *testing.T) {
	err := Config{CIDRs: []string{"loopback", "bogus"}, Hosts: []string{"a/b"}, Schemes: []string{"ftp"}, Ports: []int{0}}.Validate()
	var got []string
	for _, e := range fielderr.All(err) {
		got = append(got, e.Field())
	}
	if want := []string{"CIDRs[1]", "Hosts[0]", "Schemes[0]", "Ports[0]"}; !slices.Equal(got, want) {
		t.Errorf("Validate() fields: got %q (%v), want %q", got, err, want)
	}
}

func TestClient_DialRefusesResolvedAddress(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	// Allowed by network: the loopback server is reachable.
	p, _ := New(Loopback())
	resp, err := p.Client(nil, 0).Get(srv.URL)
	if err != nil {
		t.Fatalf("GET %s with loopback policy: %v", srv.URL, err)
	}
	resp.Body.Close()
	// "localhost" resolves to loopback, which a 10/8-only policy refuses at dial
	// time even though Check was never called.
	q, _ := New(Config{CIDRs: []string{"10.0.0.0/8"}})
	u := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	_, err = q.Client(nil, 0).Get(u)
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("GET %s with 10/8 policy: got %v, want ErrRefused", u, err)
	}
	// A host allowed by name connects wherever it resolves.
	r, _ := New(Config{Hosts: []string{"localhost"}})
	resp, err = r.Client(nil, 0).Get(u)
	if err != nil {
		t.Fatalf("GET %s with host policy: %v", u, err)
	}
	resp.Body.Close()
}

func TestClient_NoRedirects(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://192.0.2.1/", http.StatusFound)
	}))
	defer srv.Close()
	p, _ := New(Loopback())
	resp, err := p.Client(nil, 0).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("got status %d, want 302 (not followed)", resp.StatusCode)
	}
}

func TestPolicy_MappedCIDRAllowsIPv4(t *testing.T) {
	p, err := New(Config{CIDRs: []string{"::ffff:10.0.0.0/104"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"10.1.2.3", "::ffff:10.1.2.3"} {
		if !p.AllowsIP(netip.MustParseAddr(a)) {
			t.Errorf("AllowsIP(%s) = false with ::ffff:10.0.0.0/104, want true", a)
		}
	}
	if p.AllowsIP(netip.MustParseAddr("11.0.0.1")) {
		t.Error("AllowsIP(11.0.0.1) = true, want false")
	}
}
