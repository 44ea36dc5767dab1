package gateway

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// value is the value of counter c.
func value(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// The series resolved once serve every later request with the same labels,
// and different labels get their own.
func TestMetrics_ObserveAndTryCountPerLabels(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := newMetrics(reg, &Gateway{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	m.observe("S", "GetQuote", outcomeOK, start)
	m.observe("S", "GetQuote", outcomeOK, start)
	m.observe("S", "GetQuote", outcomeBusy, start)
	m.observe("S", "", outcomeClientFault, start)
	m.observe("T", "GetQuote", outcomeOK, start)
	m.try("S", 0)
	m.try("S", 0)
	m.try("S", 1)
	for _, tc := range []struct {
		c    prometheus.Counter
		want float64
	}{
		{m.requests.WithLabelValues("S", "GetQuote", outcomeOK), 2},
		{m.requests.WithLabelValues("S", "GetQuote", outcomeBusy), 1},
		{m.requests.WithLabelValues("S", operationUnknownLabel, outcomeClientFault), 1},
		{m.requests.WithLabelValues("T", "GetQuote", outcomeOK), 1},
		{m.tries.WithLabelValues("S", "first"), 2},
		{m.tries.WithLabelValues("S", "retry"), 1},
	} {
		if got := value(t, tc.c); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.c.Desc(), got, tc.want)
		}
	}
	var m2 dto.Metric
	if err := m.duration.WithLabelValues("S", "GetQuote").(prometheus.Metric).Write(&m2); err != nil {
		t.Fatal(err)
	}
	if got, want := m2.GetHistogram().GetSampleCount(), uint64(3); got != want {
		t.Errorf("durations of S GetQuote: got %d, want %d", got, want)
	}
}
