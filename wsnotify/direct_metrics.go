package wsnotify

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wsgw/wsgw/wsnotify/direct"
	"github.com/wsgw/wsgw/wsnotify/direct/driver"
)

// directCollector exposes the engine counters of the broker's own senders
// of its direct channels (direct_send.go), by topic: what the storm cap
// bounds (data, repair and control bytes), the NAKs heard and ignored,
// repairs, demotions, and each receiver's loss as the sender measures it
// (NAKed sequences per sequence sent, over the last full interval). A
// sender started again (its channel restarted) counts from zero.
type directCollector struct {
	b     *Broker
	descs map[string]*prometheus.Desc
	loss  *prometheus.Desc
	naks  *prometheus.Desc
	demot *prometheus.Desc
}

// directCounters are the per-channel counters: name, help, value.
var directCounters = []struct {
	name, help string
	value      func(m *direct.SenderMetrics) int64
}{
	{"direct_data_bytes_total", "Bytes of data datagrams the broker sent on the channel (every copy of a unicast fan-out).", func(m *direct.SenderMetrics) int64 { return m.DataBytes }},
	{"direct_repair_bytes_total", "Bytes of repair datagrams the broker sent on the channel.", func(m *direct.SenderMetrics) int64 { return m.RepairBytes }},
	{"direct_control_bytes_total", "Bytes of heartbeats, NCFs and demotions the broker sent on the channel.", func(m *direct.SenderMetrics) int64 { return m.ControlBytes }},
	{"direct_naks_received_total", "NAKs the broker's sender of the channel received.", func(m *direct.SenderMetrics) int64 { return m.NAKsReceived }},
	{"direct_naks_ignored_total", "NAKs ignored: from demoted or untracked receivers.", func(m *direct.SenderMetrics) int64 { return m.NAKsIgnored }},
	{"direct_naks_aggregated_total", "Sequence requests folded into a repair already coming, or within a repair's linger.", func(m *direct.SenderMetrics) int64 { return m.NAKsAggregated + m.NAKsLingered }},
	{"direct_repairs_total", "Repairs started.", func(m *direct.SenderMetrics) int64 { return m.RepairRequests }},
	{"direct_repairs_dropped_total", "Repairs dropped: the repair queue's bound, or out of the window.", func(m *direct.SenderMetrics) int64 { return m.RepairsDropped }},
	{"direct_demotions_total", "Receivers demoted (their NAKs ignored for a while: they recover over HTTP).", func(m *direct.SenderMetrics) int64 { return m.Demotions }},
	{"direct_queue_full_total", "Notifications the channel's send queue refused (delivered over HTTP instead).", func(m *direct.SenderMetrics) int64 { return m.QueueFull }},
}

func newDirectCollector(b *Broker) *directCollector {
	c := &directCollector{b: b, descs: map[string]*prometheus.Desc{}}
	for _, d := range directCounters {
		c.descs[d.name] = prometheus.NewDesc("wsgw_wsn_"+d.name, d.help, []string{"topic"}, nil)
	}
	c.loss = prometheus.NewDesc("wsgw_wsn_direct_receiver_loss", "A receiver's loss as the broker's sender measures it: NAKed sequences per sequence sent, over the last full interval.", []string{"topic", "receiver"}, nil)
	c.naks = prometheus.NewDesc("wsgw_wsn_direct_receiver_naks_total", "NAKs from one receiver.", []string{"topic", "receiver"}, nil)
	c.demot = prometheus.NewDesc("wsgw_wsn_direct_receiver_demoted", "1 while a receiver is demoted.", []string{"topic", "receiver"}, nil)
	return c
}

func (c *directCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
	ch <- c.loss
	ch <- c.naks
	ch <- c.demot
}

func (c *directCollector) Collect(ch chan<- prometheus.Metric) {
	type running struct {
		topic string
		s     *driver.Sender
	}
	var rs []running
	c.b.mu.RLock()
	for t, chn := range c.b.channels {
		if chn.sender != nil {
			rs = append(rs, running{t, chn.sender})
		}
	}
	c.b.mu.RUnlock()
	for _, r := range rs {
		m, _ := r.s.Metrics()
		for _, d := range directCounters {
			ch <- prometheus.MustNewConstMetric(c.descs[d.name], prometheus.CounterValue, float64(d.value(&m)), r.topic)
		}
		for addr, p := range m.Receivers {
			ch <- prometheus.MustNewConstMetric(c.loss, prometheus.GaugeValue, p.Loss, r.topic, addr)
			ch <- prometheus.MustNewConstMetric(c.naks, prometheus.CounterValue, float64(p.NAKs), r.topic, addr)
			demoted := 0.0
			if p.Demoted {
				demoted = 1
			}
			ch <- prometheus.MustNewConstMetric(c.demot, prometheus.GaugeValue, demoted, r.topic, addr)
		}
	}
}
