package natsnode

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Options are the node's collaborators.
type Options struct {
	// Logger; slog.Default() when nil. The embedded server logs through it.
	Logger *slog.Logger
	// Now is the clock of the status; time.Now when nil.
	Now func() time.Time
}

// Node is this process's place in a NATS JetStream cluster: an embedded
// server and a client connection to it, or a connection to an existing
// cluster.
type Node struct {
	cfg Config // defaulted
	log *slog.Logger
	now func() time.Time

	srv  *server.Server // nil unless embedded
	slog *serverLog     // the embedded server's notable errors
	nc   *nats.Conn
	js   jetstream.JetStream

	mu     sync.Mutex // guards status
	status Status

	closeOnce sync.Once
}

// New validates cfg and returns a node. It starts nothing: Open does.
func New(cfg Config, opts Options) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n := &Node{cfg: cfg.withDefaults(), log: opts.Logger, now: opts.Now}
	if n.log == nil {
		n.log = slog.Default()
	}
	if n.now == nil {
		n.now = time.Now
	}
	return n, nil
}

// Open starts the embedded server (if any), connects, and waits until
// JetStream answers with a quorum, within Config.StartTimeout. It checks
// that the servers sync every write (doc.go, "Durability"). On an error
// nothing is left running.
func (n *Node) Open(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, n.cfg.StartTimeout)
	defer cancel()
	err := n.open(ctx)
	if err != nil {
		n.Close() //nolint:errcheck // reporting err
	}
	return err
}

func (n *Node) open(ctx context.Context) error {
	var err error
	if n.cfg.Embedded != nil {
		if err = n.startServer(ctx); err != nil {
			return err
		}
		n.nc, err = nats.Connect("", nats.InProcessServer(n.srv), nats.Name("wsgw "+n.cfg.NodeName),
			nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	} else {
		n.nc, err = nats.Connect(n.cfg.URL, nats.Name("wsgw "+n.cfg.NodeName),
			nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond), nats.RetryOnFailedConnect(false))
	}
	if err != nil {
		return fmt.Errorf("connecting to NATS: %w", err)
	}
	if n.js, err = jetstream.New(n.nc); err != nil {
		return err
	}
	if err := n.waitJetStream(ctx); err != nil {
		return err
	}
	if n.cfg.Embedded == nil {
		if err := n.checkRemoteSync(ctx); err != nil {
			return err
		}
	}
	n.refresh(ctx)
	return nil
}

// startServer starts the embedded server and waits until it accepts
// clients.
func (n *Node) startServer(ctx context.Context) error {
	e := n.cfg.Embedded
	if err := checkStoreDir(e.StoreDir); err != nil {
		return err
	}
	opts, err := n.serverOptions()
	if err != nil {
		return err
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return fmt.Errorf("starting NATS server: %w", err)
	}
	n.slog = &serverLog{log: n.log.With("component", "nats-server")}
	srv.SetLoggerV2(n.slog, false, false, false)
	n.srv = srv
	srv.Start() // returns once listening, or after a fatal error (logged)
	if f := n.slog.fatal(); f != "" {
		return fmt.Errorf("starting NATS server: %s", f)
	}
	wait := time.Until(deadline(ctx))
	if !srv.ReadyForConnections(wait) {
		if f := n.slog.fatal(); f != "" {
			return fmt.Errorf("starting NATS server: %s", f)
		}
		return fmt.Errorf("starting NATS server: not accepting clients on %s within %v", e.Listen, wait.Round(time.Millisecond))
	}
	if !srv.JetStreamEnabled() {
		return fmt.Errorf("starting NATS server: JetStream is not enabled (store dir %s)", e.StoreDir)
	}
	n.log.Info("nats server started", "node", n.cfg.NodeName, "client", srv.ClientURL(), "cluster", e.ClusterName, "routes", len(e.Routes))
	return nil
}

func (n *Node) serverOptions() (*server.Options, error) {
	e := n.cfg.Embedded
	host, port, err := splitHostPort(e.Listen)
	if err != nil {
		return nil, fmt.Errorf("embedded listen: %w", err)
	}
	o := &server.Options{
		ServerName: n.cfg.NodeName,
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   e.StoreDir,
		// (choice) Every write is fsynced before the server acknowledges
		// it (doc.go, "Durability").
		SyncAlways: true,
		NoSigs:     true,
		// A route's or a client's slow start must not fail the node.
		MaxPayload: 8 << 20,
	}
	if port == 0 {
		o.Port = server.RANDOM_PORT
	}
	if e.ClusterListen != "" {
		ch, cp, err := splitHostPort(e.ClusterListen)
		if err != nil {
			return nil, fmt.Errorf("embedded cluster_listen: %w", err)
		}
		if cp == 0 {
			cp = server.RANDOM_PORT
		}
		o.Cluster = server.ClusterOpts{Name: e.ClusterName, Host: ch, Port: cp}
		for _, r := range e.Routes {
			u, err := url.Parse("nats-route://" + r)
			if err != nil {
				return nil, fmt.Errorf("embedded route %s: %w", r, err)
			}
			o.Routes = append(o.Routes, u)
		}
	}
	return o, nil
}

func splitHostPort(s string) (string, int, error) {
	h, p, err := net.SplitHostPort(s)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	return h, port, err
}

// checkStoreDir creates dir when missing and checks that files can be
// made in it: the server itself would only log that JetStream is off.
func checkStoreDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("JetStream store dir: %w", err)
	}
	f, err := os.CreateTemp(dir, ".wsgw-probe-*")
	if err != nil {
		return fmt.Errorf("JetStream store dir %s is not writable: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

func deadline(ctx context.Context) time.Time {
	if d, ok := ctx.Deadline(); ok {
		return d
	}
	return time.Now().Add(DefaultStartTimeout)
}

// waitJetStream waits until JetStream answers an account info request,
// which needs a meta leader: a quorum of the cluster. When ctx ends
// first, the error says why there is none, as far as the node can tell.
func (n *Node) waitJetStream(ctx context.Context) error {
	var last error
	for {
		rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := n.js.AccountInfo(rctx)
		cancel()
		if err == nil {
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			return n.noQuorum(last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// noQuorum explains why JetStream did not answer.
func (n *Node) noQuorum(last error) error {
	e := n.cfg.Embedded
	if e == nil {
		return fmt.Errorf("JetStream at %s did not answer: %w", n.cfg.URL, last)
	}
	var why []string
	if m := n.slog.clusterNameConflict(); m != "" {
		why = append(why, "cluster name mismatch: "+m)
	}
	for _, r := range e.Routes {
		c, err := net.DialTimeout("tcp", r, time.Second)
		if err != nil {
			why = append(why, "peer "+r+" unreachable: "+err.Error())
			continue
		}
		c.Close()
	}
	if len(why) == 0 {
		why = append(why, fmt.Sprintf("%d of %d routes connected", n.srv.NumRoutes(), len(e.Routes)))
	}
	return fmt.Errorf("no JetStream quorum for node %s (cluster %q) within the start timeout: %s (last error: %v)",
		n.cfg.NodeName, e.ClusterName, strings.Join(why, "; "), last)
}

// JetStream is the node's JetStream context; valid after Open.
func (n *Node) JetStream() jetstream.JetStream { return n.js }

// Conn is the node's connection; valid after Open.
func (n *Node) Conn() *nats.Conn { return n.nc }

// Name is the node's name.
func (n *Node) Name() string { return n.cfg.NodeName }

// Replicas is the replica count of what wsgw creates.
func (n *Node) Replicas() int { return n.cfg.Replicas }

// ClientURL is the embedded server's client URL ("" when not embedded).
func (n *Node) ClientURL() string {
	if n.srv == nil {
		return ""
	}
	return n.srv.ClientURL()
}

// Run refreshes the node's status every second until ctx ends.
func (n *Node) Run(ctx context.Context) error {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			n.refresh(ctx)
		}
	}
}

// Close closes the connection and shuts the embedded server down. Safe to
// call more than once.
func (n *Node) Close() error {
	n.closeOnce.Do(func() {
		if n.nc != nil {
			n.nc.Drain() //nolint:errcheck // closing anyway
			n.nc.Close()
		}
		if n.srv != nil {
			n.srv.Shutdown()
			n.srv.WaitForShutdown()
		}
	})
	return nil
}

// serverLog adapts the embedded server's logger to slog and keeps what
// Open reports: the first fatal error, the last cluster name conflict.
type serverLog struct {
	log *slog.Logger

	mu        sync.Mutex // guards fatalMsg, nameClash
	fatalMsg  string
	nameClash string
}

func (l *serverLog) fatal() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.fatalMsg
}

func (l *serverLog) clusterNameConflict() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.nameClash
}

func (l *serverLog) Noticef(f string, a ...any) { l.log.Debug(fmt.Sprintf(f, a...)) }
func (l *serverLog) Warnf(f string, a ...any)   { l.log.Warn(fmt.Sprintf(f, a...)) }
func (l *serverLog) Debugf(f string, a ...any)  {}
func (l *serverLog) Tracef(f string, a ...any)  {}

func (l *serverLog) Errorf(f string, a ...any) {
	m := fmt.Sprintf(f, a...)
	if strings.Contains(m, "cluster name") && strings.Contains(m, "does not match") {
		l.mu.Lock()
		l.nameClash = m
		l.mu.Unlock()
	}
	if strings.HasPrefix(m, "Error trying to connect to route") {
		// expected while peers start or are down; /readyz shows membership
		l.log.Info(m)
		return
	}
	l.log.Error(m)
}

// Fatalf records the error instead of exiting (the server's own logger
// exits): Open reports it.
func (l *serverLog) Fatalf(f string, a ...any) {
	m := fmt.Sprintf(f, a...)
	l.mu.Lock()
	if l.fatalMsg == "" {
		l.fatalMsg = m
	}
	l.mu.Unlock()
	l.log.Error(m)
}
