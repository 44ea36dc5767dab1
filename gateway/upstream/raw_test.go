package upstream

import (
	"bufio"
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/wsgw/wsgw/internal/testpki"
)

// rawBackend is a backend written byte by byte: serve runs for each
// accepted connection, with the connection's number (from 1) and a reader
// over it. It counts the requests the tests' serve funcs report reading.
type rawBackend struct {
	ln       net.Listener
	scheme   string       // http or https
	client   *tls.Config  // for https: trusts the backend's certificate
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
	b := &rawBackend{ln: ln, scheme: "http"}
	return b.start(t, serve)
}

// newRawTLSBackend is newRawBackend over TLS (serve's nc is a *tls.Conn);
// b.client is the TLS configuration a client needs to trust it.
func newRawTLSBackend(t *testing.T, serve func(b *rawBackend, n int, nc net.Conn, br *bufio.Reader)) *rawBackend {
	t.Helper()
	dir := t.TempDir()
	ca := testpki.NewCA(t, dir, "upstream")
	leaf := ca.Server(t, dir, "backend")
	cert, err := tls.X509KeyPair(leaf.CertPEM, leaf.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	// Records of up to 16 KiB from the first byte, as nginx's default
	// ssl_buffer_size writes them.
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert},
		DynamicRecordSizingDisabled: true})
	if err != nil {
		t.Fatal(err)
	}
	b := &rawBackend{ln: ln, scheme: "https", client: &tls.Config{RootCAs: ca.Pool()}}
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

func (b *rawBackend) url() string { return b.scheme + "://" + b.ln.Addr().String() + "/" }

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
