package upstream

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

func do(c *Client, url string, replayable bool, body []byte) (string, Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := c.Do(ctx, &Request{URL: url, Body: [][]byte{body}, Replayable: replayable})
	if err != nil {
		return "", resp, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return string(b), resp, err
}

func TestClient_ReplyHeadOverLimitIsRefused(t *testing.T) {
	for _, tc := range []struct{ name, reply string }{
		{"one head", "HTTP/1.1 200 OK\r\n" + strings.Repeat("X-Pad: "+strings.Repeat("a", 100)+"\r\n", 200) +
			"Content-Length: 2\r\n\r\nok"},
		{"interim heads", strings.Repeat("HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n", 400) +
			"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newRawBackend(t, func(b *rawBackend, _ int, nc net.Conn, br *bufio.Reader) {
				if _, _, err := b.readRequest(br); err != nil {
					return
				}
				io.WriteString(nc, tc.reply)
				io.Copy(io.Discard, br)
			})
			c := New(Options{MaxHeaderBytes: 8 << 10})
			defer c.CloseIdleConnections()
			got, resp, err := do(c, b.url(), false, []byte("x"))
			if err == nil || !strings.Contains(err.Error(), "header") {
				t.Fatalf("got reply %q (status %d), err %v; want an error about the reply's header size", got, status(resp), err)
			}
		})
	}
}

func status(resp Response) int {
	if resp.Response == nil {
		return 0
	}
	return resp.StatusCode
}
