package upstream

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
)

// echoServer answers every POST with "got <body>" and counts the
// connections it accepted.
func echoServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	if h == nil {
		h = func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			fmt.Fprintf(w, "got %s %s", r.Header.Get("X-Test"), b)
		}
	}
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func send(t *testing.T, c *Client, url, body string) (string, Response) {
	t.Helper()
	resp, err := c.Do(context.Background(), &Request{URL: url, Header: http.Header{"X-Test": {"h"}},
		Body: [][]byte{[]byte(body[:len(body)/2]), []byte(body[len(body)/2:])}})
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("reading the reply: %v", err)
	}
	return string(b), resp
}

func TestClient_ReusesOneConnection(t *testing.T) {
	srv, conns := echoServer(t, nil)
	c := New(Options{})
	defer c.CloseIdleConnections()
	for i := range 5 {
		got, resp := send(t, c, srv.URL+"/x", fmt.Sprintf("body %d", i))
		if want := fmt.Sprintf("got h body %d", i); got != want || resp.StatusCode != 200 || !resp.Sent {
			t.Fatalf("got %d %q sent=%v, want 200 %q sent=true", resp.StatusCode, got, resp.Sent, want)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("got %d connections for 5 sequential requests, want 1", n)
	}
}

// A backend that closes idle connections: the next request, even one
// that may not be replayed, goes on a new connection instead of failing.
func TestClient_SkipsConnectionClosedByPeer(t *testing.T) {
	srv, conns := echoServer(t, nil)
	c := New(Options{})
	defer c.CloseIdleConnections()
	send(t, c, srv.URL, "one")
	srv.CloseClientConnections()
	checkfor.Until(t, 5*time.Second, func() error {
		got, _ := send(t, c, srv.URL, "two")
		if got != "got h two" {
			return fmt.Errorf("got %q, want %q", got, "got h two")
		}
		return nil
	})
	if n := conns.Load(); n != 2 {
		t.Errorf("got %d connections, want 2", n)
	}
}

func TestClient_ConnectionCloseIsNotReused(t *testing.T) {
	srv, conns := echoServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Connection", "close")
		io.WriteString(w, "bye")
	})
	c := New(Options{})
	defer c.CloseIdleConnections()
	send(t, c, srv.URL, "a")
	send(t, c, srv.URL, "b")
	if n := conns.Load(); n != 2 {
		t.Errorf("got %d connections, want 2 (Connection: close)", n)
	}
}

// A chunked (streamed) reply is read to its end; an interim 100 Continue
// is skipped.
func TestClient_ChunkedReplyAfterInterim(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		req, err := http.ReadRequest(bufio.NewReader(nc))
		if err != nil {
			return
		}
		io.Copy(io.Discard, req.Body)
		io.WriteString(nc, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"+
			"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
		io.Copy(io.Discard, nc) // open until the client closes: the reply ends by its framing
	}()
	c := New(Options{})
	defer c.CloseIdleConnections()
	got, resp := send(t, c, "http://"+ln.Addr().String()+"/", "x")
	if resp.StatusCode != 200 || got != "abcde" {
		t.Errorf("got %d %q, want 200 %q", resp.StatusCode, got, "abcde")
	}
}

func TestClient_DialFailureIsNotSent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := New(Options{})
	resp, err := c.Do(context.Background(), &Request{URL: "http://" + addr + "/", Body: [][]byte{[]byte("x")}})
	if err == nil || resp.Sent {
		t.Errorf("got err=%v sent=%v, want an error and sent=false", err, resp.Sent)
	}
}

// The context's end breaks off a reply that does not come, and the error
// says so.
func TestClient_ContextEndBreaksOff(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	srv, _ := echoServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		<-release
	})
	defer once.Do(func() { close(release) })
	c := New(Options{})
	defer c.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	resp, err := c.Do(ctx, &Request{URL: srv.URL, Body: [][]byte{[]byte("x")}})
	if !errors.Is(err, context.DeadlineExceeded) || !resp.Sent {
		t.Errorf("got err=%v sent=%v, want context.DeadlineExceeded and sent=true", err, resp.Sent)
	}
	once.Do(func() { close(release) })
}

func TestClient_RefusesOtherSchemes(t *testing.T) {
	c := New(Options{})
	_, err := c.Do(context.Background(), &Request{URL: "ftp://x/"})
	if err == nil || !strings.Contains(err.Error(), "scheme") {
		t.Errorf("got %v, want a scheme error", err)
	}
}
