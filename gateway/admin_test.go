package gateway

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
)

const testAdminToken = "s3cret-admin-token-0123456789"

// writeToken writes tok to a file in a temporary directory and returns
// its path.
func writeToken(t *testing.T, tok string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "admin-token")
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func bearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

func basic(user, pass string) http.Header {
	return http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))}}
}

// With a token file, /admin, its API and assets and /metrics answer 401
// with both challenges to a request without the token or with another
// one, and serve it given as a Bearer token or as a Basic password; the
// SOAP path and the health endpoints need no token.
func TestAdmin_TokenGate(t *testing.T) {
	b := newBackend(t, "b0")
	cfg := Config{Services: []ServiceConfig{quoteService("Quotes", partitionOf(b))},
		Admin: AdminConfig{TokenFile: writeToken(t, testAdminToken)}}
	g := startGateway(t, cfg)
	for _, path := range []string{"/admin", "/admin/api/state", "/admin/static/admin.js", "/metrics"} {
		for _, h := range []http.Header{nil, bearer("wrong-token-0123456789"), bearer(testAdminToken + "x"),
			basic("admin", "nope"), {"Authorization": {"Bearer"}}} {
			r := do(t, http.MethodGet, g.url+path, h, "")
			if r.status != http.StatusUnauthorized {
				t.Fatalf("GET %s with %v: got %d, want 401", path, h, r.status)
			}
			if got := r.header.Values("WWW-Authenticate"); len(got) != 2 || !strings.HasPrefix(got[0], "Bearer ") || !strings.HasPrefix(got[1], "Basic ") {
				t.Fatalf("GET %s: got WWW-Authenticate %q, want a Bearer and a Basic challenge", path, got)
			}
			if strings.Contains(r.body, testAdminToken) || strings.Contains(r.body, cfg.Admin.TokenFile) {
				t.Fatalf("GET %s: the 401 body names the token or its file: %s", path, r.body)
			}
		}
		for _, h := range []http.Header{bearer(testAdminToken), {"Authorization": {"bearer  " + testAdminToken}}, basic("anyone", testAdminToken)} {
			if r := do(t, http.MethodGet, g.url+path, h, ""); r.status != http.StatusOK {
				t.Fatalf("GET %s with %v: got %d, want 200", path, h, r.status)
			}
		}
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		checkfor.Until(t, waitTimeout, func() error {
			if r := do(t, http.MethodGet, g.url+path, nil, ""); r.status != http.StatusOK {
				return errors.New(path + ": " + r.body)
			}
			return nil
		})
	}
	if r := post(t, g.url+"/services/Quotes", v11, "GetQuote", envelope(v11, "", getQuote("ACME"))); r.status != http.StatusOK {
		t.Fatalf("GetQuote: got %d, want 200\n%s", r.status, r.body)
	}
}

// waitTimeout bounds the admin tests' waits.
const waitTimeout = 5 * time.Second

// ReloadAdminToken swaps the token: the old one is refused from then on.
// A token file that no longer reads keeps the token that was loaded.
func TestAdmin_ReloadToken(t *testing.T) {
	b := newBackend(t, "b0")
	file := writeToken(t, testAdminToken)
	g := startGateway(t, Config{Services: []ServiceConfig{quoteService("Quotes", partitionOf(b))},
		Admin: AdminConfig{TokenFile: file}})
	const next = "the-next-admin-token-9876543210"
	if err := os.WriteFile(file, []byte(next), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := g.ReloadAdminToken(); err != nil {
		t.Fatalf("ReloadAdminToken: %v", err)
	}
	if r := do(t, http.MethodGet, g.url+"/metrics", bearer(testAdminToken), ""); r.status != http.StatusUnauthorized {
		t.Fatalf("old token after reload: got %d, want 401", r.status)
	}
	if r := do(t, http.MethodGet, g.url+"/metrics", bearer(next), ""); r.status != http.StatusOK {
		t.Fatalf("new token after reload: got %d, want 200", r.status)
	}
	if err := os.WriteFile(file, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := g.ReloadAdminToken(); err == nil {
		t.Fatalf("ReloadAdminToken of a 5-character token: got nil, want an error")
	}
	if r := do(t, http.MethodGet, g.url+"/metrics", bearer(next), ""); r.status != http.StatusOK {
		t.Fatalf("token kept after a failed reload: got %d, want 200", r.status)
	}
}

// With admin.listen, /admin and /metrics move to their own listener: the
// main one answers 404 for them and / there is not redirected; the admin
// listener serves them (and sends / to /admin) and nothing else.
func TestAdmin_OwnListener(t *testing.T) {
	b := newBackend(t, "b0")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	adminURL := "http://" + ln.Addr().String()
	cfg := Config{Services: []ServiceConfig{quoteService("Quotes", partitionOf(b))}, Admin: AdminConfig{Listen: "127.0.0.1:0"}}
	addr, stop := serveAt(t, cfg, Options{AdminListener: ln}, "127.0.0.1:0")
	t.Cleanup(stop)
	mainURL := "http://" + addr

	for _, path := range []string{"/admin", "/admin/api/state", "/metrics", "/"} {
		if r := do(t, http.MethodGet, mainURL+path, nil, ""); r.status != http.StatusNotFound {
			t.Fatalf("main listener GET %s: got %d, want 404", path, r.status)
		}
	}
	if r := post(t, mainURL+"/services/Quotes", v11, "GetQuote", envelope(v11, "", getQuote("ACME"))); r.status != http.StatusOK {
		t.Fatalf("main listener GetQuote: got %d, want 200\n%s", r.status, r.body)
	}
	if r := do(t, http.MethodGet, adminURL+"/metrics", nil, ""); r.status != http.StatusOK ||
		!strings.Contains(r.body, `wsgw_requests_total{operation="GetQuote",outcome="ok",service="Quotes"} 1`) {
		t.Fatalf("admin listener GET /metrics: got %d, want 200 with the GetQuote counted\n%s", r.status, r.body)
	}
	if r := do(t, http.MethodGet, adminURL+"/admin", nil, ""); r.status != http.StatusOK || !strings.Contains(r.body, "<h3>Quotes ") {
		t.Fatalf("admin listener GET /admin: got %d, want 200 with the service\n%s", r.status, r.body)
	}
	for _, path := range []string{"/services/Quotes?wsdl", "/healthz"} {
		if r := do(t, http.MethodGet, adminURL+path, nil, ""); r.status != http.StatusNotFound {
			t.Fatalf("admin listener GET %s: got %d, want 404", path, r.status)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, adminURL+"/", nil)
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/admin" {
		t.Fatalf("admin listener GET /: got %d to %q, want 302 to /admin", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// The page and its API carry a Content-Security-Policy allowing nothing
// but the gateway's own script, style sheet, icon and API, and refuse to
// be framed; the page loads no inline script or style.
func TestAdmin_SecurityHeaders(t *testing.T) {
	b := newBackend(t, "b0")
	g := startGateway(t, Config{Services: []ServiceConfig{quoteService("Quotes", partitionOf(b))}})
	for _, path := range []string{"/admin", "/admin/api/state", "/admin/static/admin.css"} {
		r := do(t, http.MethodGet, g.url+path, nil, "")
		csp := r.header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"} {
			if !strings.Contains(csp, want) {
				t.Fatalf("GET %s: got Content-Security-Policy %q, want it to have %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe") {
			t.Fatalf("GET %s: got Content-Security-Policy %q, want no unsafe source", path, csp)
		}
		for k, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"} {
			if got := r.header.Get(k); got != want {
				t.Fatalf("GET %s: got %s %q, want %q", path, k, got, want)
			}
		}
	}
	page := do(t, http.MethodGet, g.url+"/admin", nil, "").body
	for _, bad := range []string{"<script>", "style=", " on", "<style"} {
		if strings.Contains(page, bad) {
			t.Fatalf("the page has %q (inline script or style, or an event handler)", bad)
		}
	}
}

// The API's figures are those /metrics serves: after requests, the
// service's requests by outcome and the stages' admissions are the
// counters a scraper reads.
func TestAdmin_StateIsWhatMetricsServe(t *testing.T) {
	b := newBackend(t, "b0")
	g := startGateway(t, Config{Services: []ServiceConfig{quoteService("Quotes", partitionOf(b))}})
	for range 3 {
		post(t, g.url+"/services/Quotes", v11, "GetQuote", envelope(v11, "", getQuote("ACME")))
	}
	post(t, g.url+"/services/Quotes", v11, "GetQuote", envelope(v11, "", "<q:Nothing xmlns:q=\"urn:x\"/>")) // a client fault
	st := getAdminState(t, g.url)
	cell := func(table, key string, col int) string {
		c, ok := st.cell(table, key, col)
		if !ok {
			return "(no row " + key + ")"
		}
		return c
	}
	metrics := do(t, http.MethodGet, g.url+"/metrics", nil, "").body
	for _, c := range []struct{ table, key, metric string }{
		{"svc/Quotes/outcomes", "ok", `wsgw_requests_total{operation="GetQuote",outcome="ok",service="Quotes"} `},
		{"svc/Quotes/outcomes", "client_fault", `wsgw_requests_total{operation="-",outcome="client_fault",service="Quotes"} `},
	} {
		got := cell(c.table, c.key, 1)
		if !strings.Contains(metrics, c.metric+got+"\n") {
			t.Fatalf("%s row %s: got %s, want the value of %s in /metrics\n%s", c.table, c.key, got, c.metric, metrics)
		}
	}
	if got := cell("svc/Quotes/outcomes", "ok", 1); got != "3" {
		t.Fatalf("ok requests: got %s, want 3", got)
	}
	if got := cell("stages", "dispatch/Quotes/p0", 3); got != "3" {
		t.Fatalf("dispatch/Quotes/p0 admitted: got %s, want 3", got)
	}
	if got := cell("svc/Quotes/replicas", "p0/r0", 2); got != "healthy" {
		t.Fatalf("replica p0/r0 health: got %s, want healthy", got)
	}
	rate := st.Charts["svc/Quotes/rate"]
	if rate.Kind != chartRate || len(rate.V) != 2 || rate.V[0] != 4 || rate.V[1] != 1 {
		t.Fatalf("rate chart: got %+v, want counters [4 1]", rate)
	}
	if lat := st.Charts["svc/Quotes/latency"]; lat.H == nil || lat.H.Count != 4 || len(lat.H.Bounds) == 0 {
		t.Fatalf("latency chart: got %+v, want a histogram of 4 requests", lat.H)
	}
}

// Names go through html/template: a name with markup is shown as text.
func TestAdmin_PageEscapesNames(t *testing.T) {
	b := newViewBuilder(families{}, time.Unix(0, 0))
	evil := `<img src=x onerror="alert(1)">`
	tab := b.table(`t"><script>alert(1)</script>`, evil, evil, "Name")
	tab.add(evil, cellText(evil))
	b.v.Sections = []viewSection{{ID: "s", Title: evil, Cards: []*viewCard{{Title: evil, Sub: evil, Tables: []*viewTable{tab},
		Charts: []*viewChart{b.chart(evil, evil, chartRate, "", evil)}}}}}
	var buf bytes.Buffer
	if err := adminPage.Execute(&buf, pageData{adminView: b.v}); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); strings.Contains(out, "<img") || strings.Contains(out, "<script>alert") {
		t.Fatalf("the page has markup from a name:\n%s", out)
	}
}

func TestConfigValidate_Admin(t *testing.T) {
	dir := t.TempDir()
	short := filepath.Join(dir, "short")
	spaced := filepath.Join(dir, "spaced")
	os.WriteFile(short, []byte("abc\n"), 0o600)
	os.WriteFile(spaced, []byte("abcdefgh ijklmnopqrst\n"), 0o600)
	for _, c := range []struct {
		admin AdminConfig
		path  string
		msg   string
	}{
		{AdminConfig{Listen: "nonsense"}, "Admin.Listen", "not a host:port"},
		{AdminConfig{Listen: "127.0.0.1:8080"}, "Admin.Listen", "main listener"},
		{AdminConfig{TokenFile: filepath.Join(dir, "missing")}, "Admin.TokenFile", "no such file"},
		{AdminConfig{TokenFile: short}, "Admin.TokenFile", "3 characters"},
		{AdminConfig{TokenFile: spaced}, "Admin.TokenFile", "white space"},
	} {
		cfg := validConfig()
		cfg.Admin = c.admin
		var ve *ValidationError
		if err := cfg.Validate(); !errors.As(err, &ve) || len(ve.Problems) != 1 ||
			ve.Problems[0].Field() != c.path || !strings.Contains(ve.Problems[0].Err.Error(), c.msg) {
			t.Fatalf("admin %+v: got %v, want one problem at %s saying %q", c.admin, err, c.path, c.msg)
		}
	}
	cfg := validConfig()
	cfg.Admin = AdminConfig{Listen: "127.0.0.1:9090", TokenFile: writeToken(t, testAdminToken)}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("valid admin section: got %v", err)
	}
}
