package cluster

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
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

// Validate reports every error in c, each with its field path relative to
// the cluster ("partitions[0].replicas[1]: ...").
func (c Config) Validate() error {
	var errs []error
	add := func(path, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
	}
	if len(c.Partitions) == 0 {
		add("partitions", "no partitions")
	}
	names := make(map[string]int)
	for i, p := range c.Partitions {
		path := "partitions[" + strconv.Itoa(i) + "]"
		name := partitionName(p.Name, i)
		if j, dup := names[name]; dup {
			add(path+".name", "%q already names partitions[%d]", name, j)
		}
		names[name] = i
		if len(p.Replicas) == 0 {
			add(path+".replicas", "no replicas")
		}
		seen := make(map[string]int)
		for k, raw := range p.Replicas {
			rpath := path + ".replicas[" + strconv.Itoa(k) + "]"
			if err := checkReplicaURL(raw); err != nil {
				add(rpath, "%v", err)
			}
			if j, dup := seen[raw]; dup {
				add(rpath, "%q repeats replicas[%d]", raw, j)
			}
			seen[raw] = k
		}
	}
	if err := c.checkHealthPath(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.validateTuning()...)
	return errors.Join(errs...)
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
				return fmt.Errorf("health.path: %q makes no valid URL with replica %q: %v", c.Health.Path, raw, err)
			}
		}
	}
	return nil
}

func (c Config) validateTuning() []error {
	var errs []error
	neg := func(path string, bad bool) {
		if bad {
			errs = append(errs, fmt.Errorf("%s: must not be negative", path))
		}
	}
	h, o, b := c.Health, c.Outlier, c.Breaker
	neg("health.interval", h.Interval < 0)
	neg("health.timeout", h.Timeout < 0)
	neg("health.healthyThreshold", h.HealthyThreshold < 0)
	neg("health.unhealthyThreshold", h.UnhealthyThreshold < 0)
	neg("outlier.baseEjection", o.BaseEjection < 0)
	neg("outlier.maxEjectedPercent", o.MaxEjectedPercent < 0)
	if o.MaxEjectedPercent > 100 {
		errs = append(errs, fmt.Errorf("outlier.maxEjectedPercent: %d is over 100", o.MaxEjectedPercent))
	}
	if b.FailureRatio > 1 {
		errs = append(errs, fmt.Errorf("breaker.failureRatio: %g is over 1", b.FailureRatio))
	}
	neg("breaker.minRequests", b.MinRequests < 0)
	neg("breaker.window", b.Window < 0)
	neg("breaker.openFor", b.OpenFor < 0)
	return errs
}

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
