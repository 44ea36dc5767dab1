// SKELETON: signatures are the contract other packages code against.
package cluster

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// Config configures one backend cluster. Zero fields take the defaults in
// comments.
type Config struct {
	Name       string
	Partitions []PartitionConfig
	Health     HealthConfig
	Outlier    OutlierConfig
	Breaker    BreakerConfig
}

// PartitionConfig names a partition and its equivalent replicas.
type PartitionConfig struct {
	Name     string   // default "p<index>"
	Replicas []string // base URLs of the replicas
}

// HealthConfig configures active health checks.
type HealthConfig struct {
	Path               string        // GET path on the replica; "" disables active checks
	Interval           time.Duration // default 5s
	Timeout            time.Duration // default 2s
	HealthyThreshold   int           // consecutive passes to mark healthy; default 2
	UnhealthyThreshold int           // consecutive failures to mark unhealthy; default 2
}

// OutlierConfig configures passive outlier ejection.
type OutlierConfig struct {
	ConsecutiveFailures int           // failures in a row that eject; default 5
	BaseEjection        time.Duration // first ejection; doubles per repeat, max 10x; default 30s
	MaxEjectedPercent   int           // of a partition's replicas; default 50 (at least one replica stays)
}

// BreakerConfig configures the per-replica circuit breaker.
type BreakerConfig struct {
	FailureRatio float64       // over the window, opens the breaker; default 0.5
	MinRequests  int           // in the window before it can open; default 20
	Window       time.Duration // default 10s
	OpenFor      time.Duration // before a half-open probe; default 5s
}

// Outcome is what happened to one request sent to a replica.
type Outcome int

const (
	Success       Outcome = iota // a reply came (SOAP faults included)
	ConnectFailed                // never reached the replica (dial failed)
	Failed                       // sent, then failed (reset, 5xx non-SOAP, bad reply)
	TimedOut                     // sent, no reply in time
)

// Cluster is the partitioned, replicated set of backends of one service.
type Cluster struct{}

// New validates cfg and builds the cluster. client is used for health
// checks.
func New(cfg Config, client *http.Client, log *slog.Logger) (*Cluster, error) {
	panic("unimplemented")
}

// Run performs active health checks until ctx ends.
func (c *Cluster) Run(ctx context.Context) { panic("unimplemented") }

// Partition returns the partition for key by rendezvous hashing.
func (c *Cluster) Partition(key string) *Partition { panic("unimplemented") }

// AnyPartition returns a partition for a request without a key: the one
// with the most available capacity.
func (c *Cluster) AnyPartition() *Partition { panic("unimplemented") }

// Partitions lists the partitions in configuration order.
func (c *Cluster) Partitions() []*Partition { panic("unimplemented") }

// Ready reports whether every partition has an available replica.
func (c *Cluster) Ready() bool { panic("unimplemented") }

// Partition is a set of equivalent replicas.
type Partition struct{}

func (p *Partition) Name() string         { panic("unimplemented") }
func (p *Partition) Replicas() []*Replica { panic("unimplemented") }

// Pick chooses an available replica not in exclude by power-of-two-choices
// on in-flight requests. It returns nil when none is available.
func (p *Partition) Pick(exclude ...*Replica) *Replica { panic("unimplemented") }

// Replica is one backend endpoint.
type Replica struct{}

func (r *Replica) URL() string  { panic("unimplemented") }
func (r *Replica) Name() string { panic("unimplemented") } // "r<index>" within its partition

// Begin counts a request in flight on r; call done exactly once with its
// outcome, which feeds outlier ejection and the breaker.
func (r *Replica) Begin() (done func(Outcome)) { panic("unimplemented") }

// State describes r for metrics and admin.
type State struct {
	Healthy, Ejected bool
	Breaker          string // "closed", "open", "half-open"
	InFlight         int
}

func (r *Replica) State() State { panic("unimplemented") }
