package gateway

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/gateway/cluster"
)

// quoteRequest returns a SOAP 1.1 GetQuote envelope of about size bytes,
// padded with Note elements after the Symbol.
func quoteRequest(size int) []byte {
	var pad strings.Builder
	note := "<q:Note>" + strings.Repeat("lorem ipsum ", 7) + "</q:Note>"
	base := len(envelope(v11, "", getQuote("ACME")))
	for pad.Len()+base < size {
		pad.WriteString(note)
	}
	payload := "<q:GetQuote><q:Symbol>ACME</q:Symbol>" + pad.String() + "</q:GetQuote>"
	return []byte(envelope(v11, "", payload))
}

// noteRequest returns a SOAP 1.1 GetQuote envelope of size bytes padded
// with one Note element of text, as `wsgw bench` sends (a document or
// base64 data in one element, rather than many small elements).
func noteRequest(size int) []byte {
	base := envelope(v11, "", "<q:GetQuote><q:Symbol>ACME</q:Symbol><q:Note></q:Note></q:GetQuote>")
	pad := strings.Repeat("x", max(0, size-len(base)))
	return []byte(envelope(v11, "", "<q:GetQuote><q:Symbol>ACME</q:Symbol><q:Note>"+pad+"</q:Note></q:GetQuote>"))
}

// BenchmarkDispatchDecision measures the decision for one request: content
// type, guarded envelope read, mustUnderstand, WS-Addressing, operation
// lookup, partition key by XPath and partition.
func BenchmarkDispatchDecision(b *testing.B) {
	svc := quoteService("StockQuote",
		partitionOf2("http://127.0.0.1:1/a", "http://127.0.0.1:1/b"),
		partitionOf2("http://127.0.0.1:1/c", "http://127.0.0.1:1/d"))
	g, err := New(context.Background(), Config{Services: []ServiceConfig{svc}},
		Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	s := g.byName["StockQuote"]
	h := http.Header{"Content-Type": {"text/xml; charset=utf-8"}, "Soapaction": {`"` + quoteNS + `/GetQuote"`}}
	for _, tc := range []struct {
		name string
		size int
	}{{"1KiB", 1 << 10}, {"100KiB", 100 << 10}} {
		body := quoteRequest(tc.size)
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				d, _, err := s.decide(h, body)
				if err != nil || d.key != "ACME" {
					b.Fatalf("got %v, key %q", err, d.key)
				}
			}
		})
	}
}

func partitionOf2(urls ...string) cluster.PartitionConfig {
	return cluster.PartitionConfig{Replicas: urls}
}

// quoteReply is the fixed reply of the benchmarks' backend.
const quoteReply = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>` +
	`<q:GetQuoteResponse xmlns:q="` + quoteNS + `"><q:Price>42.5</q:Price></q:GetQuoteResponse></soap:Body></soap:Envelope>`

// fixedBackend answers every POST with quoteReply after reading the body,
// doing as little as a backend can so that profiles show the gateway.
func fixedBackend(tb testing.TB) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) //nolint:errcheck // a benchmark backend
		w.Header()["Content-Type"] = []string{"text/xml; charset=utf-8"}
		w.Write([]byte(quoteReply)) //nolint:errcheck // a benchmark backend
	}))
	tb.Cleanup(srv.Close)
	return srv.URL + "/quote"
}

// BenchmarkProxyPath measures one request/response through the gateway
// over loopback HTTP (client, gateway and backend in this process), and
// the same request sent to the backend directly: the difference of the
// two is what the gateway costs. Allocations count every goroutine of
// the process, the client's and the backend's too.
func BenchmarkProxyPath(b *testing.B) {
	backendURL := fixedBackend(b)
	g := startGateway(b, Config{Services: []ServiceConfig{
		quoteService("StockQuote", cluster.PartitionConfig{Replicas: []string{backendURL}})}})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
	defer client.CloseIdleConnections()
	for _, size := range []int{1 << 10, 100 << 10} {
		body := noteRequest(size)
		for _, side := range []struct{ name, url string }{
			{"direct", backendURL}, {"wsgw", g.url + "/services/StockQuote"},
		} {
			b.Run(fmt.Sprintf("%s/%dKiB", side.name, size>>10), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(body)))
				for b.Loop() {
					req, _ := http.NewRequest(http.MethodPost, side.url, bytes.NewReader(body))
					req.Header["Content-Type"] = []string{"text/xml; charset=utf-8"}
					req.Header["Soapaction"] = []string{`"` + quoteNS + `/GetQuote"`}
					resp, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, resp.Body) //nolint:errcheck // checked by status
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Fatalf("got %d, want 200", resp.StatusCode)
					}
				}
			})
		}
	}
}
