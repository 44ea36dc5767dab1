package upstream

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
)

// A backend that sends bytes after the end of a reply (a Content-Length
// shorter than what it wrote, a body on a 204) must not have them read as
// the reply to the next request on the same connection (RFC 9112, 6.3:
// the framing ends the message; what follows is not part of it). Over TLS
// such bytes may sit decrypted, or as a whole record, in the TLS layer's
// buffers, where neither the read buffer nor a peek at the socket sees
// them.
func TestClient_BytesAfterReplyAreNotTheNextReply(t *testing.T) {
	const body = 8000 // over the read buffer: read straight into the caller's buffer
	serve := func(b *rawBackend, n int, nc net.Conn, br *bufio.Reader) {
		for i := 0; ; i++ {
			if _, _, err := b.readRequest(br); err != nil {
				return
			}
			if n == 1 && i == 0 {
				// The head, then the body and the stray bytes in one write
				// (one TLS record).
				io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: 8000\r\n\r\n")
				io.WriteString(nc, strings.Repeat("a", body)+"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale")
				continue
			}
			io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh")
		}
	}
	for _, tc := range []struct {
		name string
		new  func(*testing.T, func(*rawBackend, int, net.Conn, *bufio.Reader)) *rawBackend
	}{
		{"tcp", newRawBackend},
		{"tls", newRawTLSBackend},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.new(t, serve)
			c := New(Options{TLS: b.client})
			defer c.CloseIdleConnections()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			resp, err := c.Do(ctx, &Request{URL: b.url(), Body: [][]byte{[]byte("one")}})
			if err != nil {
				t.Fatal(err)
			}
			n, err := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil || n != body {
				t.Fatalf("first reply: got %d bytes, err %v; want %d", n, err, body)
			}
			got, _, err := do(c, b.url(), false, []byte("two"))
			if err != nil || got != "fresh" {
				t.Errorf("second reply: got %q, err %v; want %q", got, err, "fresh")
			}
		})
	}
}

// The idle check of a TLS connection leaves a healthy one reusable.
func TestClient_ReusesOneTLSConnection(t *testing.T) {
	b := newRawTLSBackend(t, func(b *rawBackend, _ int, nc net.Conn, br *bufio.Reader) {
		for {
			if _, _, err := b.readRequest(br); err != nil {
				return
			}
			io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	c := New(Options{TLS: b.client})
	defer c.CloseIdleConnections()
	for i := range 5 {
		if got, _, err := do(c, b.url(), false, []byte("x")); err != nil || got != "ok" {
			t.Fatalf("request %d: got %q, err %v; want %q", i, got, err, "ok")
		}
	}
	if n := b.conns.Load(); n != 1 {
		t.Errorf("got %d connections for 5 sequential requests, want 1", n)
	}
}

// A TLS backend that closes an idle connection (close_notify, then FIN):
// the next request, even one that may not be replayed, goes on a new
// connection.
func TestClient_SkipsTLSConnectionClosedByPeer(t *testing.T) {
	closed := make(chan struct{})
	b := newRawTLSBackend(t, func(b *rawBackend, n int, nc net.Conn, br *bufio.Reader) {
		for {
			if _, _, err := b.readRequest(br); err != nil {
				return
			}
			io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			if n == 1 {
				nc.Close()
				close(closed)
				return
			}
		}
	})
	c := New(Options{TLS: b.client})
	defer c.CloseIdleConnections()
	if got, _, err := do(c, b.url(), false, []byte("one")); err != nil || got != "ok" {
		t.Fatalf("first: got %q, err %v", got, err)
	}
	<-closed
	// Once the close has reached the client's socket, one request.
	tg, _ := c.target(b.url())
	tg.mu.Lock()
	idle := tg.idle[0]
	tg.mu.Unlock()
	checkfor.True(t, 5*time.Second, "the close at the client", func() bool {
		return !socketIdle(idle.nc.(*tls.Conn).NetConn())
	})
	if got, _, err := do(c, b.url(), false, []byte("two")); err != nil || got != "ok" {
		t.Errorf("second: got %q, err %v; want %q", got, err, "ok")
	}
	if n := b.conns.Load(); n != 2 {
		t.Errorf("got %d connections, want 2", n)
	}
}
