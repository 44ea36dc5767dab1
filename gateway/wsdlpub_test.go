package gateway

import (
	"net/http"
	"strings"
	"testing"
)

func TestGateway_WSDLPublication(t *testing.T) {
	b := newBackend(t, "p0/r0")
	plain := startGateway(t, Config{Services: []ServiceConfig{quoteService("StockQuote", partitionOf(b))}})
	proxied := startGateway(t, Config{
		PublicURL:      "http://gw.internal:8080",
		TrustedProxies: []string{"127.0.0.0/8"},
		Services:       []ServiceConfig{quoteService("StockQuote", partitionOf(b))},
	})
	fwd := http.Header{"X-Forwarded-Host": {"quotes.example.com"}, "X-Forwarded-Proto": {"https"}}
	for _, tc := range []struct {
		name   string
		gw     *testGateway
		header http.Header
		want   string
	}{
		{"configured", plain, nil, plain.url + "/services/StockQuote"},
		{"untrusted forwarded", plain, fwd, plain.url + "/services/StockQuote"},
		{"trusted no forwarded", proxied, nil, "http://gw.internal:8080/services/StockQuote"},
		{"trusted forwarded", proxied, fwd, "https://quotes.example.com/services/StockQuote"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, http.MethodGet, tc.gw.url+"/services/StockQuote?wsdl", tc.header, "")
			if r.status != 200 {
				t.Fatalf("got %d, want 200:\n%s", r.status, r.body)
			}
			if n := strings.Count(r.body, `location="`+tc.want+`"`); n != 2 {
				t.Errorf("got %d addresses rewritten to %s, want 2:\n%s", n, tc.want, r.body)
			}
			if strings.Contains(r.body, "backend.invalid") {
				t.Errorf("the backend's address leaked:\n%s", r.body)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") {
				t.Errorf("got Content-Type %q, want text/xml", ct)
			}
		})
	}
	if r := do(t, http.MethodGet, plain.url+"/services/StockQuote?xsd=7", nil, ""); r.status != 404 {
		t.Errorf("?xsd=7: got %d, want 404", r.status)
	}
	if r := do(t, http.MethodGet, plain.url+"/services/StockQuote", nil, ""); r.status != 200 ||
		!strings.Contains(r.body, "GetQuote") {
		t.Errorf("GET without ?wsdl: got %d %q, want a page naming the operations", r.status, r.body)
	}
}

func TestGateway_WSDLImportsServed(t *testing.T) {
	b := newBackend(t, "p0/r0")
	svc := quoteService("Imported", partitionOf(b))
	svc.WSDL = "testdata/imported/stockquote.wsdl"
	g := startGateway(t, Config{Services: []ServiceConfig{svc}})
	base := g.url + "/services/Imported"
	r := do(t, http.MethodGet, base+"?wsdl", nil, "")
	if r.status != 200 || !strings.Contains(r.body, `schemaLocation="`+base+`?xsd=1"`) {
		t.Fatalf("?wsdl: got %d, want the import pointing at %s?xsd=1:\n%s", r.status, base, r.body)
	}
	r = do(t, http.MethodGet, base+"?xsd=1", nil, "")
	if r.status != 200 || !strings.Contains(r.body, `name="GetQuote"`) {
		t.Errorf("?xsd=1: got %d, want the imported schema:\n%s", r.status, r.body)
	}
	// The imported schema still lets the gateway route.
	r = post(t, base, v12, "GetQuote", envelope(v12, "", getQuote("IMP")))
	if got, _ := servedBy(r.body); r.status != 200 || got != "p0/r0" {
		t.Errorf("GetQuote: got %d %q, want 200 from p0/r0", r.status, got)
	}
}
