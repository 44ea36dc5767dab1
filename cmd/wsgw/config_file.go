package main

// The YAML file format of `wsgw serve --config`. It lives here only: it is
// mapped onto the gateway's plain structs (gateway.Config) by toGateway.
// Every key is optional unless noted; zero values take the gateway's
// defaults. README.md documents every key; keep the two in step. Each
// struct uses the Go field names of the library struct it maps to, so
// that problems the gateway reports at Go field paths map onto the keys
// (config_problems.go).

import "go.yaml.in/yaml/v3"

// fileConfig is the document root.
type fileConfig struct {
	Listen          string        `yaml:"listen"`
	PublicURL       string        `yaml:"public_url"`
	TrustedProxies  []string      `yaml:"trusted_proxies"`
	ShutdownTimeout duration      `yaml:"shutdown_timeout"`
	DataDir         string        `yaml:"data_dir"`
	Log             fileLog       `yaml:"log"`
	Limits          fileLimits    `yaml:"limits"`
	ReadStage       fileStage     `yaml:"read_stage"`
	BrokerStage     fileStage     `yaml:"broker_stage"`
	Clients         fileClients   `yaml:"clients"`
	AccessLog       *bool         `yaml:"access_log"` // the access log at info; default true
	Services        []fileService `yaml:"services"`
	Broker          *fileBroker   `yaml:"broker"`  // config_broker.go
	Cluster         *fileNode     `yaml:"cluster"` // config_cluster.go
	// config_security.go:
	TLS        *fileTLS       `yaml:"tls"`
	BackendTLS *fileClientTLS `yaml:"backend_tls"`
	EgressTLS  *fileClientTLS `yaml:"egress_tls"`
	Security   fileSecurity   `yaml:"security"`
	Admin      fileAdmin      `yaml:"admin"` // config_admin.go

	// doc is the parsed document, for the lines of problems found after
	// decoding (config_problems.go); nil when empty or not read by
	// loadConfig.
	doc *yaml.Node
}

type fileLog struct {
	Level  string `yaml:"level"`  // debug, info (default), warn, error
	Format string `yaml:"format"` // text (default) or json
}

type fileClients struct {
	HeaderTimeout   duration `yaml:"header_timeout"`
	BodyTimeout     duration `yaml:"body_timeout"`
	MinBodyRate     byteSize `yaml:"min_body_rate"` // bytes per second
	BodyGrace       duration `yaml:"body_grace"`
	BodyMemory      byteSize `yaml:"body_memory"`
	MaxConnsPerAddr int      `yaml:"max_conns_per_addr"`
}

type fileLimits struct {
	MaxBytes    byteSize `yaml:"max_bytes"`
	MaxDepth    int      `yaml:"max_depth"`
	MaxElements int      `yaml:"max_elements"`
	MaxAttrs    int      `yaml:"max_attrs"`
	MaxNameLen  int      `yaml:"max_name_len"`
	MaxTextLen  byteSize `yaml:"max_text_len"`
}

type fileService struct {
	Name        string                   `yaml:"name"`
	WSDL        string                   `yaml:"wsdl"`
	WSDLService string                   `yaml:"wsdl_service"`
	Timeout     duration                 `yaml:"timeout"`
	Retries     int                      `yaml:"retries"`
	Key         fileKey                  `yaml:"key"`
	Operations  map[string]fileOperation `yaml:"operations"`
	Unmatched   string                   `yaml:"unmatched"`
	Stage       fileStage                `yaml:"stage"`
	// ReliableStage is the stage of a reliable service's driver.
	ReliableStage fileStage            `yaml:"reliable_stage"`
	Cluster       fileCluster          `yaml:"cluster"`
	Reliable      *fileReliable        `yaml:"reliable"` // config_reliable.go
	Security      *fileServiceSecurity `yaml:"security"` // config_security.go

	UnderstoodHeaders []string `yaml:"understood_headers"`
}

type fileKey struct {
	XPath      string            `yaml:"xpath"`
	Namespaces map[string]string `yaml:"namespaces"`
	Missing    string            `yaml:"missing"`
}

type fileOperation struct {
	Idempotent bool     `yaml:"idempotent"`
	Timeout    duration `yaml:"timeout"`
}

type fileStage struct {
	Workers     int      `yaml:"workers"`
	QueueLen    int      `yaml:"queue_len"`
	TargetDelay duration `yaml:"target_delay"`
	// Limiter is the adaptive concurrency limit of a service's
	// partition stages (ignored elsewhere).
	Limiter fileLimiter `yaml:"adaptive"`
}

type fileLimiter struct {
	Disabled      bool     `yaml:"disabled"`
	Initial       int      `yaml:"initial"`
	Min           int      `yaml:"min"`
	Slack         duration `yaml:"slack"`
	Tolerance     float64  `yaml:"tolerance"`
	QueueFactor   float64  `yaml:"queue_factor"`
	ProbeInterval duration `yaml:"probe_interval"`
	ProbeLimit    int      `yaml:"probe_limit"`
	ProbeSamples  int      `yaml:"probe_samples"`
}

type fileCluster struct {
	Partitions []filePartition `yaml:"partitions"`
	Health     fileHealth      `yaml:"health"`
	Outlier    fileOutlier     `yaml:"outlier"`
	Breaker    fileBreaker     `yaml:"breaker"`
}

type filePartition struct {
	Name     string   `yaml:"name"`
	Replicas []string `yaml:"replicas"`
}

type fileHealth struct {
	Path               string   `yaml:"path"`
	Interval           duration `yaml:"interval"`
	Timeout            duration `yaml:"timeout"`
	HealthyThreshold   int      `yaml:"healthy_threshold"`
	UnhealthyThreshold int      `yaml:"unhealthy_threshold"`
}

type fileOutlier struct {
	ConsecutiveFailures int      `yaml:"consecutive_failures"`
	BaseEjection        duration `yaml:"base_ejection"`
	MaxEjectedPercent   int      `yaml:"max_ejected_percent"`
}

type fileBreaker struct {
	FailureRatio float64  `yaml:"failure_ratio"`
	MinRequests  int      `yaml:"min_requests"`
	Window       duration `yaml:"window"`
	OpenFor      duration `yaml:"open_for"`
}
