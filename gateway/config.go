// SKELETON: signatures are the contract other packages code against.
package gateway

import (
	"time"

	"github.com/wsgw/wsgw/gateway/cluster"
	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// Config is the gateway's configuration (plain structs; the YAML format
// lives in cmd/wsgw). Zero fields take documented defaults.
type Config struct {
	Listen          string        // default "127.0.0.1:8080"
	PublicURL       string        // base URL clients use, e.g. "https://gw.example.com"; default "http://" + Listen
	TrustedProxies  []string      // CIDRs whose X-Forwarded-Host/-Proto are honoured for ?wsdl
	ShutdownTimeout time.Duration // drain deadline; default 15s
	Limits          xmldoc.Limits // request envelope limits
	Services        []ServiceConfig
}

// ServiceConfig configures one service at /services/{Name}.
type ServiceConfig struct {
	Name        string
	WSDL        string // file path or http(s) URL
	WSDLService string // wsdl:service local name; "" when the WSDL has one
	Cluster     cluster.Config
	Key         KeyConfig
	Operations  map[string]OperationConfig // by operation name
	Stage       queueing.StageConfig       // this cluster's dispatch stage
	Timeout     time.Duration              // per-try timeout; default 30s
	Retries     int                        // extra tries for idempotent ops; default 2
}

// KeyConfig says how the partition key is taken from a request.
type KeyConfig struct {
	XPath      string            // XPath 1.0 over the request envelope; "" = no partitioning key
	Namespaces map[string]string // prefix -> URI for XPath
	Missing    string            // "reject" (default) or "any"
}

// OperationConfig overrides per operation.
type OperationConfig struct {
	Idempotent bool
	Timeout    time.Duration // per-try; 0 uses the service's
}

// Validate reports every error in c, each with its field path
// ("services[1].cluster.partitions[0].replicas[2]: ...").
func (c *Config) Validate() error { panic("unimplemented") }
