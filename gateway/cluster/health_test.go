package cluster

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
)

// backend is a loopback server whose health endpoint can be switched.
type backend struct {
	srv    *httptest.Server
	status atomic.Int32 // reply code of /health
	hang   atomic.Bool  // /health never replies (until the request ends)
	checks atomic.Int64
}

func newBackend(t *testing.T) *backend {
	b := &backend{}
	b.status.Store(http.StatusOK)
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/health" {
			http.NotFound(w, r)
			return
		}
		b.checks.Add(1)
		if b.hang.Load() {
			<-r.Context().Done()
			return
		}
		w.WriteHeader(int(b.status.Load()))
	}))
	t.Cleanup(b.srv.Close)
	return b
}

// runCluster starts Run and stops it at the end of the test.
func runCluster(t *testing.T, c *Cluster) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { c.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
}

func healthConfig(urls ...string) Config {
	return Config{
		Name:       "h",
		Partitions: []PartitionConfig{{Replicas: urls}},
		Health:     HealthConfig{Path: "/health", Interval: 10 * time.Millisecond, Timeout: 50 * time.Millisecond},
	}
}

func TestHealth_MarksUnhealthyAndBack(t *testing.T) {
	b0, b1 := newBackend(t), newBackend(t)
	c, err := New(healthConfig(b0.srv.URL, b1.srv.URL+"/"), b0.srv.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	p := c.Partitions()[0]
	r0 := p.replicas[0]
	if !r0.State().Healthy {
		t.Fatalf("healthy before any check: got false, want true")
	}
	runCluster(t, c)
	checkfor.True(t, 10*time.Second, "checks on both backends", func() bool { return b0.checks.Load() >= 2 && b1.checks.Load() >= 2 })
	if !c.Ready() {
		t.Fatalf("Ready with both passing: got false, want true")
	}

	b0.status.Store(http.StatusServiceUnavailable)
	checkfor.True(t, 10*time.Second, "r0 unhealthy", func() bool { return !r0.State().Healthy })
	for range 20 {
		if got := p.Pick(); got != p.replicas[1] {
			t.Fatalf("Pick with r0 unhealthy: got %v, want r1", got)
		}
	}
	b0.status.Store(http.StatusNoContent)
	checkfor.True(t, 10*time.Second, "r0 healthy again", func() bool { return r0.State().Healthy })
}

func TestHealth_TimeoutAndDeadReplica(t *testing.T) {
	hung := newBackend(t)
	hung.hang.Store(true)
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close() // connection refused from now on
	c, err := New(healthConfig(hung.srv.URL, deadURL), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	runCluster(t, c)
	checkfor.True(t, 10*time.Second, "both unhealthy", func() bool {
		rs := c.Partitions()[0].replicas
		return !rs[0].State().Healthy && !rs[1].State().Healthy
	})
	if c.Ready() {
		t.Fatalf("Ready with no healthy replica: got true, want false")
	}
	if got := c.Partitions()[0].Pick(); got != nil {
		t.Fatalf("Pick with none healthy: got %s, want nil", got.Name())
	}
}

func TestHealth_DisabledRunWaitsForCtx(t *testing.T) {
	b := newBackend(t)
	cfg := healthConfig(b.srv.URL)
	cfg.Health.Path = ""
	c, err := New(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	select {
	case <-done:
		t.Fatalf("Run with checks disabled: returned before ctx ended")
	case <-time.After(50 * time.Millisecond):
	}
	cancel()
	<-done
	if n := b.checks.Load(); n != 0 {
		t.Fatalf("checks with Path empty: got %d, want 0", n)
	}
	if !c.Partitions()[0].replicas[0].State().Healthy {
		t.Fatalf("healthy with checks disabled: got false, want true")
	}
}

func TestHealthTracker_Thresholds(t *testing.T) {
	h := HealthConfig{HealthyThreshold: 2, UnhealthyThreshold: 3}
	var tr healthTracker
	healthy := true
	steps := []struct {
		ok   bool
		want bool
	}{
		{false, true}, {false, true}, {true, true}, // run broken
		{false, true}, {false, true}, {false, false}, // 3 in a row
		{true, false}, {false, false}, {true, false}, {true, true}, // 2 in a row
	}
	for i, s := range steps {
		healthy = tr.observe(s.ok, healthy, h)
		if healthy != s.want {
			t.Fatalf("step %d (ok=%v): got healthy %v, want %v", i, s.ok, healthy, s.want)
		}
	}
}

func TestJitter_WithinTenPercent(t *testing.T) {
	for range 1000 {
		if d := jitter(time.Second); d < 900*time.Millisecond || d > 1100*time.Millisecond {
			t.Fatalf("jitter(1s): got %s, want 1s ± 10%%", d)
		}
	}
}

func TestHealthURL(t *testing.T) {
	for _, tc := range []struct{ base, path, want string }{
		{"http://h:1", "/health", "http://h:1/health"},
		{"http://h:1/", "health", "http://h:1/health"},
		{"http://h:1/svc/", "/ping?x=1", "http://h:1/svc/ping?x=1"},
	} {
		if got := healthURL(tc.base, tc.path); got != tc.want {
			t.Errorf("healthURL(%q, %q): got %q, want %q", tc.base, tc.path, got, tc.want)
		}
	}
}
