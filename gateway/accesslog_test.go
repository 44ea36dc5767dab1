package gateway

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// lockedBuffer is a log sink safe for the server's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// accessLogged serves one GetQuote through a gateway of cfg whose logger
// writes info to a buffer, and returns what was logged.
func accessLogged(t *testing.T, cfg Config) string {
	t.Helper()
	b := newBackend(t, "p0/r0")
	cfg.Services = []ServiceConfig{quoteService("StockQuote", partitionOf(b))}
	var out lockedBuffer
	g, err := New(context.Background(), cfg, Options{Logger: slog.New(slog.NewTextHandler(&out, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	srv := httptest.NewServer(g.Handler())
	defer srv.Close()
	if r := post(t, srv.URL+"/services/StockQuote", v11, "GetQuote", envelope(v11, "", getQuote("ACME"))); r.status != http.StatusOK {
		t.Fatalf("got %d, want 200:\n%s", r.status, r.body)
	}
	return out.String()
}

// One line per request at info, naming where it went and how it ended;
// none when the configuration turns the log off.
func TestGateway_AccessLogOneLinePerRequest(t *testing.T) {
	log := accessLogged(t, Config{})
	var lines []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "msg=request ") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 {
		t.Fatalf("got %d access lines, want 1:\n%s", len(lines), log)
	}
	for _, want := range []string{"level=INFO", "service=StockQuote", "operation=GetQuote", "partition=p0",
		"replica=r0", "status=200", "outcome=ok", "took="} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("got %q, want it to hold %s", lines[0], want)
		}
	}
	if log := accessLogged(t, Config{AccessLogOff: true}); strings.Contains(log, "msg=request ") {
		t.Errorf("AccessLogOff: got an access line:\n%s", log)
	}
}
