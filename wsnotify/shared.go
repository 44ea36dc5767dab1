package wsnotify

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"

	"github.com/wsgw/wsgw/storage"
	"github.com/wsgw/wsgw/wsnotify/delivery"
)

// Several gateway nodes can share one broker: the same Store (NATS
// JetStream, storage/natsstore) and Options.Shared. Each node then
//
//   - follows the store (follow.go): it watches subscriptions, pull points
//     and registrations and keeps its own memory and topic index in step
//     with what other nodes write, so that a Notify at any node matches
//     every subscription;
//   - hands push deliveries off (Handoff): the node that matches a Notify
//     stores, per delivery shard, one work item naming the subscriptions
//     and the message, and answers once the items are stored; the one node
//     that owns a shard at a time takes the items and queues them for
//     delivery. A subscription's deliveries are therefore made by one node
//     at a time, and a consumer receives each notification once whatever
//     the number of nodes;
//   - leaves demand-based publishing (subscribing to publishers, ending
//     orphaned publisher subscriptions) to one node, the Leader.
//
// Pull points, their messages and current messages are in the store and
// need nothing more: any node serves them.

// Shared is what a broker sharing its store with other nodes needs.
type Shared struct {
	Handoff Handoff
	Leader  Leader
}

// Handoff is a sharded work queue whose each shard is taken by one node at
// a time.
type Handoff interface {
	// Shards is the number of shards; the same on every node.
	Shards() int
	// Hand stores each item for its shard's owner and returns once all are
	// stored (synced, replicated).
	Hand(ctx context.Context, items ...storage.Work) error
	// Take calls fn with the items of the shards this node owns, one at a
	// time, until ctx ends; an item is taken when fn returns. Ownership
	// moves to another node when this one stops taking (it died, or lost
	// its quorum); an item handed to a node that died before fn returned
	// is taken again elsewhere.
	Take(ctx context.Context, fn func(storage.Work)) error
}

// Leader says whether this node is, for now, the one that runs the
// broker's duties that one node must run.
type Leader interface {
	// Lead reports whether this node holds the lead, taking or keeping it
	// when it can. Called at least every few seconds while it holds it.
	Lead(ctx context.Context) (bool, error)
}

// handedWork is a work item: one message for subscriptions of one shard.
type handedWork struct {
	Subs    []string `json:"s"`
	Wrapped []byte   `json:"w"`
	Payload []byte   `json:"p"`
}

// maxSubsPerWork bounds the subscriptions one work item names (the item's
// size: 33 bytes an id).
const maxSubsPerWork = 1000

// shardOf is subscription id's delivery shard.
func shardOf(id string, shards int) int {
	h := fnv.New32a()
	h.Write([]byte(id)) //nolint:errcheck // never fails
	return int(h.Sum32() % uint32(shards))
}

// handoffBatch collects the push deliveries of one Notify by shard.
type handoffBatch struct {
	items []storage.Work
	open  map[int]*handedWork // shard -> the item being filled for the current message
}

// add names subscription id for message m (the messages of one batch are
// added one after the other: next starts a new message).
func (hb *handoffBatch) add(id string, m *delivery.Msg, shards int) {
	s := shardOf(id, shards)
	if hb.open == nil {
		hb.open = map[int]*handedWork{}
	}
	w := hb.open[s]
	if w == nil || len(w.Subs) == maxSubsPerWork {
		if w != nil {
			hb.close(s, w)
		}
		w = &handedWork{Wrapped: m.Wrapped, Payload: m.Payload}
		hb.open[s] = w
	}
	w.Subs = append(w.Subs, id)
}

// next closes the current message's items.
func (hb *handoffBatch) next() {
	for s, w := range hb.open {
		hb.close(s, w)
	}
	clear(hb.open)
}

func (hb *handoffBatch) close(shard int, w *handedWork) {
	v, _ := json.Marshal(w) // of strings and bytes: never fails
	hb.items = append(hb.items, storage.Work{Shard: shard, Value: v})
}

// take queues a work item's deliveries; it is the Handoff's fn. A
// subscription this node has not seen yet (made at another node a moment
// ago) is loaded from the store first.
func (b *Broker) take(ctx context.Context, it storage.Work) {
	var w handedWork
	if err := json.Unmarshal(it.Value, &w); err != nil {
		b.log.Error("wsnotify: dropping an unreadable handed delivery", "shard", it.Shard, "err", err)
		return
	}
	m := &delivery.Msg{Wrapped: w.Wrapped, Payload: w.Payload}
	for _, id := range w.Subs {
		b.mu.RLock()
		_, known := b.subs[id]
		b.mu.RUnlock()
		if !known {
			if err := b.reloadSub(ctx, id); err != nil {
				b.log.Error("wsnotify: loading a subscription for a handed delivery", "id", id, "err", err)
			}
		}
		b.disp.Enqueue(id, m) // gone meanwhile: nothing to deliver to
	}
}

// runTake takes handed deliveries until ctx ends, starting again after an
// error (no quorum, say) once a second.
func (b *Broker) runTake(ctx context.Context) {
	retry(ctx, "taking handed deliveries", b.log, func() error {
		return b.cluster.Handoff.Take(ctx, func(it storage.Work) { b.take(ctx, it) })
	})
}

// hand stores the push deliveries of hb.
func (b *Broker) hand(ctx context.Context, hb *handoffBatch) error {
	hb.next()
	if len(hb.items) == 0 {
		return nil
	}
	if err := b.cluster.Handoff.Hand(ctx, hb.items...); err != nil {
		return fmt.Errorf("handing deliveries off: %w", err)
	}
	return nil
}
