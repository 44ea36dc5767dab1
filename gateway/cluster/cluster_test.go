package cluster

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for ejection and breaker tests.
type fakeClock struct {
	mu sync.Mutex // guards t
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// testConfig returns a config of parts partitions of reps replicas each.
func testConfig(parts, reps int) Config {
	cfg := Config{Name: "test"}
	for i := range parts {
		var pc PartitionConfig
		for k := range reps {
			pc.Replicas = append(pc.Replicas, fmt.Sprintf("http://10.0.%d.%d:8080", i, k))
		}
		cfg.Partitions = append(cfg.Partitions, pc)
	}
	return cfg
}

// newTestCluster builds a cluster on a fake clock.
func newTestCluster(t testing.TB, cfg Config) (*Cluster, *fakeClock) {
	t.Helper()
	c, err := New(cfg, nil, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	c.now = clk.Now
	return c, clk
}

func TestNew_NamesAndDefaults(t *testing.T) {
	cfg := testConfig(2, 3)
	cfg.Partitions[1].Name = "east"
	c, _ := newTestCluster(t, cfg)
	ps := c.Partitions()
	if len(ps) != 2 || ps[0].Name() != "p0" || ps[1].Name() != "east" {
		t.Fatalf("partitions: got %v, want [p0 east]", names(ps))
	}
	rs := ps[1].Replicas()
	if len(rs) != 3 || rs[2].Name() != "r2" || rs[2].URL() != "http://10.0.1.2:8080" || rs[2].Partition() != ps[1] {
		t.Fatalf("replica 2 of east: got %s %s, want r2 http://10.0.1.2:8080", rs[2].Name(), rs[2].URL())
	}
	st := rs[0].State()
	if want := (State{Healthy: true, Breaker: "closed"}); st != want {
		t.Fatalf("initial state: got %+v, want %+v", st, want)
	}
	if !c.Ready() {
		t.Fatalf("Ready: got false, want true")
	}
}

func names(ps []*Partition) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name())
	}
	return out
}

func TestConfig_ValidateReportsEveryError(t *testing.T) {
	cfg := Config{
		Partitions: []PartitionConfig{
			{Name: "a", Replicas: []string{"http://h1", "ftp://h2", "http://h1"}},
			{Name: "a"},
			{Replicas: []string{"http://"}},
		},
		Outlier: OutlierConfig{MaxEjectedPercent: 150},
		Breaker: BreakerConfig{FailureRatio: 2, OpenFor: -1},
		Health:  HealthConfig{Interval: -time.Second},
	}
	err := cfg.Validate()
	if err == nil {
		t.Fatalf("Validate: got nil, want errors")
	}
	for _, want := range []string{
		"partitions[0].replicas[1]: ",
		"partitions[0].replicas[2]: ",
		"partitions[1].name: ",
		"partitions[1].replicas: no replicas",
		"partitions[2].replicas[0]: ",
		"outlier.maxEjectedPercent: ",
		"breaker.failureRatio: ",
		"breaker.openFor: ",
		"health.interval: ",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate: got %q, want it to mention %q", err, want)
		}
	}
	if _, err := New(cfg, nil, nil); err == nil {
		t.Errorf("New with invalid config: got nil error, want error")
	}
	if err := (Config{}).Validate(); err == nil || !strings.Contains(err.Error(), "partitions: no partitions") {
		t.Errorf("Validate empty: got %v, want partitions: no partitions", err)
	}
	if err := testConfig(2, 2).Validate(); err != nil {
		t.Errorf("Validate good config: got %v, want nil", err)
	}
}

func TestOutcome_String(t *testing.T) {
	for o, want := range map[Outcome]string{Success: "success", ConnectFailed: "connect-failed", Failed: "failed", TimedOut: "timed-out", 9: "outcome(9)"} {
		if got := o.String(); got != want {
			t.Errorf("Outcome(%d): got %q, want %q", int(o), got, want)
		}
	}
}

// A health path that makes no valid URL would fail every check at run time
// and mark every replica unhealthy: Validate must refuse it.
func TestConfig_ValidateHealthPath(t *testing.T) {
	cfg := testConfig(1, 2)
	cfg.Health = HealthConfig{Path: "/%zz"}
	err := cfg.Validate()
	if err == nil || !strings.Contains(err.Error(), "health.path: ") {
		t.Errorf("Validate with health path %q: got %v, want a health.path error", cfg.Health.Path, err)
	}
	cfg.Health = HealthConfig{Path: "/health"}
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate with health path /health: got %v, want nil", err)
	}
}
