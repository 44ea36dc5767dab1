// Package loopback has the tests' real HTTP parts on loopback addresses
// for what an attacker or a far client does: an endpoint that records
// what reaches it (the address a reply, a fault or a notification must or
// must not go to), a client that connects from a given loopback address
// (a caller of its own, package caller), and a request that declares a
// larger body than it sends. It is for tests only.
package loopback

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Endpoint is an HTTP server on a loopback address that keeps the bodies
// it receives and answers 202.
type Endpoint struct {
	// URL is the endpoint's address, http://IP:PORT/endpoint.
	URL string
	// Port is its port.
	Port string

	mu     sync.Mutex // guards bodies
	bodies []string
}

// Listen starts an Endpoint on ip (127.0.0.1, 127.0.0.2...: the whole of
// 127/8 is loopback on Linux), closed when t ends.
func Listen(t testing.TB, ip string) *Endpoint {
	t.Helper()
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	e := &Endpoint{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.bodies = append(e.bodies, string(b))
		e.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	e.URL = srv.URL + "/endpoint"
	_, e.Port, _ = net.SplitHostPort(ln.Addr().String())
	return e
}

// Received returns the bodies received so far, in order.
func (e *Endpoint) Received() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.bodies...)
}

// Got returns nil when e received exactly one body per want, body i
// holding want[i]; else an error saying what it received.
func (e *Endpoint) Got(want ...string) error {
	got := e.Received()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = strings.Contains(got[i], want[i])
	}
	if !ok {
		return fmt.Errorf("%s received %q, want %d bodies holding %q", e.URL, got, len(want), want)
	}
	return nil
}

// ClientFrom returns a client whose connections come from the loopback
// address ip; close its idle connections when done.
func ClientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

// PostDeclaring sends a POST of path to addr (host:port) with header
// lines hdr ("Name: value" each), declaring a body of declared bytes but
// sending only start, and returns the answer that comes before the rest
// of the body (within 5 seconds) and its body.
func PostDeclaring(t testing.TB, addr, path string, hdr []string, declared int, start string) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\n%sContent-Length: %d\r\n\r\n%s",
		path, addr, strings.Join(append(hdr, ""), "\r\n"), declared, start)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer before the body was sent: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}
