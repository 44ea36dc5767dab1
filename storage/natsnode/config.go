package natsnode

import (
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wsgw/wsgw/internal/fielderr"
)

// Config says which NATS JetStream a gateway node uses: a server embedded
// in the process (Embedded), or an existing cluster (URL). Exactly one of
// the two is set.
type Config struct {
	// NodeName names this gateway node (required): the embedded server's
	// name, the JetStream peer name, the client connection's name. Unique
	// in the cluster; letters, digits, '-' and '_'.
	NodeName string
	// Embedded runs a NATS server with JetStream in this process.
	Embedded *EmbeddedConfig
	// URL is the client URL (comma-separated URLs) of an existing NATS
	// cluster with JetStream, user and password in the URL if needed.
	URL string
	// SystemURL reaches the same servers with system-account credentials,
	// to read their JetStream sync setting ($SYS.REQ.SERVER.PING.VARZ);
	// default URL.
	SystemURL string
	// AssumeSyncAlways: the operator states that every server at URL runs
	// with sync_interval: always. Without it, servers whose setting cannot
	// be read are refused (see doc.go, "Durability").
	AssumeSyncAlways bool
	// Replicas of every stream and bucket wsgw creates: 1, 3 or 5;
	// default 3. Embedded, at most the number of nodes (1 + routes).
	Replicas int
	// StartTimeout bounds Open: the server start, the route and JetStream
	// quorum, the sync check. Default 30s.
	StartTimeout time.Duration
}

// EmbeddedConfig is the NATS server this process runs.
type EmbeddedConfig struct {
	// ClusterName is the NATS cluster's name; every node has the same.
	// Default "wsgw".
	ClusterName string
	// Listen is the client port, host:port; default 127.0.0.1:4222. Port
	// 0 picks a free one.
	Listen string
	// ClusterListen is the route port, host:port, that the other nodes'
	// Routes name. Required with Routes.
	ClusterListen string
	// Routes are the other nodes' route addresses, host:port.
	Routes []string
	// StoreDir is JetStream's directory (required); created when missing.
	StoreDir string
}

// Defaults.
const (
	DefaultClusterName  = "wsgw"
	DefaultListen       = "127.0.0.1:4222"
	DefaultReplicas     = 3
	DefaultStartTimeout = 30 * time.Second
)

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Validate reports every problem of c, in field order, as fielderr
// values (a join; each has Field(), its path, e.g. "Embedded.Routes[1]").
func (c Config) Validate() error {
	var l fielderr.List
	var root fielderr.Path
	if !nameRE.MatchString(c.NodeName) {
		l.Add(root.Field("NodeName"), "%q is not a node name (letters, digits, '-', '_')", c.NodeName)
	}
	switch {
	case c.Embedded == nil && c.URL == "":
		l.Add(root.Field("Embedded"), "set either embedded or nats_url")
	case c.Embedded != nil && c.URL != "":
		l.Add(root.Field("URL"), "set either embedded or nats_url, not both")
	}
	if c.URL != "" {
		checkURLs(&l, root.Field("URL"), c.URL)
	}
	if c.SystemURL != "" {
		checkURLs(&l, root.Field("SystemURL"), c.SystemURL)
	}
	nodes := 0 // the embedded cluster's size; 0 unknown
	if e := c.Embedded; e != nil {
		ep := root.Field("Embedded")
		nodes = 1 + len(e.Routes)
		if e.ClusterName != "" && !nameRE.MatchString(e.ClusterName) {
			l.Add(ep.Field("ClusterName"), "%q is not a cluster name (letters, digits, '-', '_')", e.ClusterName)
		}
		if e.Listen != "" {
			checkHostPort(&l, ep.Field("Listen"), e.Listen)
		}
		if e.ClusterListen != "" {
			checkHostPort(&l, ep.Field("ClusterListen"), e.ClusterListen)
		} else if len(e.Routes) > 0 {
			l.Add(ep.Field("ClusterListen"), "required with routes: the address the other nodes route to")
		}
		for i, r := range e.Routes {
			checkHostPort(&l, ep.Field("Routes").Index(i), r)
		}
		if e.StoreDir == "" {
			l.Add(ep.Field("StoreDir"), "required: JetStream's directory")
		}
	}
	switch r := c.Replicas; {
	case r != 0 && r != 1 && r != 3 && r != 5:
		l.Add(root.Field("Replicas"), "%d: want 1, 3 or 5", r)
	case nodes > 0 && c.replicas() > nodes:
		l.Add(root.Field("Replicas"), "%d replicas need %d nodes; the embedded cluster has %d (this node and %d routes)",
			c.replicas(), c.replicas(), nodes, nodes-1)
	}
	if c.StartTimeout < 0 {
		l.Add(root.Field("StartTimeout"), "%v is negative", c.StartTimeout)
	}
	return l.Err()
}

func checkHostPort(l *fielderr.List, p fielderr.Path, s string) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		l.Add(p, "%q is not host:port: %v", s, err)
		return
	}
	if host == "" {
		l.Add(p, "%q has no host", s)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		l.Add(p, "%q: invalid port", s)
	}
}

func checkURLs(l *fielderr.List, p fielderr.Path, s string) {
	for u := range strings.SplitSeq(s, ",") {
		pu, err := url.Parse(strings.TrimSpace(u))
		if err != nil || pu.Host == "" || (pu.Scheme != "nats" && pu.Scheme != "tls") {
			l.Add(p, "%q is not a nats:// or tls:// URL", strings.TrimSpace(u))
		}
	}
}

func (c Config) replicas() int {
	if c.Replicas == 0 {
		return DefaultReplicas
	}
	return c.Replicas
}

func (c Config) withDefaults() Config {
	c.Replicas = c.replicas()
	if c.StartTimeout == 0 {
		c.StartTimeout = DefaultStartTimeout
	}
	if c.SystemURL == "" {
		c.SystemURL = c.URL
	}
	if e := c.Embedded; e != nil {
		ec := *e
		if ec.ClusterName == "" {
			ec.ClusterName = DefaultClusterName
		}
		if ec.Listen == "" {
			ec.Listen = DefaultListen
		}
		c.Embedded = &ec
	}
	return c
}
