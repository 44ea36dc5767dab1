package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/wsgw/wsgw/gateway/upstream"
	"github.com/wsgw/wsgw/internal/fielderr"
	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/storage/natsnode"
	"github.com/wsgw/wsgw/wsnotify"
)

// Options are the gateway's collaborators.
type Options struct {
	Logger   *slog.Logger         // default slog.Default()
	Registry *prometheus.Registry // default a new registry (with Go and process collectors)
	// DB is the node's one store; the parts that persist keep their
	// records in it under their own key prefixes. Required when
	// Config.Broker is set or a service is Reliable.
	DB *badger.DB
	// Now is the clock of the reliable services' protocol state (sequence
	// and group expiry, idle limits, retransmissions, delivery retries) and
	// of the failed authentications' recovery (authlimit.go). Default
	// time.Now; tests inject their own.
	Now func() time.Time
	// AdminListener is where Serve serves the admin endpoints when
	// Config.Admin.Listen is set; nil: Serve listens on that address.
	AdminListener net.Listener
	// Cluster, when set, is this node's place in a NATS JetStream cluster
	// (opened by the caller, who closes it after the gateway): the broker
	// keeps its state there and shares it with the other nodes, /readyz
	// reports the cluster, /metrics the node (cluster.go). Reliable
	// services stay on DB for now.
	Cluster *natsnode.Node
}

// Gateway is the router.
type Gateway struct {
	cfg      Config // defaulted
	log      *slog.Logger
	reg      *prometheus.Registry
	metrics  *metrics
	limits   xmldoc.Limits
	now      func() time.Time // Options.Now
	trusted  []netip.Prefix
	read     *queueing.Stage   // reads and decides; see handleSOAP
	stages   []*queueing.Stage // every stage, read first; see stages.go
	wsn      *queueing.Stage   // the broker's; nil without a broker
	services []*service
	byName   map[string]*service
	// client forwards requests; healthClient runs health checks. They share
	// one transport.
	client       *http.Client
	healthClient *http.Client
	transport    *http.Transport
	upstream     *upstream.Client // forwards requests on the request path (forward.go)
	budget       *retryBudget
	bufs         sync.Pool   // *[]byte copy buffers for relaying replies
	bodies       *bodyReader // reads request bodies under Config.Clients; see body.go
	handler      http.Handler
	adminHandler http.Handler     // the admin endpoints (admin.go)
	adminLn      net.Listener     // Options.AdminListener
	adminToken   adminToken       // the token /admin and /metrics need (admin_config.go)
	broker       *wsnotify.Broker // nil without Config.Broker; see broker.go
	node         *natsnode.Node   // Options.Cluster; see cluster.go
	brokerParts  *brokerParts     // its durable queue and reliable driver (one node)
	tls          *tlsFiles        // the TLS material; see tls.go
	sec          *security        // nil when no service has a security section; see security.go
	rel          *reliables       // the reliable services' drivers; see reliable.go
	serving      atomic.Bool      // set while Serve accepts connections

	lifeMu sync.Mutex // guards ran and closed
	ran    bool       // Run (or Serve) has been called
	closed bool       // Close has been called

	closeOnce sync.Once
	closeErr  error // Close's result; set under closeOnce
}

// New validates cfg, loads every WSDL, builds the dispatch tables, clusters
// and stages, and opens the reliable services' queues and the broker. It
// starts nothing: no goroutine runs and nothing is delivered or checked
// until Run (or Serve). Close releases what it opened.
func New(ctx context.Context, cfg Config, opts Options) (*Gateway, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	g := &Gateway{cfg: cfg.withDefaults(), log: opts.Logger, reg: opts.Registry,
		limits: cfg.Limits.WithDefaults(), budget: newRetryBudget(), byName: make(map[string]*service)}
	if g.log == nil {
		g.log = slog.Default()
	}
	if g.now = opts.Now; g.now == nil {
		g.now = time.Now
	}
	if g.reg == nil {
		g.reg = prometheus.NewRegistry()
		g.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	for _, s := range g.cfg.TrustedProxies {
		p, _ := parsePrefix(s) // validated
		g.trusted = append(g.trusted, p)
	}
	g.bufs.New = func() any { b := make([]byte, 32<<10); return &b }
	g.bodies = &bodyReader{lim: g.cfg.Clients, now: time.Now}
	if err := g.loadTLS(); err != nil {
		return nil, err
	}
	g.newClients()
	var err error
	if g.read, err = g.newStage(g.cfg.ReadStage); err != nil {
		return nil, fielderr.At(fielderr.Path{}.Field("ReadStage"), err)
	}
	for i, sc := range g.cfg.Services {
		s, err := newService(ctx, sc, fielderr.Path{}.Field("Services").Index(i), g)
		if err != nil {
			g.Close()
			return nil, err
		}
		g.services = append(g.services, s)
		g.byName[sc.Name] = s
	}
	if err := g.newSecurity(); err != nil {
		g.Close()
		return nil, err
	}
	m, err := newMetrics(g.reg, g)
	if err != nil {
		g.Close()
		return nil, err
	}
	g.metrics = m
	g.node = opts.Cluster
	if err := g.openReliable(ctx, opts.DB, opts.Now); err != nil {
		g.Close()
		return nil, err
	}
	if g.node != nil {
		for _, c := range g.node.Collectors() {
			if err := g.reg.Register(c); err != nil {
				g.Close()
				return nil, fmt.Errorf("registering cluster metrics: %w", err)
			}
		}
	}
	if err := g.openBroker(ctx, opts.DB, opts.Now); err != nil {
		g.Close()
		return nil, err
	}
	if err := g.initAdmin(opts.AdminListener); err != nil {
		g.Close()
		return nil, err
	}
	g.handler = g.routes()
	return g, nil
}

// newClients builds the backend transport: no proxy from the environment,
// no transparent decompression (replies are relayed unchanged), no
// redirects followed (a redirect is relayed, never re-sent), TLS as
// Config.BackendTLS says.
func (g *Gateway) newClients() {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	g.transport = &http.Transport{
		DialContext:           d.DialContext,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
		TLSClientConfig:       g.tls.backend,
	}
	g.upstream = upstream.New(upstream.Options{Dialer: d, TLS: g.tls.backend})
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	g.client = &http.Client{Transport: g.transport, CheckRedirect: noRedirect}
	g.healthClient = &http.Client{Transport: g.transport, CheckRedirect: noRedirect}
}

// Handler returns the HTTP front: /services/{name}, /healthz, /readyz,
// /wsn/ when the gateway hosts the broker, and /admin and /metrics unless
// Config.Admin.Listen puts them on a listener of their own (AdminHandler).
func (g *Gateway) Handler() http.Handler { return g.handler }

// Run runs the gateway's background parts until ctx ends: the reliable
// services' drivers (deliveries, retries, acknowledgements, timers), the
// broker's deliveries and sweeps, and the clusters' health checks. It
// returns once every goroutine it started has stopped. Serve calls it; a
// caller that serves Handler itself runs it beside. A gateway runs once:
// Run after Run, Serve or Close is an error.
func (g *Gateway) Run(ctx context.Context) error {
	if err := g.beginRun(); err != nil {
		return err
	}
	g.run(ctx)
	return nil
}

// beginRun marks the gateway as run, once.
func (g *Gateway) beginRun() error {
	g.lifeMu.Lock()
	defer g.lifeMu.Unlock()
	switch {
	case g.closed:
		return errors.New("gateway: run after Close")
	case g.ran:
		return errors.New("gateway: run more than once")
	}
	g.ran = true
	return nil
}

// run is Run after beginRun.
func (g *Gateway) run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, s := range g.services {
		wg.Go(func() { s.cluster.Run(ctx) })
	}
	g.runReliable(ctx, &wg)
	wg.Go(func() { g.runBroker(ctx) })
	if g.node != nil {
		wg.Go(func() { g.node.Run(ctx) }) //nolint:errcheck // returns nil when ctx ends
	}
	wg.Wait()
}

// Serve runs the gateway (Run) and serves HTTP on ln until ctx ends, then
// stops accepting, drains in-flight requests within ShutdownTimeout, and
// only then stops the background parts, which in-flight requests may wait
// on (a reliable request waits for its driver). It returns nil after a
// clean shutdown.
func (g *Gateway) Serve(ctx context.Context, ln net.Listener) error {
	if err := g.beginRun(); err != nil {
		return err
	}
	srv := g.newServer()
	adm, err := g.startAdmin() // admin_serve.go; nil without an admin listener
	if err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	ran := make(chan struct{})
	go func() { defer close(ran); g.run(runCtx) }()
	defer func() { stop(); <-ran }()

	errc := make(chan error, 1)
	g.serving.Store(true)
	ln = newLimitListener(ln, g.cfg.Clients.MaxConnsPerAddr)
	go func() { errc <- g.serve(srv, ln) }() // tls.go
	g.log.Info("serving", "addr", ln.Addr().String(), "public", g.cfg.PublicURL)
	select {
	case err := <-errc:
		g.serving.Store(false)
		adm.shutdown(context.Background())
		return fmt.Errorf("serving http: %w", err)
	case <-ctx.Done():
	}
	g.serving.Store(false)
	g.log.Info("shutting down", "drain", g.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), g.cfg.ShutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		g.log.Warn("drain deadline passed; closing remaining connections")
		srv.Close()
	}
	<-errc             // http.ErrServerClosed
	adm.shutdown(sctx) // after the drain, which it lets operators watch
	g.closeStages()
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shutting down http: %w", err)
	}
	return nil
}

// newServer returns the http.Server with timeouts: headers within
// Clients.HeaderTimeout, a whole request within HeaderTimeout +
// BodyTimeout (a body to /services/ is held to its minimum rate too,
// body.go); the write side is bounded by the per-try timeouts of
// forwarding.
func (g *Gateway) newServer() *http.Server {
	c := g.cfg.Clients
	return &http.Server{
		Handler:           g.handler,
		ReadHeaderTimeout: c.HeaderTimeout,
		ReadTimeout:       c.HeaderTimeout + c.BodyTimeout,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(g.log.Handler(), slog.LevelWarn),
	}
}

// Close releases the gateway's resources: stages, idle backend
// connections, the reliable services' queues and the broker. Call it
// after Run or Serve has returned (or when neither was called). It is safe
// to call more than once.
func (g *Gateway) Close() error {
	g.lifeMu.Lock()
	g.closed = true
	g.lifeMu.Unlock()
	g.closeOnce.Do(func() {
		g.closeStages()
		if g.transport != nil {
			g.transport.CloseIdleConnections()
			g.upstream.CloseIdleConnections()
		}
		g.closeReliable()
		g.closeErr = g.closeBroker()
	})
	return g.closeErr
}
