package cluster

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Active health checks: each replica is sent GET Health.Path every
// Interval (±10% jitter, so replicas checked by many gateways do not see
// synchronised bursts), each check bounded by Timeout. A 2xx reply
// passes; anything else, or no reply, fails. HealthyThreshold passes in a
// row mark an unhealthy replica healthy, UnhealthyThreshold failures in a
// row mark a healthy one unhealthy.

// maxHealthBody bounds how much of a check's reply body is read (to let
// the connection be reused); the rest is dropped with the connection.
const maxHealthBody = 64 << 10

func (c *Cluster) runHealth(ctx context.Context) {
	var wg sync.WaitGroup
	for _, p := range c.parts {
		for _, r := range p.replicas {
			wg.Go(func() { c.watch(ctx, r) })
		}
	}
	wg.Wait()
}

// watch checks r until ctx ends. The first check comes after a random
// delay within a tenth of Interval, spreading the replicas' checks.
func (c *Cluster) watch(ctx context.Context, r *Replica) {
	h := c.cfg.Health
	target := healthURL(r.url, h.Path)
	t := time.NewTimer(time.Duration(rand.Int64N(int64(h.Interval)/10 + 1)))
	defer t.Stop()
	var tr healthTracker
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ok := c.check(ctx, target)
		if ctx.Err() != nil {
			return
		}
		healthy := r.healthy.Load()
		if now := tr.observe(ok, healthy, h); now != healthy {
			r.healthy.Store(now)
			if now {
				r.log().Info("replica healthy", "check", target)
			} else {
				r.log().Warn("replica unhealthy", "check", target)
			}
		}
		t.Reset(jitter(h.Interval))
	}
}

// check performs one health check.
func (c *Cluster) check(ctx context.Context, target string) bool {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Health.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return false
	}
	req.Header.Set("User-Agent", "wsgw-health-check")
	resp, err := c.client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxHealthBody))
	_ = resp.Body.Close()
	return resp.StatusCode >= 200 && resp.StatusCode < 300
}

// healthTracker counts consecutive check results of one replica.
type healthTracker struct {
	passes, fails int
}

// observe records one check and returns the replica's new health.
func (t *healthTracker) observe(ok, healthy bool, h HealthConfig) bool {
	if ok {
		t.passes, t.fails = t.passes+1, 0
		return healthy || t.passes >= h.HealthyThreshold
	}
	t.passes, t.fails = 0, t.fails+1
	return healthy && t.fails < h.UnhealthyThreshold
}

func healthURL(base, path string) string {
	return strings.TrimSuffix(base, "/") + "/" + strings.TrimPrefix(path, "/")
}

// jitter returns d ± 10%.
func jitter(d time.Duration) time.Duration {
	spread := int64(d) / 5
	if spread <= 0 {
		return d
	}
	return d - time.Duration(spread/2) + time.Duration(rand.Int64N(spread+1))
}
