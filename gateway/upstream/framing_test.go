package upstream

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
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

func TestClient_EarlyReplyBeforeBodyIsRead(t *testing.T) {
	b := newRawBackend(t, func(b *rawBackend, _ int, nc net.Conn, br *bufio.Reader) {
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		io.WriteString(nc, "HTTP/1.1 413 Content Too Large\r\nConnection: close\r\nContent-Length: 8\r\n\r\ntoo long")
		// Closing with most of the body unread resets the connection.
	})
	c := New(Options{})
	defer c.CloseIdleConnections()
	got, resp, err := do(c, b.url(), false, make([]byte, 32<<20))
	if err != nil || status(resp) != 413 || got != "too long" || !resp.Sent {
		t.Fatalf("got %d %q sent=%v err=%v, want 413 %q sent=true and no error", status(resp), got, resp.Sent, err, "too long")
	}
}

func TestClient_UnaskedSwitchingProtocolsIsAnError(t *testing.T) {
	b := newRawBackend(t, func(b *rawBackend, n int, nc net.Conn, br *bufio.Reader) {
		for {
			if _, _, err := b.readRequest(br); err != nil {
				return
			}
			if n == 1 {
				io.WriteString(nc, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: other\r\nConnection: Upgrade\r\n\r\n")
				// The other protocol answers anything with bytes that
				// look like a reply.
				for {
					if _, err := br.ReadByte(); err != nil {
						return
					}
					io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale")
				}
			}
			io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh")
		}
	})
	c := New(Options{})
	defer c.CloseIdleConnections()
	_, resp, err := do(c, b.url(), false, []byte("one"))
	if err == nil || status(resp) == 101 {
		t.Errorf("first: got status %d err %v, want an error", status(resp), err)
	}
	got, _, err := do(c, b.url(), false, []byte("two"))
	if err != nil || got != "fresh" {
		t.Errorf("second: got %q err %v, want %q", got, err, "fresh")
	}
}

func TestClient_PartialReplyIsNotReplayed(t *testing.T) {
	b := newRawBackend(t, func(b *rawBackend, n int, nc net.Conn, br *bufio.Reader) {
		for i := 0; ; i++ {
			if _, _, err := b.readRequest(br); err != nil {
				return
			}
			if n == 1 && i == 1 {
				io.WriteString(nc, "HTTP/1.1 200 OK\r\n") // then close
				return
			}
			io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	c := New(Options{})
	defer c.CloseIdleConnections()
	if _, _, err := do(c, b.url(), true, []byte("one")); err != nil {
		t.Fatal(err)
	}
	_, resp, err := do(c, b.url(), true, []byte("two"))
	if err == nil || !resp.Sent {
		t.Errorf("got err %v sent=%v, want an error and sent=true", err, resp.Sent)
	}
	if got := b.requests.Load(); got != 2 {
		t.Errorf("got %d requests at the backend, want 2 (the broken reply not followed by a replay)", got)
	}
}

func TestClient_SentSurvivesAFailedReplay(t *testing.T) {
	var b *rawBackend
	b = newRawBackend(t, func(b *rawBackend, n int, nc net.Conn, br *bufio.Reader) {
		for i := 0; ; i++ {
			if _, _, err := b.readRequest(br); err != nil {
				return
			}
			if i == 1 {
				b.ln.Close() // no new connection will be taken
				return       // and this one closes with no reply byte
			}
			io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	c := New(Options{})
	defer c.CloseIdleConnections()
	if _, _, err := do(c, b.url(), true, []byte("one")); err != nil {
		t.Fatal(err)
	}
	_, resp, err := do(c, b.url(), true, []byte("two"))
	if err == nil || !resp.Sent {
		t.Errorf("got err %v sent=%v, want an error and sent=true (the backend read the request)", err, resp.Sent)
	}
}

func status(resp Response) int {
	if resp.Response == nil {
		return 0
	}
	return resp.StatusCode
}

// A status code outside 100-599 is not a reply (RFC 9110, 15): relayed, a
// code below 100 made the gateway's handler panic in WriteHeader.
func TestClient_InvalidStatusCodeIsAnError(t *testing.T) {
	for _, code := range []string{"000", "099", "600", "999"} {
		t.Run(code, func(t *testing.T) {
			b := newRawBackend(t, func(b *rawBackend, _ int, nc net.Conn, br *bufio.Reader) {
				if _, _, err := b.readRequest(br); err != nil {
					return
				}
				io.WriteString(nc, "HTTP/1.1 "+code+" Odd\r\nContent-Length: 0\r\n\r\n")
				io.Copy(io.Discard, br)
			})
			c := New(Options{})
			defer c.CloseIdleConnections()
			_, resp, err := do(c, b.url(), false, []byte("x"))
			if err == nil || !strings.Contains(err.Error(), "status") {
				t.Errorf("got status %d, err %v; want an error about the status", status(resp), err)
			}
		})
	}
}

// Request.Header cannot frame the request a second time nor inject a
// field: names of any case that frame it, names that are not tokens and
// values with controls are left out (RFC 9110, 5.1 and 5.5; RFC 9112, 6.2).
func TestClient_HeaderCannotReframeOrInject(t *testing.T) {
	got := make(chan *http.Request, 1)
	b := newRawBackend(t, func(b *rawBackend, _ int, nc net.Conn, br *bufio.Reader) {
		req, body, err := b.readRequest(br)
		if err != nil {
			got <- nil
			return
		}
		req.Body = io.NopCloser(strings.NewReader(string(body)))
		got <- req
		io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	})
	c := New(Options{})
	defer c.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := c.Do(ctx, &Request{URL: b.url(), Body: [][]byte{[]byte("hello")}, Header: http.Header{
		"content-length":    {"0"},
		"Transfer-Encoding": {"chunked"},
		"host":              {"elsewhere"},
		"X-Bad\r\nInjected": {"1"},
		"X-Nul":             {"a\x00b"},
		"X-Split":           {"a\r\nInjected: 2"},
		"X-Ok":              {"fine\tvalue"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	req := <-got
	if req == nil {
		t.Fatal("the backend could not read the request")
	}
	body, _ := io.ReadAll(req.Body)
	if string(body) != "hello" || req.ContentLength != 5 || len(req.TransferEncoding) != 0 {
		t.Errorf("got body %q, Content-Length %d, Transfer-Encoding %q; want %q, 5, none",
			body, req.ContentLength, req.TransferEncoding, "hello")
	}
	if req.Host == "elsewhere" {
		t.Errorf("got Host %q, want the URL's", req.Host)
	}
	for _, k := range []string{"Injected", "X-Nul", "X-Split"} {
		if v, ok := req.Header[k]; ok {
			t.Errorf("got %s: %q, want no such field", k, v)
		}
	}
	if v := req.Header.Get("X-Ok"); v != "fine\tvalue" {
		t.Errorf("got X-Ok %q, want %q", v, "fine\tvalue")
	}
}
