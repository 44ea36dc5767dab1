package upstream

import (
	"bufio"
	"io"
	"net"
	"testing"
)

// Each way a reply can be framed (RFC 9112, 6.3): what its body is, and
// whether its connection may carry the next request. After a reply whose
// end the client cannot be sure of, the next request goes on a new
// connection and gets its own reply.
func TestClient_ReplyFraming(t *testing.T) {
	for _, tc := range []struct {
		name, reply string
		body        string
		bodyErr     bool
		reused      bool // the next request goes on the same connection
		closes      bool // the backend closes the connection after the reply
	}{
		{"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", "abc", false, true, false},
		{"chunked with extensions and trailer",
			"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;a=b\r\nabc\r\n2;c\r\nde\r\n0\r\nX-Sum: 5\r\n\r\n",
			"abcde", false, true, false},
		// Transfer-Encoding overrides Content-Length (RFC 9112, 6.3, 3).
		{"chunked and content-length", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n",
			"ab", false, true, false},
		{"obs-fold", "HTTP/1.1 200 OK\r\nX-Long: a\r\n b\r\nContent-Length: 1\r\n\r\nx", "x", false, true, false},
		// Neither: the body runs to the connection's close (RFC 9112, 6.3, 8).
		{"read to close", "HTTP/1.1 200 OK\r\n\r\nall of it", "all of it", false, false, true},
		{"http/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", "ok", false, false, true},
		{"connection close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", "ok", false, false, true},
		// 204 and 304 have no body (RFC 9112, 6.3, 1): bytes after the
		// head are not the next reply.
		{"204 with bytes after", "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale", "", false, false, false},
		{"304 with content-length", "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\nstale", "", false, false, false},
		{"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", "", true, false, true},
		{"short content-length body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", "abc", true, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newRawBackend(t, func(b *rawBackend, n int, nc net.Conn, br *bufio.Reader) {
				for i := 0; ; i++ {
					if _, _, err := b.readRequest(br); err != nil {
						return
					}
					if n == 1 && i == 0 {
						io.WriteString(nc, tc.reply)
						if tc.closes {
							return
						}
						continue
					}
					io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh")
				}
			})
			c := New(Options{})
			defer c.CloseIdleConnections()
			got, _, err := do(c, b.url(), false, []byte("one"))
			if got != tc.body || (err != nil) != tc.bodyErr {
				t.Errorf("first: got %q, err %v; want %q, error %v", got, err, tc.body, tc.bodyErr)
			}
			got, _, err = do(c, b.url(), false, []byte("two"))
			if err != nil || got != "fresh" {
				t.Errorf("second: got %q, err %v; want %q", got, err, "fresh")
			}
			want := int32(2)
			if tc.reused {
				want = 1
			}
			if n := b.conns.Load(); n != want {
				t.Errorf("got %d connections, want %d", n, want)
			}
		})
	}
}
