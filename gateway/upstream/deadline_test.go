package upstream

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
)

// Request.Deadline breaks off a reply that does not come, as a context's
// deadline would, and the error says so.
func TestClient_DeadlineBreaksOffHead(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	srv, _ := echoServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		<-release
	})
	defer once.Do(func() { close(release) })
	c := New(Options{})
	defer c.CloseIdleConnections()
	resp, err := c.Do(context.Background(), &Request{URL: srv.URL, Body: [][]byte{[]byte("x")},
		Deadline: time.Now().Add(50 * time.Millisecond)})
	if !errors.Is(err, context.DeadlineExceeded) || !resp.Sent {
		t.Errorf("got err=%v sent=%v, want context.DeadlineExceeded and sent=true", err, resp.Sent)
	}
	once.Do(func() { close(release) })
}

// Request.Deadline breaks off a reply body that stops coming, and the
// connection is not reused.
func TestClient_DeadlineBreaksOffBody(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	srv, conns := echoServer(t, func(w http.ResponseWriter, r *http.Request) {
		if b, _ := io.ReadAll(r.Body); string(b) != "x" {
			io.WriteString(w, "got h "+string(b))
			return
		}
		w.Header().Set("Content-Length", "10")
		io.WriteString(w, "part")
		w.(http.Flusher).Flush()
		<-release
	})
	defer once.Do(func() { close(release) })
	c := New(Options{})
	defer c.CloseIdleConnections()
	resp, err := c.Do(context.Background(), &Request{URL: srv.URL, Body: [][]byte{[]byte("x")},
		Deadline: time.Now().Add(200 * time.Millisecond)})
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "part" || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %q, err=%v; want %q and context.DeadlineExceeded", b, err, "part")
	}
	once.Do(func() { close(release) })
	got, _ := send(t, c, srv.URL, "ab")
	if got != "got h ab" {
		t.Errorf("got %q, want %q", got, "got h ab")
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("got %d connections, want 2 (the broken-off one closed)", n)
	}
}

// A connection back in the pool after an exchange with a deadline serves
// the next request once that deadline has passed: the deadline goes with
// its exchange.
func TestClient_DeadlineDoesNotOutliveItsExchange(t *testing.T) {
	srv, conns := echoServer(t, nil)
	c := New(Options{})
	defer c.CloseIdleConnections()
	deadline := time.Now().Add(20 * time.Millisecond)
	resp, err := c.Do(context.Background(), &Request{URL: srv.URL, Body: [][]byte{[]byte("one")}, Deadline: deadline})
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	io.ReadAll(resp.Body) //nolint:errcheck // the second request says
	resp.Body.Close()
	checkfor.True(t, 5*time.Second, "the first deadline passed", func() bool { return time.Now().After(deadline) })
	for i, want := range []string{"got h two", "got h three"} {
		if got, _ := send(t, c, srv.URL, want[6:]); got != want {
			t.Fatalf("request %d: got %q, want %q", i+2, got, want)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("got %d connections, want 1 (reused after its deadline passed)", n)
	}
}
