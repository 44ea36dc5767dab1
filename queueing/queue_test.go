package queueing_test

import (
	"slices"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/fielderr"
	"github.com/wsgw/wsgw/queueing"
)

func TestBackoff_DelayJitterAndCap(t *testing.T) {
	b := queueing.Backoff{Base: time.Second, Max: 10 * time.Second, Jitter: 0.5}
	for _, tc := range []struct {
		attempts int
		r        float64
		want     time.Duration
	}{
		{1, 0, time.Second}, {2, 0, 2 * time.Second}, {3, 0.5, 3 * time.Second},
		{10, 0, 10 * time.Second}, {10, 0.999999, 5*time.Second + 10*time.Microsecond},
	} {
		got := b.Delay(tc.attempts, tc.r)
		if diff := got - tc.want; diff < -time.Millisecond || diff > time.Millisecond {
			t.Errorf("Delay(%d, %v): got %v, want %v", tc.attempts, tc.r, got, tc.want)
		}
	}
}

func TestOptions_ValidateReportsEveryField(t *testing.T) {
	err := queueing.Options{MaxLength: -1, MaxBatch: -2, Backoff: queueing.Backoff{Jitter: 2}}.Validate()
	var got []string
	for _, e := range fielderr.All(err) {
		got = append(got, e.Field())
	}
	if want := []string{"MaxLength", "MaxBatch", "Backoff.Jitter"}; !slices.Equal(got, want) {
		t.Errorf("got fields %q (%v), want %q", got, err, want)
	}
}

func TestOptions_ZeroValueIsValid(t *testing.T) {
	if err := (queueing.Options{}).Validate(); err != nil {
		t.Fatalf("got %v for the zero Options, want nil", err)
	}
	d := queueing.Options{}.WithDefaults()
	if d.MaxAttempts != 10 || d.Backoff.Base != time.Second || d.Now == nil {
		t.Errorf("got defaults %+v, want MaxAttempts 10, Backoff.Base 1s, a clock", d)
	}
}
