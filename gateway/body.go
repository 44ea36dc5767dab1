package gateway

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsgw/wsgw/internal/fielderr"
	"github.com/wsgw/wsgw/soap"
)

// Reading request bodies. A body is read on the connection's own
// goroutine before the request enters any stage, so that a client that
// sends slowly holds no worker (a worker is for the CPU work of reading an
// envelope, not for waiting on the network). What a slow client can hold
// instead is bounded:
//
//   - time: the body must arrive at ClientLimits.MinBodyRate after a grace
//     of ClientLimits.BodyGrace, and within ClientLimits.BodyTimeout, or
//     it is answered with a LimitExceeded fault (HTTP 408) and the
//     connection closed; the header within ClientLimits.HeaderTimeout
//     (http.Server);
//   - memory: bytes are kept as they arrive, in pooled chunks, never on the
//     word of a Content-Length; all bodies being read hold at most
//     ClientLimits.BodyMemory, beyond which a request is refused with a
//     Busy fault;
//   - connections: at most ClientLimits.MaxConnsPerAddr per client IP
//     address (limitListener).
//
// Once complete, a body is copied once into a buffer of its exact size
// (or read straight into one when it fits a chunk), which the guarded
// reader indexes without copying and the forwarder sends from: the body is
// held once on its way through.

// ClientLimits bound what one client can hold of the gateway. Zero fields
// take the defaults in comments.
type ClientLimits struct {
	HeaderTimeout time.Duration // the request line and header; default 10s
	BodyTimeout   time.Duration // the whole body; default 60s
	// MinBodyRate is the lowest average rate, in bytes per second, at
	// which a body may arrive once BodyGrace has passed; default 16 KiB/s,
	// negative: no minimum.
	MinBodyRate int64
	BodyGrace   time.Duration // default 2s
	// BodyMemory bounds the bytes of all request bodies being read at
	// once; default 64 MiB.
	BodyMemory int64
	// MaxConnsPerAddr bounds the open connections of one client IP
	// address; default 256, negative: no bound.
	MaxConnsPerAddr int
}

// Client limit defaults.
const (
	DefaultHeaderTimeout   = 10 * time.Second
	DefaultBodyTimeout     = 60 * time.Second
	DefaultMinBodyRate     = 16 << 10
	DefaultBodyGrace       = 2 * time.Second
	DefaultBodyMemory      = 64 << 20
	DefaultMaxConnsPerAddr = 256
)

func (c ClientLimits) withDefaults() ClientLimits {
	if c.HeaderTimeout == 0 {
		c.HeaderTimeout = DefaultHeaderTimeout
	}
	if c.BodyTimeout == 0 {
		c.BodyTimeout = DefaultBodyTimeout
	}
	if c.MinBodyRate == 0 {
		c.MinBodyRate = DefaultMinBodyRate
	}
	if c.BodyGrace == 0 {
		c.BodyGrace = DefaultBodyGrace
	}
	if c.BodyMemory == 0 {
		c.BodyMemory = DefaultBodyMemory
	}
	if c.MaxConnsPerAddr == 0 {
		c.MaxConnsPerAddr = DefaultMaxConnsPerAddr
	}
	return c
}

func (c ClientLimits) validate(l *fielderr.List, path fielderr.Path) {
	for _, f := range []struct {
		name string
		neg  bool
	}{
		{"HeaderTimeout", c.HeaderTimeout < 0}, {"BodyTimeout", c.BodyTimeout < 0},
		{"BodyGrace", c.BodyGrace < 0}, {"BodyMemory", c.BodyMemory < 0},
	} {
		if f.neg {
			l.Add(path.Field(f.name), "negative")
		}
	}
}

// bodyChunk is the unit in which bodies of unknown or large size are kept
// while they arrive.
const bodyChunk = 16 << 10

var chunkPool = sync.Pool{New: func() any { return new([bodyChunk]byte) }}

// bodyReader reads request bodies under the gateway's client limits.
type bodyReader struct {
	lim  ClientLimits
	now  func() time.Time
	held atomic.Int64 // bytes of bodies being read, gateway-wide
}

// errBodyMemory refuses a body when the bodies being read hold
// ClientLimits.BodyMemory.
var errBodyMemory = errors.New("the request bodies being read hold all the memory set aside for them")

// read returns r's body, of at most max bytes. Errors are *soap.Fault
// values (of version 0: the caller answers in the version it guesses),
// but for errBodyMemory.
func (br *bodyReader) read(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	if r.ContentLength > max { // refused before reading
		return nil, soap.NewFault(0, soap.FaultLimitExceeded, fmt.Sprintf(
			"the request has %d bytes; the limit is %d", r.ContentLength, max))
	}
	rd := &rateReader{r: r.Body, rc: http.NewResponseController(w), start: br.now(), lim: br.lim, now: br.now}
	rd.deadline(0)
	b, err := br.readBody(r, rd, max)
	if err == nil {
		// Done with the body. After an error the deadline stays as it is:
		// the server must not wait for the rest of a slow body before it
		// sends the answer and closes.
		rd.rc.SetReadDeadline(time.Time{}) //nolint:errcheck // best effort; the server's own timeouts remain
	}
	return b, err
}

func (br *bodyReader) readBody(r *http.Request, rd *rateReader, max int64) ([]byte, error) {
	if r.ContentLength >= 0 && r.ContentLength <= bodyChunk {
		// Small and of known size: straight into a buffer of its size
		// (+1 to see the end without another read).
		if !br.reserve(r.ContentLength + 1) {
			return nil, errBodyMemory
		}
		defer br.held.Add(-(r.ContentLength + 1))
		b := make([]byte, r.ContentLength+1)
		n, err := io.ReadFull(rd, b)
		switch {
		case (err == io.ErrUnexpectedEOF || err == io.EOF) && int64(n) == r.ContentLength:
			return b[:n], nil
		case err != nil:
			return nil, bodyFault(err, rd)
		}
		return nil, soap.NewFault(0, soap.FaultMalformedMessage, "the request body is longer than its Content-Length")
	}
	return br.readChunks(rd, max)
}

// readChunks reads a body of unknown or large size into pooled chunks as
// it arrives, then copies it once into a buffer of its size.
func (br *bodyReader) readChunks(rd *rateReader, max int64) ([]byte, error) {
	var chunks []*[bodyChunk]byte
	defer func() {
		for _, c := range chunks {
			chunkPool.Put(c)
		}
		br.held.Add(-int64(len(chunks)) * bodyChunk)
	}()
	var n int64 // bytes in chunks
	for {
		if n%bodyChunk == 0 {
			if !br.reserve(bodyChunk) {
				return nil, errBodyMemory
			}
			chunks = append(chunks, chunkPool.Get().(*[bodyChunk]byte))
		}
		c := chunks[len(chunks)-1]
		k, err := rd.Read(c[n%bodyChunk:])
		n += int64(k)
		if n > max {
			return nil, soap.NewFault(0, soap.FaultLimitExceeded, fmt.Sprintf(
				"the request has more than %d bytes, the limit", max))
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, bodyFault(err, rd)
		}
	}
	b := make([]byte, n)
	for i, c := range chunks {
		copy(b[i*bodyChunk:], c[:])
	}
	return b, nil
}

// reserve takes n bytes of the body memory, or reports false.
func (br *bodyReader) reserve(n int64) bool {
	if br.held.Add(n) > br.lim.BodyMemory {
		br.held.Add(-n)
		return false
	}
	return true
}

// bodyFault describes a body that could not be read: too slow (the read
// deadline passed; 408), too long, or broken off.
func bodyFault(err error, rd *rateReader) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		f := soap.NewFault(0, soap.FaultLimitExceeded, fmt.Sprintf(
			"the request body arrived too slowly (%d bytes after %s; the gateway wants %d bytes/s after %s, all within %s)",
			rd.n, rd.now().Sub(rd.start).Round(time.Millisecond), rd.lim.MinBodyRate, rd.lim.BodyGrace, rd.lim.BodyTimeout))
		f.Status = http.StatusRequestTimeout
		return f.WithCause(err)
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return soap.NewFault(0, soap.FaultLimitExceeded, "the request body is over the limit").WithCause(err)
	}
	return soap.NewFault(0, soap.FaultMalformedMessage, "reading the request body: "+err.Error()).WithCause(err)
}

// rateReader moves the connection's read deadline as bytes arrive: the
// body must keep up with MinBodyRate after BodyGrace, and end within
// BodyTimeout.
type rateReader struct {
	r     io.Reader
	rc    *http.ResponseController
	lim   ClientLimits
	now   func() time.Time
	start time.Time
	n     int64
}

func (rd *rateReader) Read(p []byte) (int, error) {
	k, err := rd.r.Read(p)
	rd.n += int64(k)
	if k > 0 && err == nil { // at the end (net/http returns EOF with the last bytes) no read is left to bound
		rd.deadline(rd.n)
	}
	return k, err
}

// deadline sets the read deadline for a body of which n bytes arrived.
func (rd *rateReader) deadline(n int64) {
	d := rd.lim.BodyTimeout
	if rd.lim.MinBodyRate > 0 {
		d = min(d, rd.lim.BodyGrace+time.Duration(float64(n)/float64(rd.lim.MinBodyRate)*float64(time.Second)))
	}
	rd.rc.SetReadDeadline(rd.start.Add(d)) //nolint:errcheck // HTTP/2 and HTTP/1 support it; else the server's timeouts apply
}
