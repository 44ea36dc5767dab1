package wsnotify

import (
	"context"
	"sort"
)

// Stats is a snapshot of the broker's live resources, for an operator's
// page; its counters (notifications, deliveries, dead letters) are in its
// metrics.
type Stats struct {
	Subscriptions int // live subscriptions
	Paused        int // of which paused
	PullPoints    int
	Registrations int // publisher registrations
	// Queues are the subscriptions' delivery queues (pull-point
	// subscriptions have none: their messages are stored in the pull
	// point); Queued the notifications waiting in them, durable ones
	// included.
	Queues, Queued int
	// Durable counts the durable subscriptions; DurableQueued the
	// notifications their queues keep.
	Durable, DurableQueued int
	// Topics counts the subscriptions by topic filter, ordered by Filter.
	Topics []TopicStats
}

// TopicStats counts the subscriptions with one topic filter.
type TopicStats struct {
	// Filter is the topic the filter names, "{namespace}root/child", when
	// it names exactly one; else the expression as the subscriber wrote it
	// (its prefixes, its dialect); "" for subscriptions without a topic
	// filter.
	Filter        string
	Subscriptions int
	Paused        int
	Queued        int // notifications waiting in their delivery queues
}

// Stats counts the broker's resources. It holds the broker's read lock
// while it counts subscriptions, and the delivery queues' lock for each
// queue's length after, never both.
func (b *Broker) Stats() Stats {
	type sub struct {
		id, filter             string
		paused, queue, durable bool
	}
	b.mu.RLock()
	st := Stats{Subscriptions: len(b.subs), PullPoints: len(b.pps), Registrations: len(b.regs)}
	subs := make([]sub, 0, len(b.subs))
	for id, s := range b.subs {
		subs = append(subs, sub{id: id, filter: topicFilter(s), paused: s.rec.Paused, queue: s.rec.PullPoint == "", durable: s.durable != nil})
	}
	b.mu.RUnlock()

	byFilter := map[string]*TopicStats{}
	for _, s := range subs {
		ts := byFilter[s.filter]
		if ts == nil {
			ts = &TopicStats{Filter: s.filter}
			byFilter[s.filter] = ts
		}
		ts.Subscriptions++
		if s.paused {
			ts.Paused++
			st.Paused++
		}
		if s.queue {
			n := b.disp.Len(s.id)
			if s.durable {
				gi, _ := b.queue.Group(context.Background(), s.id) // (choice) a failed read counts nothing
				n = gi.Messages
				st.Durable++
				st.DurableQueued += n
			}
			ts.Queued += n
			st.Queued += n
			st.Queues++
		}
	}
	for _, ts := range byFilter {
		st.Topics = append(st.Topics, *ts)
	}
	sort.Slice(st.Topics, func(i, j int) bool { return st.Topics[i].Filter < st.Topics[j].Filter })
	return st
}

// topicFilter is s's TopicStats.Filter.
func topicFilter(s *subscription) string {
	if s.topic == nil {
		return ""
	}
	if p, ok := s.topic.Topic(); ok {
		return p.String()
	}
	return s.topic.String()
}
