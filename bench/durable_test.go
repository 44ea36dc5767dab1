package bench

import (
	"context"
	"os"
	"testing"
)

func TestDurable_TinyRun(t *testing.T) {
	dir := t.TempDir()
	l := Load{Messages: 64, Size: 1024, Concurrency: 4}
	r, err := Durable(context.Background(), l, dir)
	if err != nil {
		t.Fatal(err)
	}
	if r.Load != l || r.Throughput <= 0 || r.P50 <= 0 || r.P50 > r.P99 || r.P99 > r.Max {
		t.Errorf("got %+v, want the load, a throughput and 0 < p50 <= p99 <= max", r)
	}
	if r.Syncs < 1 || r.Syncs > uint64(l.Messages) {
		t.Errorf("got %d syncs, want 1 to %d", r.Syncs, l.Messages)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("got %d entries left in the data directory, want the store removed", len(left))
	}
}

func TestDurable_BadLoad(t *testing.T) {
	if _, err := Durable(context.Background(), Load{}, t.TempDir()); err == nil {
		t.Error("got nil, want an error for a zero load")
	}
}
