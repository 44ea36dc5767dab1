package upstream

import (
	"bufio"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
)

// rawBackend is a backend written byte by byte: serve runs for each
// accepted connection, with the connection's number (from 1) and a reader
// over it. It counts the requests the tests' serve funcs report reading.
type rawBackend struct {
	ln       net.Listener
	conns    atomic.Int32 // accepted
	requests atomic.Int32 // read by serve (it calls readRequest)
	wg       sync.WaitGroup
}

func newRawBackend(t *testing.T, serve func(b *rawBackend, n int, nc net.Conn, br *bufio.Reader)) *rawBackend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &rawBackend{ln: ln}
	return b.start(t, serve)
}

func (b *rawBackend) start(t *testing.T, serve func(b *rawBackend, n int, nc net.Conn, br *bufio.Reader)) *rawBackend {
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		for {
			nc, err := b.ln.Accept()
			if err != nil {
				return
			}
			n := int(b.conns.Add(1))
			b.wg.Add(1)
			go func() {
				defer b.wg.Done()
				defer nc.Close()
				serve(b, n, nc, bufio.NewReader(nc))
			}()
		}
	}()
	t.Cleanup(func() { b.ln.Close(); b.wg.Wait() })
	return b
}

func (b *rawBackend) url() string { return "http://" + b.ln.Addr().String() + "/" }

// readRequest reads one request (head and body) from br and counts it.
func (b *rawBackend) readRequest(br *bufio.Reader) (*http.Request, []byte, error) {
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, nil, err
	}
	body := make([]byte, req.ContentLength)
	if _, err := readFull(br, body); err != nil {
		return nil, nil, err
	}
	b.requests.Add(1)
	return req, body, nil
}

func readFull(br *bufio.Reader, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k, err := br.Read(p[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
