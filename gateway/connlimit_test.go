package gateway

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
)

// Requests whose clients give up (here: 40 from one address, each on a
// connection of its own, cancelled while the backend holds them) give
// their connection's place back: afterwards the address still gets
// MaxConnsPerAddr connections served.
func TestGateway_CancelledRequestsFreeTheirConnectionCount(t *testing.T) {
	const max = 4
	b := newBackend(t, "p0/r0")
	release := b.holdRequests(t)
	g := startGateway(t, Config{
		Clients:  ClientLimits{MaxConnsPerAddr: max},
		Services: []ServiceConfig{quoteService("StockQuote", partitionOf(b))},
	})
	from := &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}
	client := func() *http.Client {
		return &http.Client{Transport: &http.Transport{DisableKeepAlives: true,
			DialContext: (&net.Dialer{LocalAddr: from}).DialContext}}
	}
	postCtx := func(ctx context.Context, c *http.Client) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, g.url+"/services/StockQuote",
			strings.NewReader(envelope(v11, "", getQuote("ACME"))))
		req.Header.Set("Content-Type", "text/xml; charset=utf-8")
		req.Header.Set("SOAPAction", `"`+quoteNS+`/GetQuote"`)
		return c.Do(req)
	}
	s := g.byName["StockQuote"]
	stage := s.parts[s.cluster.Partitions()[0]]
	arrived := 0
	for range 10 { // rounds of max requests, held by the backend, then cancelled
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		var mu sync.Mutex
		failed := 0 // refused at once: the address's count not yet given back
		for range max {
			wg.Go(func() {
				resp, err := postCtx(ctx, client())
				if err == nil {
					resp.Body.Close()
				}
				if ctx.Err() == nil {
					mu.Lock()
					failed++
					mu.Unlock()
				}
			})
		}
		round := 0
		checkfor.True(t, 10*time.Second, "every request held or refused", func() bool {
			for len(b.arrived) > 0 {
				<-b.arrived
				round++
			}
			mu.Lock()
			defer mu.Unlock()
			return round+failed == max
		})
		arrived += round
		cancel()
		wg.Wait()
		checkfor.True(t, 10*time.Second, "the stage idle", func() bool {
			st := stage.Stats()
			return st.Running == 0 && st.Queued == 0
		})
	}
	if arrived < 10 {
		t.Fatalf("got %d requests held and cancelled, want at least 10", arrived)
	}
	release()
	// Once the gateway has seen those connections end, max requests from
	// the address at once are all served.
	checkfor.Until(t, 10*time.Second, func() error {
		var wg sync.WaitGroup
		errs := make(chan error, max)
		for range max {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				resp, err := postCtx(ctx, client())
				if err != nil {
					errs <- err
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					errs <- fmt.Errorf("got status %d, want 200", resp.StatusCode)
				}
			})
		}
		wg.Wait()
		close(errs)
		return <-errs // nil when none
	})
}
