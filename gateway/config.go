package gateway

import (
	"strings"
	"time"

	"github.com/wsgw/wsgw/gateway/cluster"
	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsnotify"
)

// Config is the gateway's configuration (plain structs; the YAML format
// lives in cmd/wsgw). Zero fields take documented defaults.
type Config struct {
	Listen          string        // default "127.0.0.1:8080"
	PublicURL       string        // base URL clients use, e.g. "https://gw.example.com"; default "http://" (with TLS "https://") + Listen
	TrustedProxies  []string      // CIDRs (or single IPs) whose X-Forwarded-Host/-Proto are honoured for ?wsdl
	ShutdownTimeout time.Duration // drain deadline; default 15s
	Limits          xmldoc.Limits // request envelope limits
	// ReadStage is the stage that reads and checks request envelopes
	// before they go to a service's dispatch stage. Its workers times
	// Limits.MaxBytes bounds the memory of requests being read. Name
	// defaults to "read".
	ReadStage queueing.StageConfig
	Services  []ServiceConfig
	// Broker, when set, hosts the WS-Notification broker under /wsn/
	// (broker.go); it needs Options.DB. Its PublicURL defaults to the
	// gateway's, its Limits to the gateway's. Nil: no broker.
	Broker *wsnotify.Config
	// BrokerSecurity, with Broker, checks the broker's callers: who may
	// call which operation, publish on and receive from which topic
	// (broker_security.go). Nil: anyone may (each caller within the
	// broker's per-caller bounds).
	BrokerSecurity *BrokerSecurity
	// BrokerReliable bounds the WS-RM sequences publishers open to the
	// broker (its RM destination; broker.go), as a reliable service's
	// are bounded; zero fields take the same defaults.
	BrokerReliable ReliableLimits
	// ClusterReliable tunes how the nodes of a cluster share reliable
	// services' work (cluster.go); ignored without Options.Cluster.
	ClusterReliable ClusterTimings
	// BrokerStage is the stage of the broker's endpoints (/wsn/); Name
	// defaults to "wsn".
	BrokerStage queueing.StageConfig
	// Clients bounds what one client can hold of the gateway: header and
	// body deadlines, a minimum body rate, the memory of bodies being
	// read, connections per client address (body.go).
	Clients ClientLimits
	// AccessLogOff turns the access log off: by default each request to
	// /services/{name} is logged at level info (accesslog.go).
	AccessLogOff bool
	// TLS, when set, makes the listener serve HTTPS (tls.go); nil: HTTP.
	TLS *TLSConfig
	// Security holds the users and WS-Security bounds that services with
	// a security section use (security.go).
	Security SecurityConfig
	// BackendTLS is how https backends are reached (health checks
	// included); EgressTLS how https consumers, callbacks and reply
	// addresses are. Nil: the system roots, no client certificate.
	BackendTLS, EgressTLS *ClientTLSConfig
	// Admin places the admin page and the metrics, and sets their token
	// (admin_config.go). Zero: both on the main listener, no token.
	Admin AdminConfig
}

// ServiceConfig configures one service at /services/{Name}.
type ServiceConfig struct {
	Name        string // path segment: letters, digits, '-', '_', '.'
	WSDL        string // file path or http(s) URL
	WSDLService string // wsdl:service local name; "" when the WSDL has one
	Cluster     cluster.Config
	Key         KeyConfig
	Operations  map[string]OperationConfig // by operation name
	// Unmatched says what happens to a request that names no operation of
	// the WSDL (no action or body element matches, e.g. a Body with no
	// element): UnmatchedReject (default) answers with a Sender fault;
	// UnmatchedForward forwards it anyway, as a non-idempotent call with
	// the service's timeout, leaving the answer to the backend. Requests
	// whose keys name different operations are refused either way.
	Unmatched string
	// Stage configures the dispatch stage of each partition of the
	// cluster, named Stage.Name + "/" + the partition's name; Name
	// defaults to "dispatch/" + Name. Its Limiter defaults to an adaptive
	// concurrency limit with the defaults of queueing.LimiterConfig,
	// Workers being its ceiling; Limiter.Disabled fixes it at Workers.
	Stage queueing.StageConfig
	// ReliableStage is the stage of requests for the reliable messaging
	// driver (Reliable services only); Name defaults to "reliable/" + Name.
	ReliableStage queueing.StageConfig
	Timeout       time.Duration // per-try timeout; default 30s
	Retries       int           // extra tries; default 2, negative for none
	// UnderstoodHeaders names header blocks, in Clark notation
	// ("{namespace}local"), that the gateway accepts when they are
	// targeted at it (role next) with mustUnderstand, on behalf of the
	// backend, and forwards unchanged. Blocks without a role go to the
	// backend anyway (see doc.go). The WS-Addressing headers are always
	// understood.
	UnderstoodHeaders []string
	// Reliable, when set, makes the service reliable: WS-RM (1.2 and
	// February 2005) and WS-Reliability 1.1 requests are stored,
	// acknowledged and delivered
	// later (reliable.go). It needs Options.DB. Nil: not reliable.
	Reliable *ReliableConfig
	// Security, when set, checks callers: WS-Security UsernameToken and
	// Timestamp, client certificates, and who may call which operation
	// (security.go). Nil: the gateway leaves wsse:Security to the backend.
	Security *ServiceSecurity
}

// KeyConfig says how the partition key is taken from a request.
type KeyConfig struct {
	XPath      string            // XPath 1.0 over the request envelope; "" = no partitioning key
	Namespaces map[string]string // prefix -> URI for XPath
	Missing    string            // "reject" (default) or "any"
}

// Key-missing policies.
const (
	MissingReject = "reject" // Sender fault with the wsgw:PartitionKeyMissing subcode
	MissingAny    = "any"    // any partition (cluster.AnyPartition)
)

// Unmatched-request policies.
const (
	UnmatchedReject  = "reject"
	UnmatchedForward = "forward"
)

// unmatchedOperation names requests forwarded under UnmatchedForward in
// logs, faults and metrics.
const unmatchedOperation = "(unmatched)"

// OperationConfig overrides per operation.
type OperationConfig struct {
	Idempotent bool
	Timeout    time.Duration // per-try; 0 uses the service's
}

// Defaults.
const (
	DefaultListen          = "127.0.0.1:8080"
	DefaultShutdownTimeout = 15 * time.Second
	DefaultTimeout         = 30 * time.Second
	DefaultRetries         = 2
)

// withDefaults returns a copy of c with zero fields set to their defaults.
// Limits are left as they are (xmldoc applies its own defaults).
func (c Config) withDefaults() Config {
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.PublicURL == "" {
		scheme := "http://"
		if c.TLS != nil {
			scheme = "https://"
		}
		c.PublicURL = scheme + c.Listen
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	if c.ReadStage.Name == "" {
		c.ReadStage.Name = "read"
	}
	c.Clients = c.Clients.withDefaults()
	if c.BrokerStage.Name == "" {
		c.BrokerStage.Name = "wsn"
	}
	svcs := make([]ServiceConfig, len(c.Services))
	for i, s := range c.Services {
		svcs[i] = s.withDefaults()
	}
	c.Services = svcs
	return c
}

func (s ServiceConfig) withDefaults() ServiceConfig {
	if s.Timeout == 0 {
		s.Timeout = DefaultTimeout
	}
	switch {
	case s.Retries == 0:
		s.Retries = DefaultRetries
	case s.Retries < 0:
		s.Retries = 0
	}
	if s.Key.Missing == "" {
		s.Key.Missing = MissingReject
	}
	if s.Unmatched == "" {
		s.Unmatched = UnmatchedReject
	}
	if s.Stage.Name == "" {
		s.Stage.Name = "dispatch/" + s.Name
	}
	if s.Stage.Limiter == nil {
		s.Stage.Limiter = &queueing.LimiterConfig{}
	}
	if s.ReliableStage.Name == "" {
		s.ReliableStage.Name = "reliable/" + s.Name
	}
	if s.Cluster.Name == "" {
		s.Cluster.Name = s.Name
	}
	return s
}

// opConfig returns the effective settings of operation name.
func (s *ServiceConfig) opConfig(name string) OperationConfig {
	oc := s.Operations[name]
	if oc.Timeout == 0 {
		oc.Timeout = s.Timeout
	}
	return oc
}
