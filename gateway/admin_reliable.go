package gateway

// reliable: per reliable service, its queue (depth, oldest waiting, dead
// letters) and delivery rates.
func (b *viewBuilder) reliable(g *Gateway) viewSection {
	sec := viewSection{ID: "reliable", Title: "Reliable messaging", Note: "No service is reliable."}
	for _, s := range g.services {
		if s.cfg.Reliable == nil {
			continue
		}
		name := s.cfg.Name
		id := "rel/" + name
		svc := labels{"service", name}
		rel := func(metric string) float64 { return b.f.sum("wsgw_reliable_"+metric, svc) }
		card := &viewCard{Title: name, Sub: "stored, acknowledged, then delivered to the cluster"}

		rate := b.chart(id+"/rate", "Messages per second", chartRate, "", "accepted", "delivered", "redelivered")
		rate.Values = []float64{rel("accepted_total"), rel("delivered_total"), rel("redelivered_total")}
		queue := b.chart(id+"/queue", "Waiting for delivery", chartGauge, "", "depth")
		queue.Values = []float64{rel("queue_depth")}
		card.Charts = []*viewChart{rate, queue}

		t := b.table(id+"/queue", "Queue and counters", "", "", "#")
		t.kv("waiting for delivery", cellNum(rel("queue_depth")))
		dead := cellNum(rel("dead_letters"))
		if dead.Text != "0" {
			dead.Class += " bad"
		}
		t.kv("dead letters", dead)
		t.kv("accepted", cellNum(rel("accepted_total")))
		t.kv("delivered", cellNum(rel("delivered_total")))
		t.kv("redelivered", cellNum(rel("redelivered_total")))
		t.kv("dead-lettered", cellNum(rel("dead_lettered_total")))
		t.kv("duplicates dropped", cellNum(rel("duplicates_total")))
		card.Tables = []*viewTable{t}
		sec.Cards = append(sec.Cards, card)
	}
	return sec
}
