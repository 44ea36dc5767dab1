package cluster

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/fielderr"
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
	var got []string
	for _, e := range fielderr.All(err) {
		got = append(got, e.Field())
	}
	want := []string{
		"Partitions[0].Replicas[1]",
		"Partitions[0].Replicas[2]",
		"Partitions[1].Name",
		"Partitions[1].Replicas",
		"Partitions[2].Replicas[0]",
		"Health.Interval",
		"Outlier.MaxEjectedPercent",
		"Breaker.FailureRatio",
		"Breaker.OpenFor",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Validate fields: got\n%q\nwant\n%q\n(%v)", got, want, err)
	}
	if _, err := New(cfg, nil, nil); err == nil {
		t.Errorf("New with invalid config: got nil error, want error")
	}
	if err := (Config{}).Validate(); err == nil || !strings.Contains(err.Error(), "Partitions: no partitions") {
		t.Errorf("Validate empty: got %v, want Partitions: no partitions", err)
	}
	if err := testConfig(2, 2).Validate(); err != nil {
		t.Errorf("Validate good config: got %v, want nil", err)
	}
}

// A replica URL whose port no dial can use is refused at load, not at the
// first request.
func TestConfig_ValidateReplicaPort(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want string // "" for valid
	}{
		{"http://h:99999", "port 99999 is not in 1-65535"},
		{"http://h:65536", "port 65536 is not in 1-65535"},
		{"http://h:0", "port 0 is not in 1-65535"},
		{"http://h:abc", `invalid port ":abc"`},
		{"https://[::1]:70000/x", "port 70000 is not in 1-65535"},
		{"http://h:65535", ""},
		{"http://h:1/base", ""},
		{"http://h", ""},
		{"https://[::1]:8443", ""},
	} {
		cfg := Config{Partitions: []PartitionConfig{{Replicas: []string{tc.url}}}}
		err := cfg.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: got %v, want valid", tc.url, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: got %v, want an error with %q", tc.url, err, tc.want)
		case tc.want != "":
			if got := fielderr.All(err)[0].Field(); got != "Partitions[0].Replicas[0]" {
				t.Errorf("%s: got field %q, want Partitions[0].Replicas[0]", tc.url, got)
			}
		}
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
	if err == nil || !strings.Contains(err.Error(), "Health.Path: ") {
		t.Errorf("Validate with health path %q: got %v, want a Health.Path error", cfg.Health.Path, err)
	}
	cfg.Health = HealthConfig{Path: "/health"}
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate with health path /health: got %v, want nil", err)
	}
}
