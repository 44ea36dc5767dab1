package bench

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"runtime/pprof"
	"time"

	"github.com/wsgw/wsgw/examples/stockquote"
)

// Capacity makes the benchmark backend a server of bounded capacity:
// Slots requests served at once, each taking Service (a sleep, standing
// for work on a resource the backend has Slots of); more wait for a slot
// in arrival order, without bound, as in a server's accept queue. Its
// capacity is Slots/Service requests per second. The zero value is an
// unbounded backend answering at once.
type Capacity struct {
	Slots   int
	Service time.Duration
}

// PerSecond is the capacity in requests per second (0: unbounded).
func (c Capacity) PerSecond() float64 {
	if c.Slots <= 0 || c.Service <= 0 {
		return 0
	}
	return float64(c.Slots) / c.Service.Seconds()
}

// Backend is the stock-quote example's backend, serving until Close.
type Backend struct {
	URL string // http://host:port
	srv *http.Server
}

// StartBackend serves the stock-quote backend on addr ("127.0.0.1:0" for a
// free port) with capacity c. GET /?wsdl serves its WSDL.
func StartBackend(addr string, c Capacity) (*Backend, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening for the backend: %w", err)
	}
	h := stockquote.NewBackend("p0/r0", nil, discardLogger())
	if c.Slots > 0 && c.Service > 0 {
		h = limited(h, c)
	}
	b := &Backend{URL: "http://" + ln.Addr().String(), srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	go pprof.Do(context.Background(), pprof.Labels("side", "backend"), func(context.Context) { // profiles: -tagfocus side=backend
		b.srv.Serve(ln) //nolint:errcheck // ends with Close
	})
	return b, nil
}

// Close stops the backend.
func (b *Backend) Close() error { return b.srv.Close() }

// limited serves POSTs through c.Slots slots of c.Service each.
func limited(h http.Handler, c Capacity) http.Handler {
	slots := make(chan struct{}, c.Slots)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			h.ServeHTTP(w, r)
			return
		}
		select {
		case slots <- struct{}{}:
		case <-r.Context().Done():
			return
		}
		defer func() { <-slots }()
		t := time.NewTimer(c.Service)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
		h.ServeHTTP(w, r)
	})
}

// ServeBackend runs a backend on addr until ctx ends (wsgw bench backend),
// calling started with its URL once it listens.
func ServeBackend(ctx context.Context, addr string, c Capacity, started func(url string)) error {
	b, err := StartBackend(addr, c)
	if err != nil {
		return err
	}
	started(b.URL)
	<-ctx.Done()
	return b.Close()
}
