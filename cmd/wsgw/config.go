package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wsgw/wsgw/gateway"
	"github.com/wsgw/wsgw/gateway/cluster"
	"github.com/wsgw/wsgw/queueing"
)

// defaultDataDir is where the badger store lives unless data_dir says
// otherwise.
const defaultDataDir = "./wsgw-data"

// loadConfig reads and decodes the config file at path.
func loadConfig(path string) (*fileConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	var fc fileConfig
	if fc.doc, err = decodeDocument(data, &fc); err != nil {
		return nil, fmt.Errorf("config %s:\n%w", path, err)
	}
	return &fc, nil
}

// toGateway maps the file format onto the gateway's configuration. A
// relative WSDL, certificate or key file path is taken relative to
// baseDir, the config file's directory. The users file is read by
// loadUsers.
func (fc *fileConfig) toGateway(baseDir string) gateway.Config {
	cfg := gateway.Config{
		Listen:          fc.Listen,
		PublicURL:       fc.PublicURL,
		TrustedProxies:  fc.TrustedProxies,
		ShutdownTimeout: time.Duration(fc.ShutdownTimeout),
		Limits:          fc.Limits.toXMLDoc(),
		ReadStage:       fc.ReadStage.toQueueing(),
		BrokerStage:     fc.BrokerStage.toQueueing(),
		Broker:          fc.Broker.toWSNotify(),
		BrokerSecurity:  fc.Broker.security(),
		BrokerReliable:  fc.Broker.reliable(),
		ClusterReliable: fc.Cluster.reliable(),
		TLS:             fc.TLS.toGateway(baseDir),
		BackendTLS:      fc.BackendTLS.toGateway(baseDir),
		EgressTLS:       fc.EgressTLS.toGateway(baseDir),
		Security:        fc.Security.toGateway(),
		Admin:           fc.Admin.toGateway(baseDir),
		Clients: gateway.ClientLimits{HeaderTimeout: time.Duration(fc.Clients.HeaderTimeout),
			BodyTimeout: time.Duration(fc.Clients.BodyTimeout), MinBodyRate: int64(fc.Clients.MinBodyRate),
			BodyGrace: time.Duration(fc.Clients.BodyGrace), BodyMemory: int64(fc.Clients.BodyMemory),
			MaxConnsPerAddr: fc.Clients.MaxConnsPerAddr},
		AccessLogOff: fc.AccessLog != nil && !*fc.AccessLog,
	}
	for _, s := range fc.Services {
		cfg.Services = append(cfg.Services, s.toGateway(baseDir))
	}
	return cfg
}

func (s *fileService) toGateway(baseDir string) gateway.ServiceConfig {
	sc := gateway.ServiceConfig{
		Name:        s.Name,
		WSDL:        resolveWSDL(s.WSDL, baseDir),
		WSDLService: s.WSDLService,
		Unmatched:   s.Unmatched,
		Timeout:     time.Duration(s.Timeout),
		Retries:     s.Retries,
		Key: gateway.KeyConfig{
			XPath:      s.Key.XPath,
			Namespaces: s.Key.Namespaces,
			Missing:    s.Key.Missing,
		},
		Stage:             s.Stage.toAdaptive(),
		ReliableStage:     s.ReliableStage.toQueueing(),
		Cluster:           s.Cluster.toGateway(),
		UnderstoodHeaders: s.UnderstoodHeaders,
		Reliable:          s.Reliable.toGateway(),
		Security:          s.Security.toGateway(),
	}
	if s.Operations != nil {
		sc.Operations = make(map[string]gateway.OperationConfig, len(s.Operations))
		for name, op := range s.Operations {
			sc.Operations[name] = gateway.OperationConfig{Idempotent: op.Idempotent, Timeout: time.Duration(op.Timeout)}
		}
	}
	return sc
}

func (c *fileCluster) toGateway() cluster.Config {
	cc := cluster.Config{
		Health: cluster.HealthConfig{
			Path:               c.Health.Path,
			Interval:           time.Duration(c.Health.Interval),
			Timeout:            time.Duration(c.Health.Timeout),
			HealthyThreshold:   c.Health.HealthyThreshold,
			UnhealthyThreshold: c.Health.UnhealthyThreshold,
		},
		Outlier: cluster.OutlierConfig{
			ConsecutiveFailures: c.Outlier.ConsecutiveFailures,
			BaseEjection:        time.Duration(c.Outlier.BaseEjection),
			MaxEjectedPercent:   c.Outlier.MaxEjectedPercent,
		},
		Breaker: cluster.BreakerConfig{
			FailureRatio: c.Breaker.FailureRatio,
			MinRequests:  c.Breaker.MinRequests,
			Window:       time.Duration(c.Breaker.Window),
			OpenFor:      time.Duration(c.Breaker.OpenFor),
		},
	}
	for _, p := range c.Partitions {
		cc.Partitions = append(cc.Partitions, cluster.PartitionConfig{Name: p.Name, Replicas: p.Replicas})
	}
	return cc
}

// resolveWSDL makes a relative file path relative to baseDir; URLs (http,
// https and file, whose scheme is case-insensitive, as wsdl.Load takes
// them) and absolute paths are returned as they are.
func resolveWSDL(wsdl, baseDir string) string {
	l := strings.ToLower(wsdl)
	if wsdl == "" || filepath.IsAbs(wsdl) || strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") ||
		strings.HasPrefix(l, "file:") {
		return wsdl
	}
	return filepath.Join(baseDir, wsdl)
}

func (s fileStage) toQueueing() queueing.StageConfig {
	return queueing.StageConfig{Workers: s.Workers, QueueLen: s.QueueLen, TargetDelay: time.Duration(s.TargetDelay)}
}

// toAdaptive is a partition stage's configuration, with its adaptive
// limit (nil, the gateway's default, when the file sets none of it).
func (s fileStage) toAdaptive() queueing.StageConfig {
	c := s.toQueueing()
	a := s.Limiter
	if a == (fileLimiter{}) {
		return c
	}
	c.Limiter = &queueing.LimiterConfig{Disabled: a.Disabled, Initial: a.Initial, Min: a.Min, Slack: time.Duration(a.Slack),
		QueueFactor: a.QueueFactor, ProbeInterval: time.Duration(a.ProbeInterval), ProbeLimit: a.ProbeLimit,
		ProbeSamples: a.ProbeSamples}
	return c
}
