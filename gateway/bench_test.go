package gateway

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
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
				d, _, err := s.decide(h, bytes.NewReader(body), int64(len(body)))
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
