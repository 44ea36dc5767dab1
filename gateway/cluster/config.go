package cluster

import (
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/wsgw/wsgw/internal/fielderr"
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
//
// The name is what the key is hashed against: renaming a partition moves
// its keys, reordering partitions moves none.
type PartitionConfig struct {
	Name     string   // default "p<index>"
	Replicas []string // base URLs of the replicas (http or https)
}

// HealthConfig configures active health checks. Replicas start healthy
// either way, so a gateway that starts before its backends does not
// refuse everything while the first checks run; a dead replica is marked
// unhealthy after UnhealthyThreshold failed checks.
type HealthConfig struct {
	Path               string        // GET path on the replica; "" disables active checks
	Interval           time.Duration // default 5s; each wait is jittered by ±10%
	Timeout            time.Duration // default 2s
	HealthyThreshold   int           // consecutive passes to mark healthy; default 2
	UnhealthyThreshold int           // consecutive failures to mark unhealthy; default 2
}

// OutlierConfig configures passive outlier ejection.
type OutlierConfig struct {
	// ConsecutiveFailures is the number of failures in a row (outcomes
	// Failed, ConnectFailed, TimedOut) that eject; default 5; negative
	// disables ejection.
	ConsecutiveFailures int
	// BaseEjection is the first ejection; the n-th ejection in a row lasts
	// n x BaseEjection, at most 10x; default 30s. The count of ejections
	// starts again once a replica has stayed in for 10 x BaseEjection.
	BaseEjection time.Duration
	// MaxEjectedPercent of a partition's replicas may be ejected at once;
	// default 50. At least one replica of a partition always stays in.
	MaxEjectedPercent int
}

// BreakerConfig configures the per-replica circuit breaker.
type BreakerConfig struct {
	FailureRatio float64       // over the window, opens the breaker; default 0.5; negative disables the breaker
	MinRequests  int           // in the window before it can open; default 20
	Window       time.Duration // default 10s
	OpenFor      time.Duration // before a half-open probe; default 5s
}

// Defaults.
const (
	defaultInterval           = 5 * time.Second
	defaultTimeout            = 2 * time.Second
	defaultHealthyThreshold   = 2
	defaultUnhealthyThreshold = 2
	defaultConsecutive        = 5
	defaultBaseEjection       = 30 * time.Second
	defaultMaxEjectedPercent  = 50
	maxEjectionMultiplier     = 10
	defaultFailureRatio       = 0.5
	defaultMinRequests        = 20
	defaultWindow             = 10 * time.Second
	defaultOpenFor            = 5 * time.Second
)

// Validate reports every error in c as *fielderr.Error values, in field
// order, with paths relative to the cluster ("Partitions[0].Replicas[1]").
func (c Config) Validate() error {
	var l fielderr.List
	var root fielderr.Path
	parts := root.Field("Partitions")
	if len(c.Partitions) == 0 {
		l.Add(parts, "no partitions")
	}
	names := make(map[string]int)
	for i, p := range c.Partitions {
		path := parts.Index(i)
		name := partitionName(p.Name, i)
		if j, dup := names[name]; dup {
			l.Add(path.Field("Name"), "%q is also the name of partition %d", name, j)
		}
		names[name] = i
		if len(p.Replicas) == 0 {
			l.Add(path.Field("Replicas"), "no replicas")
		}
		seen := make(map[string]int)
		for k, raw := range p.Replicas {
			rpath := path.Field("Replicas").Index(k)
			if err := checkReplicaURL(raw); err != nil {
				l.Add(rpath, "%w", err)
			}
			if j, dup := seen[raw]; dup {
				l.Add(rpath, "%q repeats replica %d", raw, j)
			}
			seen[raw] = k
		}
	}
	if err := c.checkHealthPath(); err != nil {
		l.Add(root.Field("Health").Field("Path"), "%w", err)
	}
	c.validateTuning(&l)
	return l.Err()
}

// checkHealthPath refuses a health path that makes no valid check URL
// with a replica's: every check would fail and mark the replica unhealthy.
func (c Config) checkHealthPath() error {
	if c.Health.Path == "" {
		return nil
	}
	for _, p := range c.Partitions {
		for _, raw := range p.Replicas {
			if checkReplicaURL(raw) != nil {
				continue // reported already
			}
			if _, err := url.Parse(healthURL(raw, c.Health.Path)); err != nil {
				return fmt.Errorf("%q makes no valid URL with replica %q: %v", c.Health.Path, raw, err)
			}
		}
	}
	return nil
}

// validateTuning adds the problems of Health, Outlier and Breaker, in
// field order.
func (c Config) validateTuning(l *fielderr.List) {
	var root fielderr.Path
	neg := func(p fielderr.Path, bad bool) {
		if bad {
			l.Add(p, "must not be negative")
		}
	}
	h, o, b := c.Health, c.Outlier, c.Breaker
	hp, op, bp := root.Field("Health"), root.Field("Outlier"), root.Field("Breaker")
	neg(hp.Field("Interval"), h.Interval < 0)
	neg(hp.Field("Timeout"), h.Timeout < 0)
	neg(hp.Field("HealthyThreshold"), h.HealthyThreshold < 0)
	neg(hp.Field("UnhealthyThreshold"), h.UnhealthyThreshold < 0)
	neg(op.Field("BaseEjection"), o.BaseEjection < 0)
	neg(op.Field("MaxEjectedPercent"), o.MaxEjectedPercent < 0)
	if o.MaxEjectedPercent > 100 {
		l.Add(op.Field("MaxEjectedPercent"), "%d is over 100", o.MaxEjectedPercent)
	}
	if b.FailureRatio > 1 {
		l.Add(bp.Field("FailureRatio"), "%g is over 1", b.FailureRatio)
	}
	neg(bp.Field("MinRequests"), b.MinRequests < 0)
	neg(bp.Field("Window"), b.Window < 0)
	neg(bp.Field("OpenFor"), b.OpenFor < 0)
}

// checkReplicaURL refuses a replica address no request could reach: not
// an absolute http(s) URL with a host, or with a port outside 1-65535
// (url.Parse takes any digits: "http://h:99999" would fail at every dial).
func checkReplicaURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("parsing replica URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("replica URL %q: scheme must be http or https", raw)
	}
	if u.Host == "" {
		return fmt.Errorf("replica URL %q: no host", raw)
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("replica URL %q: port %s is not in 1-65535", raw, port)
		}
	}
	return nil
}

func partitionName(name string, i int) string {
	if name == "" {
		return "p" + strconv.Itoa(i)
	}
	return name
}

func (c Config) withDefaults() Config {
	h := &c.Health
	h.Interval = orDuration(h.Interval, defaultInterval)
	h.Timeout = orDuration(h.Timeout, defaultTimeout)
	h.HealthyThreshold = orInt(h.HealthyThreshold, defaultHealthyThreshold)
	h.UnhealthyThreshold = orInt(h.UnhealthyThreshold, defaultUnhealthyThreshold)
	o := &c.Outlier
	o.ConsecutiveFailures = orInt(o.ConsecutiveFailures, defaultConsecutive)
	o.BaseEjection = orDuration(o.BaseEjection, defaultBaseEjection)
	o.MaxEjectedPercent = orInt(o.MaxEjectedPercent, defaultMaxEjectedPercent)
	b := &c.Breaker
	if b.FailureRatio == 0 {
		b.FailureRatio = defaultFailureRatio
	}
	b.MinRequests = orInt(b.MinRequests, defaultMinRequests)
	b.Window = orDuration(b.Window, defaultWindow)
	b.OpenFor = orDuration(b.OpenFor, defaultOpenFor)
	return c
}

func orDuration(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

func orInt(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}
