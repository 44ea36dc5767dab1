package upstream

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Client sends requests to backends over pooled keep-alive connections.
// Its zero value is not usable; use New.
type Client struct {
	dialer      *net.Dialer
	tls         *tls.Config // for https backends; nil: system roots
	maxIdle     int
	idleTimeout time.Duration
	maxHeader   int64
	now         func() time.Time

	targets sync.Map // backend URL string -> *target

	mu     sync.Mutex // guards closed
	closed bool
}

// Options configure a Client. Zero fields take the defaults in comments.
type Options struct {
	Dialer      *net.Dialer   // default: 5s connect timeout, 30s TCP keep-alive
	TLS         *tls.Config   // https backends; nil: system roots, no client certificate
	MaxIdle     int           // idle connections kept per backend; default 64
	IdleTimeout time.Duration // an idle connection older than this is closed, not reused; default 90s
	// MaxHeaderBytes bounds the bytes read for a reply's head, interim
	// (1xx) heads included, as net/http's MaxResponseHeaderBytes does;
	// default 1 MiB, at least the 4 KiB read buffer.
	MaxHeaderBytes int64
}

// defaultMaxHeader is Options.MaxHeaderBytes' default. (choice) 1 MiB: a
// SOAP backend's head is a few hundred bytes; net/http allows 10 MiB.
const defaultMaxHeader = 1 << 20

// bufSize is the size of each connection's read and write buffers.
const bufSize = 4 << 10

// New returns a client.
func New(o Options) *Client {
	if o.Dialer == nil {
		o.Dialer = &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	}
	if o.MaxIdle <= 0 {
		o.MaxIdle = 64
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 90 * time.Second
	}
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = defaultMaxHeader
	}
	return &Client{dialer: o.Dialer, tls: o.TLS, maxIdle: o.MaxIdle, idleTimeout: o.IdleTimeout,
		maxHeader: max(o.MaxHeaderBytes, bufSize), now: time.Now}
}

// Request is one request to forward: a POST of Body to URL.
type Request struct {
	URL string // http or https URL of the backend endpoint
	// Header is written as it is, less Host, Content-Length and
	// Transfer-Encoding in any case (the client frames the request from
	// URL and Body), fields whose name is not a token and values that are
	// not valid field values (CR, LF, NUL and other controls; RFC 9110,
	// 5.5).
	Header http.Header
	Body   [][]byte // written in order, never copied
	// Replayable allows a second try on a new connection when a reused one
	// turns out dead before any byte of the reply.
	Replayable bool
	// Deadline, when not zero, ends the exchange as the end of a context
	// with that deadline would, the reply body's reads included; the
	// error then wraps context.DeadlineExceeded. It is set on the
	// connection itself (net.Conn.SetDeadline): no timer or context per
	// request, as a context.WithTimeout would cost.
	Deadline time.Time
}

// Response is a backend's reply; Body must be read to its end and closed
// for the connection to be reused.
type Response struct {
	*http.Response
	Sent bool // some bytes of the request were written
}

// Do sends req and reads its reply's head. ctx's end breaks off the
// exchange, the reply body's reads included. On error, Response.Sent still
// says whether bytes of the request were written.
func (c *Client) Do(ctx context.Context, req *Request) (Response, error) {
	t, err := c.target(req.URL)
	if err != nil {
		return Response{}, err
	}
	var n int64
	for _, b := range req.Body {
		n += int64(len(b))
	}
	sent := false // over every attempt
	for attempt := 0; ; attempt++ {
		cn, err := c.conn(ctx, t, attempt > 0, req.Deadline)
		if err != nil {
			return Response{Sent: sent}, err
		}
		resp, wrote, err := cn.exchange(ctx, t, req, n)
		sent = sent || wrote
		if err == nil {
			return Response{Response: resp, Sent: true}, nil
		}
		cn.close()
		if ctx.Err() != nil {
			return Response{Sent: sent}, fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		if isDeadline(err) {
			return Response{Sent: sent}, fmt.Errorf("%w (%v)", context.DeadlineExceeded, err)
		}
		var dead *deadConnError
		if attempt == 0 && cn.reused && req.Replayable && errors.As(err, &dead) {
			continue
		}
		return Response{Sent: sent}, err
	}
}

// deadConnError is a reused connection that gave no byte of a reply.
type deadConnError struct{ err error }

func (e *deadConnError) Error() string {
	return "backend closed a reused connection before replying: " + e.err.Error()
}
func (e *deadConnError) Unwrap() error { return e.err }

// CloseIdleConnections closes every idle connection and makes the client
// close, rather than keep, the connections still in use when they finish.
func (c *Client) CloseIdleConnections() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.targets.Range(func(_, v any) bool {
		t := v.(*target)
		t.mu.Lock()
		idle := t.idle
		t.idle = nil
		t.mu.Unlock()
		for _, cn := range idle {
			cn.close()
		}
		return true
	})
}

// target is one backend URL: how to reach it and its idle connections.
type target struct {
	addr string      // host:port to dial
	tls  *tls.Config // nil for http
	head []byte      // "POST <path> HTTP/1.1\r\nHost: <host>\r\n"

	mu   sync.Mutex // guards idle
	idle []*conn    // newest last
}

func (c *Client) target(raw string) (*target, error) {
	if v, ok := c.targets.Load(raw); ok {
		return v.(*target), nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("backend URL %q: %w", raw, err)
	}
	t := &target{addr: u.Host}
	switch u.Scheme {
	case "http":
		if u.Port() == "" {
			t.addr = net.JoinHostPort(u.Hostname(), "80")
		}
	case "https":
		if u.Port() == "" {
			t.addr = net.JoinHostPort(u.Hostname(), "443")
		}
		t.tls = &tls.Config{}
		if c.tls != nil {
			t.tls = c.tls.Clone()
		}
		if t.tls.ServerName == "" {
			t.tls.ServerName = u.Hostname()
		}
		t.tls.NextProtos = []string{"http/1.1"}
	default:
		return nil, fmt.Errorf("backend URL %q: scheme %q is not http or https", raw, u.Scheme)
	}
	t.head = fmt.Appendf(nil, "POST %s HTTP/1.1\r\nHost: %s\r\n", u.RequestURI(), u.Host)
	v, _ := c.targets.LoadOrStore(raw, t)
	return v.(*target), nil
}

// isDeadline reports an I/O error of a connection whose deadline passed.
// Only Request.Deadline, or a context's end, sets one; the caller looks at
// the context first.
func isDeadline(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

// conn returns an idle connection of t proven alive, or a new one (always
// a new one when fresh), with deadline (zero: none) set on it.
func (c *Client) conn(ctx context.Context, t *target, fresh bool, deadline time.Time) (*conn, error) {
	now := c.now()
	for !fresh {
		t.mu.Lock()
		k := len(t.idle)
		if k == 0 {
			t.mu.Unlock()
			break
		}
		cn := t.idle[k-1]
		t.idle[k-1] = nil
		t.idle = t.idle[:k-1]
		t.mu.Unlock()
		// The last exchange's deadline goes, before the peek: a past one
		// would fail it.
		if now.Sub(cn.idleSince) < c.idleTimeout && cn.nc.SetDeadline(deadline) == nil && cn.alive(deadline) {
			cn.reused = true
			return cn, nil
		}
		cn.close()
	}
	if !deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	var nc net.Conn
	var err error
	if t.tls != nil {
		d := &tls.Dialer{NetDialer: c.dialer, Config: t.tls}
		nc, err = d.DialContext(ctx, "tcp", t.addr)
	} else {
		nc, err = c.dialer.DialContext(ctx, "tcp", t.addr)
	}
	if err != nil {
		return nil, err
	}
	if !deadline.IsZero() {
		if err := nc.SetDeadline(deadline); err != nil {
			nc.Close()
			return nil, err
		}
	}
	cn := &conn{c: c, t: t, nc: nc}
	cn.cw = countingWriter{w: nc}
	cn.rl = readLimiter{r: nc, left: math.MaxInt64}
	cn.bw = bufio.NewWriterSize(&cn.cw, bufSize)
	cn.br = bufio.NewReaderSize(&cn.rl, bufSize)
	return cn, nil
}

// put returns cn to its target's idle stack, or closes it.
func (c *Client) put(cn *conn) {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	t := cn.t
	t.mu.Lock()
	if closed || len(t.idle) >= c.maxIdle {
		t.mu.Unlock()
		cn.close()
		return
	}
	cn.idleSince = c.now()
	t.idle = append(t.idle, cn)
	t.mu.Unlock()
}

// conn is one connection to a backend, used by one exchange at a time.
type conn struct {
	c         *Client
	t         *target
	nc        net.Conn
	cw        countingWriter
	rl        readLimiter // under br: bounds a reply's head
	bw        *bufio.Writer
	br        *bufio.Reader
	reused    bool
	idleSince time.Time
}

// aLongTimeAgo is a deadline in the past: it breaks off blocked I/O.
var aLongTimeAgo = time.Unix(1, 0)

// exchange writes req and reads the reply's head. sent reports whether
// bytes were written.
func (cn *conn) exchange(ctx context.Context, t *target, req *Request, n int64) (*http.Response, bool, error) {
	stop := context.AfterFunc(ctx, func() { cn.nc.SetDeadline(aLongTimeAgo) }) //nolint:errcheck // breaks I/O off
	cn.cw.n, cn.rl.n = 0, 0
	werr := cn.writeRequest(t, req, n)
	sent := cn.cw.n > 0
	if werr != nil && !sent {
		stop()
		return nil, false, fmt.Errorf("writing request: %w", werr)
	}
	// A backend may answer before it has read the whole request (a 413,
	// say) and close: a client "SHOULD monitor the network connection for
	// an error response while it is transmitting the request" (RFC 9112,
	// 9.5). After a write that failed, the answer is still read; the
	// connection is then not reused.
	resp, err := cn.readResponse()
	if err != nil {
		stop()
		if werr != nil {
			return nil, sent, fmt.Errorf("writing request: %w", werr)
		}
		if cn.reused && cn.rl.n == 0 && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isReset(err)) {
			err = &deadConnError{err: err}
		}
		return nil, sent, fmt.Errorf("reading reply: %w", err)
	}
	resp.Body = &body{rc: resp.Body, cn: cn, ctx: ctx, stop: stop, keep: !resp.Close && werr == nil}
	return resp, sent, nil
}

func (cn *conn) writeRequest(t *target, req *Request, n int64) error {
	bw := cn.bw
	bw.Write(t.head) //nolint:errcheck // the error is the writer's, returned by Flush
	bw.WriteString("Content-Length: ")
	var num [20]byte
	bw.Write(strconv.AppendInt(num[:0], n, 10))
	bw.WriteString("\r\n")
	for k, vs := range req.Header {
		if !writable(k) {
			continue
		}
		for _, v := range vs {
			if !validValue(v) {
				continue
			}
			bw.WriteString(k)
			bw.WriteString(": ")
			bw.WriteString(v)
			bw.WriteString("\r\n")
		}
	}
	bw.WriteString("\r\n")
	for _, b := range req.Body {
		bw.Write(b)
	}
	return bw.Flush()
}

// writable reports whether a header field named k may be written from
// Request.Header: a valid field name (a token, RFC 9110, 5.1: no CR, LF,
// colon or space to inject a field with) that is, in any case, none of
// Host, Content-Length and Transfer-Encoding. The client writes Host and
// frames the request with its own Content-Length alone: a second
// Content-Length, or a Transfer-Encoding beside it (RFC 9112, 6.2: "A
// sender MUST NOT send a Content-Length header field in any message that
// contains a Transfer-Encoding header field"), gives the backend two
// framings of one request, what request smuggling is made of (RFC 9112,
// 11.2).
func writable(k string) bool {
	if !validName(k) {
		return false
	}
	switch {
	case strings.EqualFold(k, "Host"), strings.EqualFold(k, "Content-Length"),
		strings.EqualFold(k, "Transfer-Encoding"):
		return false
	}
	return true
}

// errSwitched is a 101 reply: the request asked for no upgrade, and a
// server "MUST NOT switch to a protocol that was not indicated by the
// client in the corresponding request's Upgrade header field" (RFC 9110,
// 15.2.2). What follows on the connection is in an unknown protocol.
var errSwitched = errors.New("backend switched protocols (101) though the request asked for no upgrade")

// readResponse reads the reply's head, skipping 1xx interim replies
// (RFC 9110, 15.2), within MaxHeaderBytes for all the heads read.
func (cn *conn) readResponse() (*http.Response, error) {
	cn.rl.left = cn.c.maxHeader
	defer func() { cn.rl.left = math.MaxInt64 }()
	for {
		resp, err := http.ReadResponse(cn.br, nil)
		switch {
		case err != nil && cn.rl.left <= 0:
			return nil, fmt.Errorf("reply header over %d bytes: %w", cn.c.maxHeader, err)
		case err != nil:
			return nil, err
		case resp.StatusCode < 100 || resp.StatusCode > 599:
			// "All valid status codes are within the range of 100 to
			// 599, inclusive" (RFC 9110, 15); net/http reads any three
			// digits, and its server panics on a WriteHeader below 100.
			return nil, fmt.Errorf("backend replied with status %d, outside 100-599 (RFC 9110, 15)", resp.StatusCode)
		case resp.StatusCode == http.StatusSwitchingProtocols:
			return nil, errSwitched
		case resp.StatusCode >= 100 && resp.StatusCode < 200:
			continue
		}
		return resp, nil
	}
}

func (cn *conn) close() { cn.nc.Close() }

// body returns the connection to the pool once read to its end.
type body struct {
	rc   io.ReadCloser
	cn   *conn
	ctx  context.Context // the exchange's: its end breaks reads off
	stop func() bool     // unregisters the context's AfterFunc
	keep bool            // the reply allows reuse
	eof  bool
	done bool
}

func (b *body) Read(p []byte) (int, error) {
	if b.done {
		return 0, errors.New("upstream: read on a closed body")
	}
	n, err := b.rc.Read(p)
	switch {
	case err == io.EOF:
		b.eof = true
	case err != nil && b.ctx.Err() != nil:
		// The past deadline set as the context ended: say why.
		err = fmt.Errorf("%w (%v)", b.ctx.Err(), err)
	case err != nil && isDeadline(err):
		err = fmt.Errorf("%w (%v)", context.DeadlineExceeded, err)
	}
	return n, err
}

// Close releases the connection: back to the pool when the body was read
// to its end and the reply allows it, else closed.
func (b *body) Close() error {
	if b.done {
		return nil
	}
	b.done = true
	// stop reports false when the context ended (its func ran or runs):
	// the connection has, or will have, a past deadline.
	if b.stop() && b.eof && b.keep && b.cn.br.Buffered() == 0 {
		b.cn.c.put(b.cn)
		return nil
	}
	b.cn.close()
	return nil
}

// readLimiter counts the bytes read through it, and reads no more than
// left.
type readLimiter struct {
	r    io.Reader
	n    int64 // read since the exchange began
	left int64
}

// errReadLimit ends a read past readLimiter.left.
var errReadLimit = errors.New("read limit reached")

func (l *readLimiter) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, errReadLimit
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	k, err := l.r.Read(p)
	l.n += int64(k)
	l.left -= int64(k)
	return k, err
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (w *countingWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.n += int64(n)
	return n, err
}
