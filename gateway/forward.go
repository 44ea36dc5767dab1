package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/wsgw/wsgw/gateway/cluster"
	"github.com/wsgw/wsgw/gateway/upstream"
	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/soap"
)

// tryResult is what one try at one replica came to.
type tryResult struct {
	resp     *http.Response // non-nil when a reply came; body still open
	err      error
	sent     bool // request bytes may have reached the backend
	timedOut bool // the per-try timeout expired
}

// outcome maps the try to a cluster.Outcome.
func (t *tryResult) outcome() cluster.Outcome {
	switch {
	case t.resp != nil && replyFailed(t.resp):
		return cluster.Failed
	case t.resp != nil:
		return cluster.Success
	case !t.sent:
		return cluster.ConnectFailed
	case t.timedOut:
		return cluster.TimedOut
	}
	return cluster.Failed
}

// replyFailed reports a reply that says the replica failed rather than the
// request: a 5xx that is not a SOAP envelope (SOAP faults are relayed as
// answers).
func replyFailed(resp *http.Response) bool {
	if resp.StatusCode < 500 {
		return false
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return mt != soap.MediaType11 && mt != soap.MediaType12
}

// forward sends d's request to replicas of d.part until one replies or the
// rules forbid another try (see the package documentation), and streams
// the reply to w. It returns the request's outcome label and whether the
// client's response must be aborted (a reply broke off after its header
// was relayed).
func (g *Gateway) forward(ctx context.Context, s *service, w http.ResponseWriter, r *http.Request, d *decision) (string, bool) {
	v := d.msg.Version
	stage := s.parts[d.part]
	var tried []*cluster.Replica
	var last tryResult
	g.budget.request()
	for attempt := 0; ; attempt++ {
		rep := d.part.Pick(tried...)
		if rep == nil && attempt == 0 {
			retryAfter(w, time.Second)
			noRouteFault(v, s.cfg.Name, d.part.Name()).WriteHTTP(w, v)
			return outcomeNoRoute, false
		}
		if rep == nil {
			break
		}
		tried = append(tried, rep)
		d.replica = rep.Name()
		g.metrics.try(s.cfg.Name, attempt)
		done := rep.Begin()
		began := time.Now()
		// The try's timeout is a deadline on the backend connection
		// (upstream.Request.Deadline), not a context of its own.
		deadline := began.Add(d.opCfg.Timeout)
		if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
			deadline = dl
		}
		last = g.try(ctx, r, d, rep, deadline)
		observeTry(ctx, stage, d, &last, time.Since(began))
		if last.resp != nil && (!replyFailed(last.resp) || !g.mayRetry(s, d, &last, attempt)) {
			// The try's deadline breaking the body off is the replica's
			// timeout; ctx ending is the client going away.
			outcome, abort := g.relay(ctx, w, last.resp, deadline)
			done(outcome)
			return relayLabel(outcome, abort), abort
		}
		retry := last.resp != nil // a failed reply, and mayRetry said yes
		if retry {
			last.resp.Body.Close()
			last.err = fmt.Errorf("backend replied %s", last.resp.Status)
			last.resp = nil
		}
		last.timedOut = last.timedOut || (last.err != nil && !time.Now().Before(deadline) && ctx.Err() == nil)
		if ctx.Err() != nil { // the client went away: says nothing of the replica
			done(cluster.Canceled)
			return outcomeAborted, false
		}
		done(last.outcome())
		s.log.Warn("backend try failed", "operation", d.op.Name, "replica", rep.URL(),
			"sent", last.sent, "timedOut", last.timedOut, "err", last.err)
		if !retry && !g.mayRetry(s, d, &last, attempt) {
			break
		}
	}
	return g.failed(w, d, &last)
}

// observeTry reports a try's round trip (to the reply's head) to the
// partition's stage, whose adaptive limit learns from it: a reply is a
// sample; a timeout, or a reply saying the replica failed, a drop. A
// try that never reached the backend, or whose client went away, says
// nothing of the backend's load. The sample's class is the operation, and
// for a reply that is not a success (a SOAP fault) the operation's faults:
// each costs the backend its own time (a fault from a backend whose
// database is down comes fast), and the limiter measures each class
// against its own no-load round trip.
func observeTry(ctx context.Context, st *queueing.Stage, d *decision, t *tryResult, rtt time.Duration) {
	var class string
	if d.op != nil {
		class = d.op.Name
	}
	switch {
	case ctx.Err() != nil:
	case t.resp != nil:
		if t.resp.StatusCode >= 300 {
			class += " (fault)" // an operation's name is an NCName: no space
		}
		st.Observe(class, rtt, replyFailed(t.resp))
	case t.timedOut || t.err != nil && errors.Is(t.err, context.DeadlineExceeded):
		st.Observe(class, rtt, true)
	}
}

// mayRetry reports whether the request may be tried again after last.
func (g *Gateway) mayRetry(s *service, d *decision, last *tryResult, attempt int) bool {
	if attempt >= s.cfg.Retries || (last.sent && !d.opCfg.Idempotent) {
		return false
	}
	if !g.budget.allowRetry() {
		g.metrics.budget.Inc()
		return false
	}
	return true
}

// failed answers a request no try could complete.
func (g *Gateway) failed(w http.ResponseWriter, d *decision, last *tryResult) (string, bool) {
	v := d.msg.Version
	switch {
	case last.sent && !d.opCfg.Idempotent:
		outcomeUnknownFault(v, d.op.Name, last.err).WriteHTTP(w, v)
		return outcomeUnknown, false
	case last.timedOut:
		backendFault(v, d.op.Name, true, last.err).WriteHTTP(w, v)
		return outcomeTimeout, false
	}
	retryAfter(w, time.Second)
	backendFault(v, d.op.Name, false, last.err).WriteHTTP(w, v)
	return outcomeUnavailable, false
}

// try sends d's request to rep once, over the gateway's upstream client
// (package upstream: the request written and its reply read on this
// goroutine), ending by deadline. The body is the bytes read from the
// client: they are never copied.
func (g *Gateway) try(ctx context.Context, r *http.Request, d *decision, rep *cluster.Replica, deadline time.Time) tryResult {
	// A request on a reused connection that broke before any reply byte
	// is sent once more on a new connection only when replayable: a
	// non-idempotent operation is sent once.
	resp, err := g.upstream.Do(ctx, &upstream.Request{URL: rep.URL(), Header: outboundHeader(r, g.trusted),
		Body: d.out, Replayable: d.opCfg.Idempotent, Deadline: deadline})
	if err != nil {
		// Nothing reached the backend when no byte was written (a dial
		// that failed writes none); a failure after writing may be after
		// the backend got the request. Sent covers every connection the
		// try used: a dial that fails on the replay of a request sent on
		// a reused connection leaves it true.
		return tryResult{err: err, sent: resp.Sent,
			timedOut: errors.Is(err, context.DeadlineExceeded)}
	}
	return tryResult{resp: resp.Response, sent: true}
}

// relay streams resp to w unchanged but for hop-by-hop headers, flushing
// as data arrives. It returns the replica's outcome and whether the
// client's response must be aborted. ctx is the client's request's: its
// end is the client going away; the try's deadline ends resp's body reads
// with an error wrapping context.DeadlineExceeded (package upstream).
// Writing to the client must end by deadline (the try's) too: a client that
// stops reading a reply larger than the socket buffers would otherwise
// hold the stage's worker, and the backend's connection, for as long as
// it keeps its connection open.
func (g *Gateway) relay(ctx context.Context, w http.ResponseWriter, resp *http.Response, deadline time.Time) (o cluster.Outcome, abort bool) {
	defer resp.Body.Close()
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(deadline) //nolint:errcheck // a writer without deadlines: the server's own timeouts
	defer func() {
		if !abort { // the connection lives on: no deadline for its next replies
			rc.SetWriteDeadline(time.Time{}) //nolint:errcheck // as above
		}
	}()
	outcome := cluster.Success
	if replyFailed(resp) {
		outcome = cluster.Failed
	}
	copyEndToEnd(w.Header(), resp.Header)
	w.WriteHeader(resp.StatusCode)
	// A reply of unknown length may be a stream: each piece is flushed as
	// it arrives. One of known length goes out in as few writes as the
	// server's buffer allows.
	fw := &flushWriter{w: w}
	if resp.ContentLength < 0 {
		fw.rc = rc
	}
	buf := g.bufs.Get().(*[]byte)
	defer g.bufs.Put(buf)
	_, err := io.CopyBuffer(fw, resp.Body, *buf)
	switch {
	case err == nil:
		return outcome, false
	case fw.err != nil || ctx.Err() != nil: // the client went away
		return outcome, true
	case errors.Is(err, context.DeadlineExceeded):
		return cluster.TimedOut, true
	}
	return cluster.Failed, true
}

func relayLabel(o cluster.Outcome, abort bool) string {
	switch {
	case abort:
		return outcomeAborted
	case o != cluster.Success:
		return outcomeBackendError
	}
	return outcomeOK
}

func triesKind(attempt int) string {
	if attempt == 0 {
		return "first"
	}
	return "retry"
}

// flushWriter flushes after every write when rc is set, so that a
// streamed reply reaches the client as it arrives; err records the first
// write error.
type flushWriter struct {
	w   io.Writer
	rc  *http.ResponseController // nil: no flush
	err error
}

func (f *flushWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	if err == nil && f.rc != nil {
		err = f.rc.Flush()
	}
	if err != nil && f.err == nil {
		f.err = err
	}
	return n, err
}
