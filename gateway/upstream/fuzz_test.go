package upstream

import (
	"bufio"
	"bytes"
	"io"
	"math"
	"testing"
)

// FuzzReadResponse feeds a backend's reply bytes to the reply reader:
// whatever they are, it must not panic, read more of a head than
// MaxHeaderBytes, return an interim (1xx) reply, or let a body of declared
// length end at another length without an error (RFC 9112, 6.3).
func FuzzReadResponse(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n2\r\nab\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 1\r\n\r\nx",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n",
		"HTTP/1.1 204 No Content\r\n\r\nbody",
		"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n",
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",
		"HTTP/1.0 200 OK\r\n\r\nread to close",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
		"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	c := New(Options{MaxHeaderBytes: bufSize})
	f.Fuzz(func(t *testing.T, data []byte) {
		cn := &conn{c: c}
		cn.rl = readLimiter{r: bytes.NewReader(data), left: math.MaxInt64}
		cn.br = bufio.NewReaderSize(&cn.rl, bufSize)
		resp, err := cn.readResponse()
		if cn.rl.n > c.maxHeader {
			t.Fatalf("got %d bytes read for the head, want at most %d", cn.rl.n, c.maxHeader)
		}
		if err != nil {
			return
		}
		if resp.StatusCode < 200 {
			t.Fatalf("got interim status %d as the reply", resp.StatusCode)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		if n > int64(len(data)) {
			t.Fatalf("got a body of %d bytes from %d bytes of input", n, len(data))
		}
		if err == nil && resp.ContentLength >= 0 && n != resp.ContentLength {
			t.Fatalf("got a body of %d bytes and no error, want the declared %d", n, resp.ContentLength)
		}
	})
}
