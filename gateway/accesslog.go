package gateway

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// The access log: one line per request to /services/{name} at level info,
// with the service, operation, partition and replica (when it got that
// far), the HTTP status, the outcome label (as in wsgw_requests_total) and
// the duration. On unless Config.AccessLogOff; a logger whose level is
// above info writes nothing and costs nothing more (Enabled is checked
// first). (choice) It goes to the gateway's logger, not a file of its own
// (log.format json in wsgw serve's file makes it machine-readable).

// accessLog writes the line of one request; sw is the status recorder
// wrapped around the response (nil when the log is off).
func (g *Gateway) accessLog(s *service, d *decision, sw *statusWriter, outcome string, start time.Time) {
	if sw == nil {
		return
	}
	attrs := make([]slog.Attr, 0, 8)
	attrs = append(attrs, slog.String("service", s.cfg.Name))
	if d != nil {
		attrs = append(attrs, slog.String("operation", d.op.Name))
		if d.part != nil {
			attrs = append(attrs, slog.String("partition", d.part.Name()))
		}
		if d.replica != "" {
			attrs = append(attrs, slog.String("replica", d.replica))
		}
	}
	attrs = append(attrs, slog.Int("status", sw.status()), slog.String("outcome", outcome),
		slog.Duration("took", time.Since(start)))
	g.log.LogAttrs(context.Background(), slog.LevelInfo, "request", attrs...)
}

// accessWriter returns w wrapped to record its status when the access log
// is on and the logger writes info, else nil.
func (g *Gateway) accessWriter(w http.ResponseWriter) *statusWriter {
	if g.cfg.AccessLogOff || !g.log.Enabled(context.Background(), slog.LevelInfo) {
		return nil
	}
	return &statusWriter{ResponseWriter: w}
}

// statusWriter records the status written through it. Unwrap lets
// http.ResponseController reach the server's writer (flush, deadlines).
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}
