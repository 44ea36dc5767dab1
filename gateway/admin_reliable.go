package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
	"unicode/utf8"
)

// adminReadTimeout bounds the admin page's wait for a part that answers
// from its own goroutine (a queue's committer, a driver's loop).
const adminReadTimeout = time.Second

// reliable: per reliable service, its queue (depth, oldest waiting, dead
// letters), delivery rates and its inbound sequences and groups.
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
		queue := b.chart(id+"/queue", "Waiting for delivery", chartGauge, "", "messages")
		queue.Values = []float64{rel("queue_depth")}
		age := b.chart(id+"/age", "Oldest waiting", chartGauge, "s", "age")
		age.Values = []float64{rel("oldest_age_seconds")}
		card.Charts = []*viewChart{rate, queue, age}

		q := b.table(id+"/queue", "Queue", "", "", "#")
		q.kv("waiting for delivery", cellNum(rel("queue_depth")))
		q.kv("oldest waiting", cellSeconds(rel("oldest_age_seconds")))
		dead := cellNum(rel("dead_letters"))
		if dead.Text != "0" {
			dead.Class += " bad"
		}
		q.kv("dead letters", dead)
		t := b.table(id+"/totals", "Since start", "", "", "#")
		t.kv("accepted", cellNum(rel("accepted_total")))
		t.kv("delivered", cellNum(rel("delivered_total")))
		t.kv("redelivered", cellNum(rel("redelivered_total")))
		t.kv("dead-lettered", cellNum(rel("dead_lettered_total")))
		card.Tables = []*viewTable{q, t, b.sequences(g, name)}
		sec.Cards = append(sec.Cards, card)
	}
	return sec
}

// sequences is the table of the inbound sequences and groups of reliable
// service name, as its driver's engine holds them.
func (b *viewBuilder) sequences(g *Gateway, name string) *viewTable {
	t := b.table("rel/"+name+"/sequences", "Sequences and groups", "No sequence or group.",
		"Identifier", "Protocol", "State", "#Received", "#Highest", "#Gaps", "#Held", "#Idle", "#Expires in")
	t.Wide = true
	ctx, cancel := context.WithTimeout(context.Background(), adminReadTimeout)
	defer cancel()
	groups, total, err := g.rel.byName[name].Groups(ctx, maxTableRows)
	if err != nil {
		t.Empty = "Not available: " + err.Error()
		return t
	}
	now := g.rel.now()
	for _, gr := range groups {
		expires := cellState("never", "num")
		if !gr.Expires.IsZero() {
			expires = cellSeconds(gr.Expires.Sub(now).Seconds())
		}
		stateClass := "ok"
		if gr.State != "open" {
			stateClass = ""
		}
		gaps := cellNum(float64(gr.Gaps))
		if gr.Gaps > 0 {
			gaps.Class += " warn"
		}
		t.add(rowKeyOf(gr.ID), cellText(shownID(gr.ID)), cellText(gr.Proto.String()), cellState(gr.State, stateClass),
			cellNum(float64(gr.Received)), cellNum(float64(gr.Highest)), gaps, cellNum(float64(gr.Held)),
			cellSeconds(now.Sub(gr.LastActive).Seconds()), expires)
	}
	t.More = total - len(t.Rows)
	return t
}

// maxShownID bounds the characters of an identifier the page shows.
const maxShownID = 16

// shownID is how the page shows a sequence or group identifier: its
// beginning, at most half of it and maxShownID characters, enough to tell
// sequences apart and find one in a client's log, never the whole
// (choice). A WS-RM sequence identifier is all a stranger needs to send
// into the sequence (its owner's next messages are then dropped as
// duplicates), close or terminate it, and without an admin token the page
// is open to whoever reaches the gateway.
func shownID(id string) string {
	keep := min(maxShownID, utf8.RuneCountInString(id)/2)
	i := 0
	for range keep {
		_, n := utf8.DecodeRuneInString(id[i:])
		i += n
	}
	return id[:i] + "…"
}

// rowKeyOf keys the row of identifier id: a digest, stable across
// snapshots for the page's script, that does not give id back.
func rowKeyOf(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:8])
}
