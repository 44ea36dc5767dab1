package gateway

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
)

// A key expression whose prefix no namespace binds used to compile and
// then match only documents that happen to use that prefix, refusing
// every other client with PartitionKeyMissing. New must refuse it.
func TestReview_KeyXPathUnboundPrefixRefused(t *testing.T) {
	svc := quoteService("StockQuote", partitionOf2("http://127.0.0.1:1/a"))
	svc.Key.Namespaces = nil
	_, err := New(context.Background(), Config{Services: []ServiceConfig{svc}},
		Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil || !strings.Contains(err.Error(), "services[0].key.xpath") {
		t.Errorf("New with key %q and no namespaces: got %v, want a services[0].key.xpath error", svc.Key.XPath, err)
	}
}
