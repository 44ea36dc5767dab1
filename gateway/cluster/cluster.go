package cluster

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// Outcome is what happened to one request sent to a replica.
type Outcome int

const (
	Success       Outcome = iota // a reply came (SOAP faults included)
	ConnectFailed                // never reached the replica (dial failed)
	Failed                       // sent, then failed (reset, 5xx non-SOAP, bad reply)
	TimedOut                     // sent, no reply in time
	// Canceled: the request was given up for reasons of its own (the
	// client went away). It says nothing about the replica: it counts for
	// neither the breaker nor outlier detection, and frees a half-open
	// probe slot for another request.
	Canceled
)

func (o Outcome) String() string {
	switch o {
	case Success:
		return "success"
	case ConnectFailed:
		return "connect-failed"
	case Failed:
		return "failed"
	case TimedOut:
		return "timed-out"
	case Canceled:
		return "canceled"
	}
	return "outcome(" + strconv.Itoa(int(o)) + ")"
}

// Cluster is the partitioned, replicated set of backends of one service.
//
// A Cluster is safe for concurrent use. Its partitions and replicas are
// fixed at New; their health, ejection and breaker state change.
type Cluster struct {
	cfg    Config // with defaults applied
	client *http.Client
	log    *slog.Logger
	now    func() time.Time // the clock for ejection and breaker; tests replace it
	parts  []*Partition
}

// New validates cfg and builds the cluster. client is used for health
// checks; nil means a client with no overall timeout (each check has
// Health.Timeout). log nil means slog.Default(), as in gateway.Options.
func New(cfg Config, client *http.Client, log *slog.Logger) (*Cluster, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("configuring cluster %s: %w", cfg.Name, err)
	}
	if client == nil {
		client = &http.Client{}
	}
	if log == nil {
		log = slog.Default()
	}
	cfg = cfg.withDefaults()
	c := &Cluster{cfg: cfg, client: client, log: log.With("cluster", cfg.Name), now: time.Now}
	for i, pc := range cfg.Partitions {
		p := &Partition{c: c, name: partitionName(pc.Name, i)}
		p.seed = partitionSeed(p.name)
		for k, u := range pc.Replicas {
			r := &Replica{p: p, url: u, name: "r" + strconv.Itoa(k)}
			r.healthy.Store(true)
			r.brk.init(cfg.Breaker)
			p.replicas = append(p.replicas, r)
		}
		c.parts = append(c.parts, p)
	}
	return c, nil
}

// Name returns the cluster's configured name.
func (c *Cluster) Name() string { return c.cfg.Name }

// Partitions lists the partitions in configuration order.
func (c *Cluster) Partitions() []*Partition { return c.parts }

// Ready reports whether every partition has an available replica.
func (c *Cluster) Ready() bool {
	now := lazyNow{c: c}
	for _, p := range c.parts {
		if n, _ := p.capacity(&now); n == 0 {
			return false
		}
	}
	return true
}

// Run performs active health checks until ctx ends. It returns when ctx
// ends, also when active checks are disabled. Call it once.
func (c *Cluster) Run(ctx context.Context) {
	if c.cfg.Health.Path == "" {
		<-ctx.Done()
		return
	}
	c.runHealth(ctx)
}
