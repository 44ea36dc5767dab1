package gateway

import (
	"context"
	"log/slog"
	"net"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
)

// Options are the gateway's collaborators.
type Options struct {
	Logger   *slog.Logger         // default slog.Default()
	Registry *prometheus.Registry // default a new registry
}

// Gateway is the router.
type Gateway struct{}

// New validates cfg, loads every WSDL, builds the dispatch tables, clusters
// and stages.
func New(ctx context.Context, cfg Config, opts Options) (*Gateway, error) { panic("unimplemented") }

// Handler returns the HTTP front: /services/{name}, /healthz, /readyz, /metrics.
func (g *Gateway) Handler() http.Handler { panic("unimplemented") }

// Serve serves on ln until ctx ends, then stops accepting and drains
// in-flight requests within ShutdownTimeout. It also runs health checks.
func (g *Gateway) Serve(ctx context.Context, ln net.Listener) error { panic("unimplemented") }

// Close releases the gateway's resources.
func (g *Gateway) Close() error { panic("unimplemented") }
