package gateway

import (
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wsgw/wsgw/queueing"
)

// Request outcomes, the "outcome" label of wsgw_requests_total.
const (
	outcomeOK             = "ok"              // the backend's reply was relayed (SOAP faults included)
	outcomeBackendError   = "backend_error"   // a non-SOAP 5xx reply was relayed (no other try allowed)
	outcomeClientFault    = "client_fault"    // the gateway refused the request (Sender/Client fault)
	outcomeBusy           = "busy"            // refused by admission control
	outcomeNoRoute        = "no_route"        // no available replica
	outcomeUnavailable    = "unavailable"     // every try failed before a reply
	outcomeTimeout        = "timeout"         // the last try timed out
	outcomeUnknown        = "outcome_unknown" // non-idempotent request may have reached the backend
	outcomeAborted        = "aborted"         // the client went away or the reply broke off
	operationUnknownLabel = "-"               // operation label before the operation is known
)

// metrics are the gateway's Prometheus metrics. The stage and replica
// gauges are read at scrape time by stateCollector.
type metrics struct {
	requests *prometheus.CounterVec   // service, operation, outcome
	duration *prometheus.HistogramVec // service, operation
	tries    *prometheus.CounterVec   // service, result: first, retry
	budget   prometheus.Counter       // retries refused by the retry budget

	// The series each request touches, resolved once: a vector's
	// WithLabelValues hashes and validates every label value on every
	// call. Label values are bounded (services, their WSDL operations,
	// the outcomes), so are these maps.
	mu     sync.RWMutex // guards series
	series map[seriesKey]*series
}

// seriesKey names the series of one request's labels: a service, an
// operation and an outcome, or (operation "") a service and a try kind.
type seriesKey struct{ service, operation, outcome string }

// series are the resolved series of one seriesKey.
type series struct {
	counter  prometheus.Counter  // requests_total, or backend_tries_total
	duration prometheus.Observer // request_duration_seconds; nil for tries
}

func newMetrics(reg prometheus.Registerer, g *Gateway) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "wsgw", Name: "requests_total",
			Help: "SOAP requests by service, operation and outcome.",
		}, []string{"service", "operation", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "wsgw", Name: "request_duration_seconds",
			Help:    "Time from admission to the end of the reply, by service and operation.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"service", "operation"}),
		tries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "wsgw", Name: "backend_tries_total",
			Help: "Requests sent to backends, by service and kind (first or retry).",
		}, []string{"service", "kind"}),
		budget: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "wsgw", Name: "retry_budget_exhausted_total",
			Help: "Retries not attempted because the gateway-wide retry budget was spent.",
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.tries, m.budget, &stateCollector{g: g}} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("registering metrics: %w", err)
		}
	}
	return m, nil
}

// observe records one finished request.
func (m *metrics) observe(service, operation, outcome string, start time.Time) {
	if operation == "" {
		operation = operationUnknownLabel
	}
	s := m.lookup(seriesKey{service, operation, outcome})
	s.counter.Inc()
	s.duration.Observe(time.Since(start).Seconds())
}

// try counts one try of a request at a backend; attempt 0 is the first.
func (m *metrics) try(service string, attempt int) {
	m.lookup(seriesKey{service: service, outcome: triesKind(attempt)}).counter.Inc()
}

// lookup returns k's series, resolving them the first time.
func (m *metrics) lookup(k seriesKey) *series {
	m.mu.RLock()
	s := m.series[k]
	m.mu.RUnlock()
	if s != nil {
		return s
	}
	if k.operation == "" {
		s = &series{counter: m.tries.WithLabelValues(k.service, k.outcome)}
	} else {
		s = &series{counter: m.requests.WithLabelValues(k.service, k.operation, k.outcome),
			duration: m.duration.WithLabelValues(k.service, k.operation)}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if prior := m.series[k]; prior != nil {
		return prior
	}
	if m.series == nil {
		m.series = make(map[seriesKey]*series)
	}
	m.series[k] = s
	return s
}

var (
	descStageQueued = prometheus.NewDesc("wsgw_stage_queued",
		"Tasks waiting in a stage's queue.", []string{"stage"}, nil)
	descStageRunning = prometheus.NewDesc("wsgw_stage_running",
		"Tasks running in a stage's workers.", []string{"stage"}, nil)
	descStageLimit = prometheus.NewDesc("wsgw_stage_limit",
		"Workers a stage may run now: its configured workers, or its adaptive concurrency limit.", []string{"stage"}, nil)
	descStageAdmitted = prometheus.NewDesc("wsgw_stage_admitted_total",
		"Tasks a stage admitted.", []string{"stage"}, nil)
	descStageRejected = prometheus.NewDesc("wsgw_stage_rejected_total",
		"Tasks a stage refused (busy).", []string{"stage"}, nil)
	descReplicaHealthy = prometheus.NewDesc("wsgw_replica_healthy",
		"1 when the replica passes its health checks.", []string{"service", "partition", "replica"}, nil)
	descReplicaEjected = prometheus.NewDesc("wsgw_replica_ejected",
		"1 when the replica is ejected as an outlier.", []string{"service", "partition", "replica"}, nil)
	descReplicaBreaker = prometheus.NewDesc("wsgw_replica_breaker_state",
		"1 for the state the replica's circuit breaker is in (closed, open, half-open).",
		[]string{"service", "partition", "replica", "state"}, nil)
	descReplicaInFlight = prometheus.NewDesc("wsgw_replica_in_flight",
		"Requests in flight to the replica.", []string{"service", "partition", "replica"}, nil)
)

// stateCollector reports stage and replica state at scrape time.
type stateCollector struct{ g *Gateway }

var _ prometheus.Collector = (*stateCollector)(nil)

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descStageQueued, descStageRunning, descStageLimit, descStageAdmitted,
		descStageRejected, descReplicaHealthy, descReplicaEjected, descReplicaBreaker, descReplicaInFlight} {
		ch <- d
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	for _, st := range c.g.stages {
		collectStage(ch, st)
	}
	for _, s := range c.g.services {
		for _, p := range s.cluster.Partitions() {
			for _, r := range p.Replicas() {
				rs := r.State()
				labels := []string{s.cfg.Name, p.Name(), r.Name()}
				ch <- prometheus.MustNewConstMetric(descReplicaHealthy, prometheus.GaugeValue, b2f(rs.Healthy), labels...)
				ch <- prometheus.MustNewConstMetric(descReplicaEjected, prometheus.GaugeValue, b2f(rs.Ejected), labels...)
				ch <- prometheus.MustNewConstMetric(descReplicaInFlight, prometheus.GaugeValue, float64(rs.InFlight), labels...)
				ch <- prometheus.MustNewConstMetric(descReplicaBreaker, prometheus.GaugeValue, 1, append(labels, rs.Breaker)...)
			}
		}
	}
}

func collectStage(ch chan<- prometheus.Metric, st *queueing.Stage) {
	n, s := st.Name(), st.Stats()
	ch <- prometheus.MustNewConstMetric(descStageQueued, prometheus.GaugeValue, float64(s.Queued), n)
	ch <- prometheus.MustNewConstMetric(descStageRunning, prometheus.GaugeValue, float64(s.Running), n)
	ch <- prometheus.MustNewConstMetric(descStageLimit, prometheus.GaugeValue, float64(s.Limit), n)
	ch <- prometheus.MustNewConstMetric(descStageAdmitted, prometheus.CounterValue, float64(s.Admitted), n)
	ch <- prometheus.MustNewConstMetric(descStageRejected, prometheus.CounterValue, float64(s.Rejected), n)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
