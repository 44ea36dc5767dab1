package gateway

import (
	"crypto/tls"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestCopyEndToEnd_LeavesHopByHopAndConnectionListedFields(t *testing.T) {
	src := http.Header{
		"Connection":        {"keep-alive, X-Private"},
		"Keep-Alive":        {"timeout=5"},
		"X-Private":         {"secret"},
		"Transfer-Encoding": {"chunked"},
		"Te":                {"trailers"},
		"Upgrade":           {"h2c"},
		"Content-Type":      {"text/xml"},
		"Soapaction":        {`"urn:a"`},
	}
	h := http.Header{}
	copyEndToEnd(h, src)
	for _, k := range []string{"Connection", "Keep-Alive", "X-Private", "Transfer-Encoding", "Te", "Upgrade"} {
		if v := h.Get(k); v != "" {
			t.Errorf("%s: got %q, want removed", k, v)
		}
	}
	if h.Get("Content-Type") != "text/xml" || h.Get("SOAPAction") != `"urn:a"` {
		t.Errorf("got %v, want Content-Type and SOAPAction kept", h)
	}
}

func TestOutboundHeader_AddsForwardedFields(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "http://gw.example/services/S", nil)
	r.RemoteAddr = "192.0.2.7:5555"
	r.Host = "gw.example"
	r.Header.Set("X-Forwarded-For", "198.51.100.1")
	r.Header.Set("X-Forwarded-Host", "evil.example")
	r.Header.Set("Content-Length", "12")
	r.Header.Set("Expect", "100-continue")
	h := outboundHeader(r, nil)
	if got, want := h.Get("X-Forwarded-For"), "192.0.2.7"; got != want {
		t.Errorf("X-Forwarded-For from an untrusted peer: got %q, want %q", got, want)
	}
	if got, want := h.Get("X-Forwarded-Host"), "gw.example"; got != want {
		t.Errorf("X-Forwarded-Host from an untrusted peer: got %q, want %q", got, want)
	}
	if got, want := h.Get("X-Forwarded-Proto"), "http"; got != want {
		t.Errorf("X-Forwarded-Proto: got %q, want %q", got, want)
	}
	if h.Get("Content-Length") != "" || h.Get("Expect") != "" {
		t.Errorf("got %v, want Content-Length and Expect removed", h)
	}

	trusted := []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
	r.TLS = &tls.ConnectionState{}
	h = outboundHeader(r, trusted)
	if got, want := h.Get("X-Forwarded-Host"), "evil.example"; got != want {
		t.Errorf("X-Forwarded-Host from a trusted proxy: got %q, want %q", got, want)
	}
	if got, want := h.Get("X-Forwarded-For"), "198.51.100.1, 192.0.2.7"; got != want {
		t.Errorf("X-Forwarded-For from a trusted proxy: got %q, want %q", got, want)
	}
}

func TestParseClark(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want xml.Name
		ok   bool
	}{
		{"{urn:x}Security", xml.Name{Space: "urn:x", Local: "Security"}, true},
		{"Security", xml.Name{}, false},
		{"{}Security", xml.Name{}, false},
		{"{urn:x}", xml.Name{}, false},
		{"{urn:x}a:b", xml.Name{}, false},
	} {
		got, ok := parseClark(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseClark(%q): got %v %v, want %v %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestPublicBase_HonoursOnlyTrustedProxies(t *testing.T) {
	g := &Gateway{cfg: Config{PublicURL: "http://gw.example:8080/soap"},
		trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	r := httptest.NewRequest(http.MethodGet, "/services/S?wsdl", nil)
	r.Header.Set("X-Forwarded-Host", "public.example")
	r.Header.Set("X-Forwarded-Proto", "https")
	r.RemoteAddr = "192.0.2.1:1234"
	if got, want := g.publicBase(r), "http://gw.example:8080/soap"; got != want {
		t.Errorf("untrusted: got %q, want %q", got, want)
	}
	r.RemoteAddr = "10.1.2.3:1234"
	if got, want := g.publicBase(r), "https://public.example/soap"; got != want {
		t.Errorf("trusted: got %q, want %q", got, want)
	}
	r.Header.Set("X-Forwarded-Host", "bad/host\"><x")
	if got, want := g.publicBase(r), "https://gw.example:8080/soap"; got != want {
		t.Errorf("trusted, bad host: got %q, want %q", got, want)
	}
}

// The client of a request is its peer, unless the peer is a trusted
// proxy: then the nearest X-Forwarded-For address that is not one. A
// client's own X-Forwarded-For claims nothing.
func TestClientIP_TrustedProxies(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, tt := range []struct{ peer, xff, want string }{
		{"192.0.2.7:1", "", "192.0.2.7"},
		{"192.0.2.7:1", "198.51.100.1", "192.0.2.7"}, // not a proxy: its claim is ignored
		{"10.0.0.1:1", "198.51.100.1", "198.51.100.1"},
		{"10.0.0.1:1", "198.51.100.1, 10.0.0.2", "198.51.100.1"},
		{"10.0.0.1:1", "203.0.113.9, 198.51.100.1, 10.0.0.2", "198.51.100.1"}, // the leftmost is the client's claim
		{"10.0.0.1:1", "bogus", "10.0.0.1"},
		{"10.0.0.1:1", "", "10.0.0.1"},
	} {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.RemoteAddr = tt.peer
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := clientIP(r, trusted); got.String() != tt.want {
			t.Errorf("peer %s, X-Forwarded-For %q: got %s, want %s", tt.peer, tt.xff, got, tt.want)
		}
	}
}

func TestOutboundHeader_LeavesHopByHopAndConnectionListedFields(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "http://gw.example/services/S", nil)
	r.RemoteAddr = "192.0.2.7:5555"
	r.Header = http.Header{
		"Connection":          {"keep-alive, x-private, X-Forwarded-For"},
		"Keep-Alive":          {"timeout=5"},
		"X-Private":           {"secret"},
		"Proxy-Authorization": {"Basic eDp5"},
		"Te":                  {"trailers"},
		"X-Forwarded-For":     {"198.51.100.1"},
		"Content-Type":        {"text/xml"},
		"Soapaction":          {`"urn:a"`},
	}
	trusted := []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
	h := outboundHeader(r, trusted)
	for _, k := range []string{"Connection", "Keep-Alive", "X-Private", "Proxy-Authorization", "Te"} {
		if v := h.Get(k); v != "" {
			t.Errorf("%s: got %q, want removed", k, v)
		}
	}
	// The chain the Connection header names is dropped as hop-by-hop: this
	// hop's peer starts a new one.
	if got, want := h.Get("X-Forwarded-For"), "192.0.2.7"; got != want {
		t.Errorf("X-Forwarded-For listed in Connection: got %q, want %q", got, want)
	}
	if h.Get("Content-Type") != "text/xml" || h.Get("SOAPAction") != `"urn:a"` {
		t.Errorf("got %v, want Content-Type and SOAPAction kept", h)
	}
	if got := r.Header.Get("X-Private"); got != "secret" {
		t.Errorf("client's header changed: X-Private got %q, want %q", got, "secret")
	}
}
