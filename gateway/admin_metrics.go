package gateway

import (
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// families are the metric families a registry gathered, by name: the
// admin page reads its figures from them, the same numbers /metrics
// serves at that moment.
type families map[string]*dto.MetricFamily

// gatherFamilies gathers g. A gatherer's error comes with whatever it did
// gather, which is returned too.
func gatherFamilies(g prometheus.Gatherer) (families, error) {
	mfs, err := g.Gather()
	f := make(families, len(mfs))
	for _, mf := range mfs {
		f[mf.GetName()] = mf
	}
	return f, err
}

// labels are label name and value pairs a metric must have.
type labels []string

func (want labels) match(m *dto.Metric) bool {
	for i := 0; i+1 < len(want); i += 2 {
		if labelValue(m, want[i]) != want[i+1] {
			return false
		}
	}
	return true
}

func labelValue(m *dto.Metric, name string) string {
	for _, lp := range m.GetLabel() {
		if lp.GetName() == name {
			return lp.GetValue()
		}
	}
	return ""
}

// each calls fn with every metric of family name that has the labels.
func (f families) each(name string, want labels, fn func(*dto.Metric)) {
	mf := f[name]
	if mf == nil {
		return
	}
	for _, m := range mf.GetMetric() {
		if want.match(m) {
			fn(m)
		}
	}
}

// sum adds the values of family name's counters or gauges that have the
// labels.
func (f families) sum(name string, want labels) float64 {
	var v float64
	f.each(name, want, func(m *dto.Metric) { v += metricValue(m) })
	return v
}

// metricValue is a counter's, gauge's or untyped metric's value.
func metricValue(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Untyped != nil:
		return m.Untyped.GetValue()
	}
	return 0
}

// histData is a histogram: cumulative counts at upper bounds (the +Inf
// bucket is Count), summed over the metrics it was built from.
type histData struct {
	Count  uint64    `json:"n"`
	Sum    float64   `json:"sum"`
	Bounds []float64 `json:"le"`
	Counts []uint64  `json:"c"`
}

// histogram sums the histograms of family name that have the labels
// (metrics of one family share their buckets).
func (f families) histogram(name string, want labels) *histData {
	h := &histData{Bounds: []float64{}, Counts: []uint64{}}
	f.each(name, want, func(m *dto.Metric) {
		mh := m.GetHistogram()
		if mh == nil {
			return
		}
		h.Count += mh.GetSampleCount()
		h.Sum += mh.GetSampleSum()
		for i, b := range mh.GetBucket() {
			if i == len(h.Bounds) {
				h.Bounds = append(h.Bounds, b.GetUpperBound())
				h.Counts = append(h.Counts, 0)
			}
			h.Counts[i] += b.GetCumulativeCount()
		}
	})
	return h
}
