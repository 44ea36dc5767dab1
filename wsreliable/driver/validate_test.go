package driver

import (
	"slices"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/fielderr"
	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/wsreliable"
)

// Validate reports each problem at its field path, the engine's and the
// backoff's under theirs, in field order, the same on every run.
func TestConfig_ValidateReportsFieldPathsInOrder(t *testing.T) {
	cfg := Config{Engine: wsreliable.Config{MaxHeld: -1, IdleTimeout: -1},
		Backoff: queueing.Backoff{Max: -1}, DeliveryTimeout: -time.Second, Workers: -1, MaxQueue: -1,
		MaxMessageBytes: -1, ReplyTTL: -1, TickInterval: -1, OutboundIdle: -1}
	want := []string{"Name", "Engine.IdleTimeout", "Engine.MaxHeld", "Backoff.Max", "DeliveryTimeout",
		"Workers", "MaxQueue", "MaxMessageBytes", "ReplyTTL", "TickInterval", "OutboundIdle"}
	for range 20 {
		var got []string
		for _, e := range fielderr.All(cfg.Validate()) {
			got = append(got, e.Field())
		}
		if !slices.Equal(got, want) {
			t.Fatalf("got fields %q, want %q", got, want)
		}
	}
}

// With BackendRM, an Engine.MaxKeep shorter than a delivery's retry
// interval would forget an acknowledged token before its delivery is
// settled, and the retry would send the message again.
func TestConfig_MaxKeepShorterThanRetryRefused(t *testing.T) {
	cfg := Config{Name: "Orders", BackendRM: true, Engine: wsreliable.Config{MaxKeep: time.Minute}}
	var got []string
	for _, e := range fielderr.All(cfg.Validate()) {
		got = append(got, e.Field())
	}
	if want := []string{"Engine.MaxKeep"}; !slices.Equal(got, want) {
		t.Fatalf("MaxKeep 1m, retries up to 5m apart: got errors at %q, want %q", got, want)
	}
	cfg.Backoff.Max = 10 * time.Second
	cfg.DeliveryTimeout = 5 * time.Second
	if err := cfg.Validate(); err != nil {
		t.Fatalf("MaxKeep 1m, retries up to %v apart: got %v, want nil", cfg.MinKeep(), err)
	}
}
