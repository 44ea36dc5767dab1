package wsnotify

import "github.com/prometheus/client_golang/prometheus"

// metrics of the broker, registered with Options.Registerer.
type metrics struct {
	reg           prometheus.Registerer
	cs            []prometheus.Collector
	notifications prometheus.Counter
	unsupported   prometheus.Counter
	subscribes    prometheus.Counter
	expired       prometheus.Counter
	delivered     prometheus.Counter
	failed        prometheus.Counter
	dropped       prometheus.Counter
	dead          prometheus.Counter
	// The direct channels: notifications the broker sent on them, those
	// it could not (delivered over HTTP instead), those logged from
	// publishers' agents, and those put into pull points by Recover.
	directSent, directFallback, directLogged, directRecovered prometheus.Counter
	// latency is the time of one delivery attempt (a POST to a consumer,
	// or a durable delivery over WS-RM until its acknowledgement).
	latency prometheus.Histogram

	durableQueued    prometheus.Counter
	durableDelivered prometheus.Counter
	durableDeferred  prometheus.Counter
	durableDead      *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer, b *Broker) *metrics {
	c := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: "wsgw", Subsystem: "wsn", Name: name, Help: help})
	}
	m := &metrics{
		reg:           reg,
		notifications: c("notifications_received_total", "NotificationMessages received by Notify."),
		unsupported:   c("notifications_unsupported_topic_total", "NotificationMessages dropped: topic not in the topic set."),
		subscribes:    c("subscriptions_created_total", "Subscriptions created."),
		expired:       c("subscriptions_expired_total", "Subscriptions removed at their termination time."),
		delivered:     c("deliveries_total", "Messages delivered to consumers."),
		failed:        c("delivery_attempts_failed_total", "Failed delivery attempts (each retried or dead-lettered)."),
		dropped:       c("messages_dropped_total", "Messages dropped at a full consumer queue or pull point."),
		dead:          c("dead_letters_total", "Messages dead-lettered (given up), durable ones included."),
		directSent:    c("direct_sent_total", "NotificationMessages the broker multicast on a direct channel."),
		directFallback: c("direct_fallback_total",
			"NotificationMessages of a topic with a channel the broker could not send on it: delivered over HTTP to its direct subscribers."),
		directLogged:    c("direct_logged_total", "Notifications a publisher's agent sent on a channel and forwarded to the broker (logged, delivered to HTTP subscribers)."),
		directRecovered: c("direct_recovered_total", "Notifications put into a direct subscriber's pull point by Recover."),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "wsgw", Subsystem: "wsn", Name: "delivery_duration_seconds",
			Help:    "Time of one delivery attempt to a consumer (a POST of a batch, or a durable delivery over WS-RM until acknowledged), failed ones included.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}),

		durableQueued:    c("durable_enqueued_total", "Deliveries stored in durable subscriptions' queues."),
		durableDelivered: c("durable_delivered_total", "Durable deliveries acknowledged by their consumers."),
		durableDeferred:  c("durable_deferred_total", "Durable deliveries held back, unattempted, because their caller's subscriptions held their share of the workers."),
		durableDead: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "wsgw", Subsystem: "wsn",
			Name: "durable_dead_letters_total", Help: "Durable deliveries given up, by reason (overflow, expired, max attempts, too large)."}, []string{"reason"}),
	}
	subs := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "wsgw", Subsystem: "wsn", Name: "subscriptions", Help: "Live subscriptions."},
		func() float64 { b.mu.RLock(); defer b.mu.RUnlock(); return float64(len(b.subs)) })
	channels := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "wsgw", Subsystem: "wsn", Name: "direct_channels", Help: "Direct channels."},
		func() float64 { b.mu.RLock(); defer b.mu.RUnlock(); return float64(len(b.channels)) })
	m.cs = []prometheus.Collector{m.notifications, m.unsupported, m.subscribes, m.expired, m.delivered, m.failed, m.dropped, m.dead, m.latency, subs,
		m.durableQueued, m.durableDelivered, m.durableDeferred, m.durableDead,
		m.directSent, m.directFallback, m.directLogged, m.directRecovered, channels, newDirectCollector(b)}
	if reg != nil {
		for _, col := range m.cs {
			reg.MustRegister(col)
		}
	}
	return m
}

func (m *metrics) unregister() {
	if m.reg == nil {
		return
	}
	for _, c := range m.cs {
		m.reg.Unregister(c)
	}
}
