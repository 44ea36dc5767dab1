package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/soap"
)

// routes builds the HTTP front.
func (g *Gateway) routes() http.Handler {
	r := chi.NewRouter()
	r.Post("/services/{name}", g.handleSOAP)
	r.Get("/services/{name}", g.handleGet)
	r.Get("/healthz", g.handleHealthz)
	r.Get("/readyz", g.handleReadyz)
	r.Method(http.MethodGet, "/metrics", promhttp.HandlerFor(g.reg, promhttp.HandlerOpts{
		Registry: g.reg, ErrorLog: slogPrintln{g}}))
	return r
}

// serviceFor returns the service the request names, or writes a 404 fault
// and returns nil.
func (g *Gateway) serviceFor(w http.ResponseWriter, r *http.Request) *service {
	name := chi.URLParam(r, "name")
	if s := g.byName[name]; s != nil {
		return s
	}
	unknownServiceFault(name).WriteHTTP(w, guessVersion(r.Header))
	return nil
}

// handleSOAP is the request path for POST /services/{name}: admission by
// the service's dispatch stage, then (in a stage worker) decide and
// forward.
func (g *Gateway) handleSOAP(w http.ResponseWriter, r *http.Request) {
	s := g.serviceFor(w, r)
	if s == nil {
		return
	}
	start := time.Now()
	var op, outcome string
	var abort bool
	err := s.stage.Do(r.Context(), func(ctx context.Context) {
		op, outcome, abort = g.process(ctx, s, w, r)
	})
	var busy *queueing.BusyError
	switch {
	case errors.As(err, &busy):
		retryAfter(w, busy.RetryAfter)
		busyFault(0, busy.Stage, busy.Reason).WriteHTTP(w, guessVersion(r.Header))
		outcome = outcomeBusy
	case err != nil && r.Context().Err() != nil:
		outcome = outcomeAborted // gone while queued
	case err != nil: // the stage is closing
		retryAfter(w, time.Second)
		busyFault(0, s.cfg.Stage.Name, "shutting down").WriteHTTP(w, guessVersion(r.Header))
		outcome = outcomeBusy
	}
	g.metrics.observe(s.cfg.Name, op, outcome, start)
	s.log.Debug("request", "operation", op, "outcome", outcome, "took", time.Since(start))
	if abort {
		// A reply broke off after its header was relayed: abort the
		// client's response rather than end it as if it were complete.
		panic(http.ErrAbortHandler)
	}
}

// process decides where the request goes and forwards it. It returns the
// operation name ("" when unknown), the outcome label and whether the
// response must be aborted.
func (g *Gateway) process(ctx context.Context, s *service, w http.ResponseWriter, r *http.Request) (string, string, bool) {
	if r.ContentLength > s.limits.MaxBytes { // refused before reading
		writeFault(w, soap.NewFault(0, soap.FaultLimitExceeded, fmt.Sprintf(
			"the request has %d bytes; the limit is %d", r.ContentLength, s.limits.MaxBytes)), guessVersion(r.Header))
		return "", outcomeClientFault, false
	}
	// The guarded reader stops at MaxBytes itself; MaxBytesReader (one
	// byte more, so that the reader's own limit error comes first) also
	// tells the server not to reuse a connection with an unread body.
	body := http.MaxBytesReader(w, r.Body, s.limits.MaxBytes+1)
	d, v, err := s.decide(r.Header, body)
	if err != nil { // every decision fault is about the request
		writeFault(w, err, v)
		return "", outcomeClientFault, false
	}
	outcome, abort := g.forward(ctx, s, w, r, d)
	return d.op.Name, outcome, abort
}

func (g *Gateway) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if !g.serving.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("not serving\n")) //nolint:errcheck // client gone
		return
	}
	w.Write([]byte("ok\n")) //nolint:errcheck // client gone
}

// handleReadyz answers 200 when every cluster has an available replica in
// every partition, else 503 naming the services that have not.
func (g *Gateway) handleReadyz(w http.ResponseWriter, r *http.Request) {
	var notReady []string
	for _, s := range g.services {
		if !s.cluster.Ready() {
			notReady = append(notReady, s.cfg.Name)
		}
	}
	sort.Strings(notReady)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if len(notReady) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("not ready: " + strings.Join(notReady, ", ") + "\n")) //nolint:errcheck // client gone
		return
	}
	w.Write([]byte("ready\n")) //nolint:errcheck // client gone
}

// slogPrintln adapts the gateway logger to promhttp's ErrorLog.
type slogPrintln struct{ g *Gateway }

func (l slogPrintln) Println(v ...any) {
	l.g.log.Error("serving metrics", "err", strings.TrimSpace(fmt.Sprintln(v...)))
}
