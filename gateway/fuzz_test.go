package gateway

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/wsgw/wsgw/soap"
)

// FuzzDecide feeds arbitrary bodies and content types to the dispatch
// decision: it must never panic, and every refusal must be a SOAP fault.
func FuzzDecide(f *testing.F) {
	ins, _ := filepath.Glob("testdata/*/in.xml")
	for _, in := range ins {
		b, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "text/xml; charset=utf-8", `"`+quoteNS+`/GetQuote"`)
		f.Add(b, "application/soap+xml; charset=utf-8", "")
	}
	f.Add(quoteRequest(1024), "text/xml", `""`)
	g, err := New(context.Background(), Config{Services: []ServiceConfig{
		quoteService("StockQuote", partitionOf2("http://127.0.0.1:1/a"), partitionOf2("http://127.0.0.1:1/b"))}},
		Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { g.Close() })
	s := g.byName["StockQuote"]
	f.Fuzz(func(t *testing.T, body []byte, contentType, action string) {
		h := http.Header{"Content-Type": {contentType}, "Soapaction": {action}}
		d, v, err := s.decide(h, body)
		if err != nil {
			var fault *soap.Fault
			if !errors.As(err, &fault) {
				t.Fatalf("got %T %v, want a *soap.Fault", err, err)
			}
			if out := fault.Marshal(fault.VersionOr(v)); len(out) == 0 {
				t.Fatal("empty fault envelope")
			}
			return
		}
		if d.op == nil || d.part == nil {
			t.Fatalf("got decision %+v without operation or partition", d)
		}
		if !bytes.Equal(d.msg.Doc.Raw(), body) {
			t.Fatal("the decision's raw bytes differ from the request")
		}
	})
}
