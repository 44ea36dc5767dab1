package testservice

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wsgw/wsgw/soap/xmldoc"
)

// Config configures a Service. The zero Config is usable.
type Config struct {
	// Logger receives one debug line per request and warnings for replies
	// that could not be delivered; nil discards.
	Logger *slog.Logger
	// Limits bound every request envelope; zero fields take xmldoc's defaults.
	Limits xmldoc.Limits
	// Client sends WS-Addressing replies and faults to non-anonymous
	// addresses; nil uses a client with a 10s timeout.
	Client *http.Client
	// AllowAddress reports whether the service may send a reply to u (a
	// non-anonymous ReplyTo or FaultTo address). nil allows only http and
	// https URLs whose host is a loopback address or "localhost".
	AllowAddress func(u *url.URL) bool
}

// Service is the conformance test service; see the package documentation
// for its endpoints. It is safe for concurrent use and starts no
// goroutines of its own.
type Service struct {
	log    *slog.Logger
	limits xmldoc.Limits
	client *http.Client
	allow  func(*url.URL) bool
	mux    *http.ServeMux
}

var _ http.Handler = (*Service)(nil)

// New returns a Service configured by cfg.
func New(cfg Config) *Service {
	s := &Service{log: cfg.Logger, limits: cfg.Limits, client: cfg.Client, allow: cfg.AllowAddress}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 10 * time.Second}
	}
	if s.allow == nil {
		s.allow = IsLoopbackURL
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /soap12", s.serveSOAP12)
	s.mux.HandleFunc("GET /soap12", s.serveWSDL(soap12WSDL, "/soap12"))
	for _, p := range []string{"/wsa", "/wsa/echo", "/wsa/notify"} {
		s.mux.HandleFunc("POST "+p, s.serveWSA)
		s.mux.HandleFunc("GET "+p, s.serveWSDL(wsaWSDL, "/wsa"))
	}
	// A gateway's health checks append their path to a replica's URL:
	// /soap12/health and /wsa/health serve them.
	for _, p := range []string{"/health", "/soap12/health", "/wsa/health"} {
		s.mux.HandleFunc("GET "+p, func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusOK)
		})
	}
	return s
}

// ServeHTTP implements http.Handler.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "content-type", r.Header.Get("Content-Type"))
	s.mux.ServeHTTP(w, r)
}

// IsLoopbackURL reports whether u is an http or https URL whose host is a
// loopback IP address or "localhost": the default Config.AllowAddress.
func IsLoopbackURL(u *url.URL) bool {
	if u.Scheme != "http" && u.Scheme != "https" {
		return false
	}
	h := u.Hostname()
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// ListenAndServe serves s on addr until ctx is done, then shuts down
// gracefully (within 5s). ready, when not nil, is called with the bound
// address once listening (addr may use port 0).
func ListenAndServe(ctx context.Context, addr string, s *Service, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	<-errc
	return nil
}
