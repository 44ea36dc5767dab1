package gateway

import (
	"fmt"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// The admin page's sections, each built from the gathered families
// (metric names as in metrics.go, reliable.go and wsnotify's metrics).

// adminView builds a snapshot of the page's figures.
func (g *Gateway) adminView() *adminView {
	f, err := gatherFamilies(g.reg)
	if err != nil {
		g.log.Warn("admin: gathering metrics", "err", err) // what did gather is shown
	}
	b := newViewBuilder(f, time.Now())
	b.v.Sections = []viewSection{b.services(g), b.stages(g), b.broker(g), b.reliable(g)}
	return b.v
}

// services: per service, its request rate and latency, its replicas'
// state and its requests by outcome.
func (b *viewBuilder) services(g *Gateway) viewSection {
	sec := viewSection{ID: "services", Title: "Services", Note: "No service is configured."}
	for _, s := range g.services {
		name := s.cfg.Name
		id := "svc/" + name
		svc := labels{"service", name}
		card := &viewCard{Title: name, Sub: serviceShape(s)}

		rate := b.chart(id+"/rate", "Requests per second", chartRate, "", "all", "not ok")
		total := b.f.sum("wsgw_requests_total", svc)
		rate.Values = []float64{total, total - b.f.sum("wsgw_requests_total", labels{"service", name, "outcome", outcomeOK})}
		lat := b.chart(id+"/latency", "Latency", chartLatency, "s", "p50", "p95")
		lat.Hist = b.f.histogram("wsgw_request_duration_seconds", svc)
		card.Charts = []*viewChart{rate, lat}

		reps := b.table(id+"/replicas", "Replicas", "No replica.",
			"Partition", "Replica", "Health", "Ejected", "Breaker", "#In flight")
		for _, p := range s.cluster.Partitions() {
			for _, r := range p.Replicas() {
				rl := labels{"service", name, "partition", p.Name(), "replica", r.Name()}
				healthy := b.f.sum("wsgw_replica_healthy", rl) == 1
				ejected := b.f.sum("wsgw_replica_ejected", rl) == 1
				breaker := "closed"
				b.f.each("wsgw_replica_breaker_state", rl, func(m *dto.Metric) {
					if metricValue(m) == 1 {
						breaker = labelValue(m, "state")
					}
				})
				reps.add(p.Name()+"/"+r.Name(), cellText(p.Name()), cellText(r.Name()),
					cellState(pick(healthy, "healthy", "unhealthy"), classIf(!healthy, "bad")),
					cellState(pick(ejected, "yes", "no"), classIf(ejected, "bad")),
					cellState(breaker, breakerClass(breaker)),
					cellNum(b.f.sum("wsgw_replica_in_flight", rl)))
			}
		}

		outcomes := b.table(id+"/outcomes", "Requests since start", "No request yet.", "Outcome", "#Requests")
		byOutcome := map[string]float64{}
		b.f.each("wsgw_requests_total", svc, func(m *dto.Metric) { byOutcome[labelValue(m, "outcome")] += metricValue(m) })
		for _, o := range sortedKeys(byOutcome) {
			outcomes.add(o, cellState(o, classIf(o != outcomeOK, "warn")), cellNum(byOutcome[o]))
		}
		card.Tables = []*viewTable{reps, outcomes}
		sec.Cards = append(sec.Cards, card)
	}
	return sec
}

// serviceShape says how a service is deployed: "2 partitions × 2
// replicas, reliable".
func serviceShape(s *service) string {
	parts := s.cluster.Partitions()
	reps := 0
	for _, p := range parts {
		reps += len(p.Replicas())
	}
	shape := fmt.Sprintf("%d %s, %d %s", len(parts), plural(len(parts), "partition"), reps, plural(reps, "replica"))
	if s.cfg.Reliable != nil {
		shape += ", reliable"
	}
	return shape
}

// stages: the read stage and every dispatch stage, with their admission
// rates and queues.
func (b *viewBuilder) stages(g *Gateway) viewSection {
	var names []string
	for _, st := range g.stages {
		names = append(names, st.Name())
	}
	card := &viewCard{Title: "Stages", Sub: "the read stage, each partition's dispatch stage, the reliable and broker stages"}
	rate := b.chart("stages/rate", "Admitted and refused per second, all stages", chartRate, "", "admitted", "refused")
	depth := b.chart("stages/depth", "Queued and running, all stages", chartGauge, "", "queued", "running")
	t := b.table("stages", "Stages", "No stage.", "Stage", "#Queued", "#Running", "#Admitted", "#Refused")
	var admitted, refused, queued, running float64
	for _, n := range names {
		st := labels{"stage", n}
		q, r := b.f.sum("wsgw_stage_queued", st), b.f.sum("wsgw_stage_running", st)
		a, x := b.f.sum("wsgw_stage_admitted_total", st), b.f.sum("wsgw_stage_rejected_total", st)
		admitted, refused, queued, running = admitted+a, refused+x, queued+q, running+r
		refusedCell := cellNum(x)
		if x > 0 {
			refusedCell.Class += " warn"
		}
		t.add(n, cellText(n), cellNum(q), cellNum(r), cellNum(a), refusedCell)
	}
	rate.Values = []float64{admitted, refused}
	depth.Values = []float64{queued, running}
	card.Charts = []*viewChart{rate, depth}
	card.Tables = []*viewTable{t}
	return viewSection{ID: "stages", Title: "Stages", Cards: []*viewCard{card}}
}

// broker: notifications in and out, delivery latency, the broker's
// resources and its subscriptions by topic filter.
func (b *viewBuilder) broker(g *Gateway) viewSection {
	sec := viewSection{ID: "broker", Title: "Broker", Note: "This gateway hosts no WS-Notification broker."}
	if g.broker == nil {
		return sec
	}
	st := g.broker.Stats()
	wsn := func(name string) float64 { return b.f.sum("wsgw_wsn_"+name, nil) }
	card := &viewCard{Title: "WS-Notification broker", Sub: "/wsn/NotificationBroker"}
	rate := b.chart("broker/rate", "Notifications per second", chartRate, "", "received", "delivered", "failed")
	rate.Values = []float64{wsn("notifications_received_total"), wsn("deliveries_total"), wsn("delivery_attempts_failed_total")}
	lat := b.chart("broker/latency", "Delivery latency", chartLatency, "s", "p50", "p95")
	lat.Hist = b.f.histogram("wsgw_wsn_delivery_duration_seconds", nil)
	card.Charts = []*viewChart{rate, lat}

	res := b.table("broker/resources", "Resources", "", "", "#")
	res.kv("subscriptions", cellNum(wsn("subscriptions")))
	res.kv("paused", cellNum(float64(st.Paused)))
	res.kv("pull points", cellNum(float64(st.PullPoints)))
	res.kv("publisher registrations", cellNum(float64(st.Registrations)))
	res.kv("delivery queues", cellNum(float64(st.Queues)))
	res.kv("notifications queued", cellNum(float64(st.Queued)))
	totals := b.table("broker/totals", "Since start", "", "", "#")
	totals.kv("received", cellNum(wsn("notifications_received_total")))
	totals.kv("delivered", cellNum(wsn("deliveries_total")))
	totals.kv("failed attempts", cellNum(wsn("delivery_attempts_failed_total")))
	dropped := cellNum(wsn("messages_dropped_total"))
	totals.kv("dropped at a full queue", dropped)
	dead := cellNum(wsn("dead_letters_total"))
	if dead.Text != "0" {
		dead.Class += " bad"
	}
	totals.kv("dead-lettered", dead)

	topics := b.table("broker/topics", "Subscriptions by topic filter", "No subscription.",
		"Topic filter", "#Subscriptions", "#Paused", "#Queued")
	topics.Wide = true
	for _, ts := range st.Topics {
		filter := ts.Filter
		if filter == "" {
			filter = "(no topic filter)"
		}
		topics.add(filter, cellText(filter), cellNum(float64(ts.Subscriptions)), cellNum(float64(ts.Paused)), cellNum(float64(ts.Queued)))
	}
	card.Tables = []*viewTable{res, totals, topics}
	sec.Cards = []*viewCard{card}
	return sec
}

func breakerClass(s string) string {
	switch s {
	case "open":
		return "bad"
	case "half-open":
		return "warn"
	}
	return "ok"
}

func pick(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
