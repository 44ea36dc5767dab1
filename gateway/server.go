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

	"github.com/wsgw/wsgw/queueing"
)

// routes builds the HTTP front. POST /services/{name}, the request path,
// is matched before the router: chi's route context and path value cost
// allocations on every request.
func (g *Gateway) routes() http.Handler {
	r := chi.NewRouter()
	front := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if name, ok := strings.CutPrefix(req.URL.Path, "/services/"); ok && req.Method == http.MethodPost &&
			name != "" && !strings.Contains(name, "/") {
			g.handleSOAP(w, req, name)
			return
		}
		r.ServeHTTP(w, req)
	})
	r.Get("/services/{name}", g.handleGet)
	r.Get("/healthz", g.handleHealthz)
	r.Get("/readyz", g.handleReadyz)
	if g.cfg.Admin.Listen == "" {
		g.mountAdmin(r) // admin.go; else on the admin listener
		r.Get("/", toAdmin)
	}
	if g.broker != nil {
		r.Handle("/wsn/*", g.staged(g.wsn, g.broker.Handler()))
	}
	return front
}

// serviceFor returns the service the request names, or writes a 404 fault
// and returns nil.
func (g *Gateway) serviceFor(w http.ResponseWriter, r *http.Request, name string) *service {
	if s := g.byName[name]; s != nil {
		return s
	}
	unknownServiceFault(name).WriteHTTP(w, guessVersion(r.Header))
	return nil
}

// handleSOAP is the request path for POST /services/{name}: the body is
// read on the connection's goroutine under the client limits (body.go),
// then two stages joined by bounded queues (SEDA): the gateway's read
// stage reads and checks the envelope and decides where it goes; the
// dispatch stage of the partition it goes to forwards it (or, for the
// reliable driver, the service's reliable stage). Either stage refuses work
// it cannot take at once with 503, Retry-After and a wsgw:Busy fault. A
// slow client holds no worker: its body is read before any stage.
func (g *Gateway) handleSOAP(w http.ResponseWriter, r *http.Request, name string) {
	s := g.serviceFor(w, r, name)
	if s == nil {
		return
	}
	start := time.Now()
	sw := g.accessWriter(w)
	if sw != nil {
		w = sw
	}
	var d *decision
	var outcome string
	var abort bool
	body, err := g.bodies.read(w, r, s.limits.MaxBytes)
	switch {
	case errors.Is(err, errBodyMemory):
		err = &queueing.BusyError{Stage: "read", Reason: err.Error(), RetryAfter: time.Second}
	case err != nil:
		writeFault(w, err, guessVersion(r.Header))
		outcome = outcomeClientFault
	default:
		err = g.read.Do(r.Context(), func(context.Context) {
			d, outcome = g.readRequest(s, w, r, body)
		})
	}
	if err == nil && d != nil {
		if d.reliable || s.cfg.Reliable != nil && s.cfg.Reliable.Require {
			err = s.reliable.Do(r.Context(), func(ctx context.Context) {
				outcome = g.serveReliable(ctx, s, w, r, d) // reliable.go
			})
		} else {
			err = s.parts[d.part].Do(r.Context(), func(ctx context.Context) {
				outcome, abort = g.forward(ctx, s, w, r, d)
			})
		}
	}
	var op string
	if d != nil {
		op = d.op.Name
	}
	if err != nil && outcome == "" {
		outcome = g.refused(w, r, d, err)
	}
	g.metrics.observe(s.cfg.Name, op, outcome, start)
	g.accessLog(s, d, sw, outcome, start) // accesslog.go
	if abort {
		// A reply broke off after its header was relayed: abort the
		// client's response rather than end it as if it were complete.
		panic(http.ErrAbortHandler)
	}
}

// refused answers a request a stage did not run and returns its outcome
// label. d is the decision when the request got that far.
func (g *Gateway) refused(w http.ResponseWriter, r *http.Request, d *decision, err error) string {
	v := guessVersion(r.Header)
	if d != nil {
		v = d.msg.Version
	}
	var busy *queueing.BusyError
	switch {
	case errors.As(err, &busy):
		retryAfter(w, busy.RetryAfter)
		busyFault(v, busy.Stage, busy.Reason).WriteHTTP(w, v)
		return outcomeBusy
	case r.Context().Err() != nil:
		return outcomeAborted // gone while queued
	}
	// The stage is closing.
	retryAfter(w, time.Second)
	busyFault(v, "gateway", "shutting down").WriteHTTP(w, v)
	return outcomeBusy
}

// readRequest reads and checks the request body and decides where it
// goes. On a fault it answers the client and returns a nil decision with
// the outcome label.
func (g *Gateway) readRequest(s *service, w http.ResponseWriter, r *http.Request, body []byte) (*decision, string) {
	d, v, err := s.decide(r.Header, body)
	if err == nil {
		err = g.authorize(s, r, d) // security.go
	}
	if err != nil { // every decision fault is about the request
		writeFault(w, err, v)
		return nil, outcomeClientFault
	}
	return d, ""
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
// every partition (and, on a NATS cluster, JetStream answers with a
// quorum), else 503 naming what is not ready. On a NATS cluster a second
// line reports the node's membership and JetStream health.
func (g *Gateway) handleReadyz(w http.ResponseWriter, r *http.Request) {
	var notReady []string
	for _, s := range g.services {
		if !s.cluster.Ready() {
			notReady = append(notReady, s.cfg.Name)
		}
	}
	sort.Strings(notReady)
	var cluster string
	if g.node != nil {
		st := g.node.Status()
		if !st.Healthy() {
			notReady = append(notReady, "cluster")
		}
		cluster = "cluster: " + st.String() + "\n"
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if len(notReady) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("not ready: " + strings.Join(notReady, ", ") + "\n" + cluster)) //nolint:errcheck // client gone
		return
	}
	w.Write([]byte("ready\n" + cluster)) //nolint:errcheck // client gone
}

// slogPrintln adapts the gateway logger to promhttp's ErrorLog.
type slogPrintln struct{ g *Gateway }

func (l slogPrintln) Println(v ...any) {
	l.g.log.Error("serving metrics", "err", strings.TrimSpace(fmt.Sprintln(v...)))
}
