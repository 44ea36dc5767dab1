package upstream

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
)

// Requests whose context ends while they wait for a reply's head, or in
// the middle of its body, leave no connection open: each is closed (its
// state unknown), none goes back to the pool, and the backend sees every
// one end.
func TestClient_CancelledRequestsLeaveNoConnection(t *testing.T) {
	var open atomic.Int32
	b := newRawBackend(t, func(b *rawBackend, n int, nc net.Conn, br *bufio.Reader) {
		open.Add(1)
		defer open.Add(-1)
		if _, _, err := b.readRequest(br); err != nil {
			return
		}
		if n%2 == 0 { // half get a head and part of the body
			io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\npart")
		}
		io.Copy(io.Discard, br) // then nothing until the client closes
	})
	c := New(Options{})
	defer c.CloseIdleConnections()
	const n = 100
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			resp, err := c.Do(ctx, &Request{URL: b.url(), Body: [][]byte{[]byte("x")}})
			if err != nil {
				if !errors.Is(err, context.Canceled) || !resp.Sent {
					errs <- fmt.Errorf("got err %v sent=%v, want context.Canceled and sent=true", err, resp.Sent)
				}
				return
			}
			defer resp.Body.Close()
			if _, err := io.ReadFull(resp.Body, make([]byte, 4)); err != nil {
				errs <- fmt.Errorf("reading the part sent: %v", err)
			}
			if _, err := io.ReadAll(resp.Body); !errors.Is(err, context.Canceled) {
				errs <- fmt.Errorf("reading the rest: got %v, want context.Canceled", err)
			}
		})
	}
	checkfor.True(t, 10*time.Second, "every request at the backend", func() bool { return b.requests.Load() == n })
	cancel()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	checkfor.True(t, 10*time.Second, "every backend connection closed", func() bool { return open.Load() == 0 })
	if got := b.conns.Load(); got != n {
		t.Errorf("got %d connections for %d concurrent requests, want %d", got, n, n)
	}
	tg, _ := c.target(b.url())
	tg.mu.Lock()
	idle := len(tg.idle)
	tg.mu.Unlock()
	if idle != 0 {
		t.Errorf("got %d idle connections after cancelled requests, want 0", idle)
	}
}
