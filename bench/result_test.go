package bench

import (
	"testing"
	"time"
)

func TestPercentile_NearestRank(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}, {0.001, time.Millisecond}} {
		if got := percentile(lat, c.p); got != c.want {
			t.Errorf("percentile(1..100ms, %v): got %v, want %v", c.p, got, c.want)
		}
	}
	if got := percentile([]time.Duration{7}, 0.99); got != 7 {
		t.Errorf("percentile of one value: got %v, want 7", got)
	}
}

func TestNewResult_Figures(t *testing.T) {
	l := Load{Messages: 4, Size: 8, Concurrency: 2}
	lat := []time.Duration{4 * time.Millisecond, time.Millisecond, 3 * time.Millisecond, 2 * time.Millisecond}
	r := newResult(l, 2*time.Second, lat)
	if r.Throughput != 2 {
		t.Errorf("throughput: got %v, want 2 msgs/s", r.Throughput)
	}
	if r.P50 != 2*time.Millisecond || r.P99 != 4*time.Millisecond || r.Max != 4*time.Millisecond {
		t.Errorf("got p50 %v, p99 %v, max %v; want 2ms, 4ms, 4ms", r.P50, r.P99, r.Max)
	}
}
