package gateway

import (
	"cmp"
	"context"
	"log/slog"
	"time"

	"github.com/wsgw/wsgw/internal/fielderr"
	"github.com/wsgw/wsgw/storage/natsstore"
	"github.com/wsgw/wsgw/wsreliable/driver"
)

// With Options.Cluster the broker's state is in NATS JetStream under the
// prefix brokerNATSPrefix (storage/natsstore), shared by every node of the
// cluster; each node follows it, takes the delivery shards JetStream pins
// to it, and one node at a time runs demand-based publishing
// (wsnotify.Shared). The node's status is refreshed by Run and reported by
// /readyz and /metrics (natsnode.Node.Collectors).

// A reliable service's state is there too (natsstore.Reliable): its
// engine records in a KV bucket written with compare-and-set, its
// deliveries in a work-queue stream de-duplicated by delivery ID, its dead
// letters in a stream of their own; every node running the service shares
// them, each holding some of the service's shards (driver.Cluster).
// Without Options.Cluster both stay on the node's badger.

// brokerNATSPrefix names the broker's buckets and streams.
const brokerNATSPrefix = "wsn"

// sharedBrokerStore is the broker's store on the node's JetStream, with
// the node's replicas; every node of a cluster uses the same prefix and
// shard count.
func (g *Gateway) sharedBrokerStore() (*natsstore.BrokerStore, error) {
	return natsstore.NewBroker(g.node.JetStream(), natsstore.Options{
		Prefix: brokerNATSPrefix, Replicas: g.node.Replicas(), Node: g.node.Name(),
	})
}

// sharedReliableStore opens the store of the reliable service named by
// cfg on the node's JetStream, with the node's replicas; it is also the
// driver's driver.Cluster.
func (g *Gateway) sharedReliableStore(ctx context.Context, cfg driver.Config, now func() time.Time, log *slog.Logger) (*natsstore.Reliable, error) {
	t := g.cfg.ClusterReliable
	return natsstore.OpenReliable(ctx, g.node.Conn(), natsstore.ReliableOptions{
		Service: cfg.Name, Node: g.node.Name(), Replicas: g.node.Replicas(),
		Queue: cfg.QueueOptions(now), ReplyTTL: cfg.ReplyTTL, Logger: log.Warn, // it logs failures only
		Shards: t.Shards, Heartbeat: t.Heartbeat, NodeTTL: t.NodeTimeout, AckWait: t.Lease,
	})
}

// ClusterTimings tune how the nodes of a cluster share a reliable
// service's work (natsstore.Reliable); zero fields take its defaults. A
// dead node's sequences are taken over after NodeTimeout, its leased
// deliveries after Lease: shorter is a faster takeover and more traffic
// (heartbeats, lease extensions every Lease/3).
type ClusterTimings struct {
	// Shards is the number of shards each service's sequences and
	// deliveries are split into, 1 to 1024; default 16. Every node must
	// use the same: a store made with another number is refused.
	Shards int
	// Heartbeat is how often a node says it is alive (default 1s);
	// NodeTimeout how long one that said nothing is taken for alive
	// (default 4s, at least two heartbeats).
	Heartbeat, NodeTimeout time.Duration
	// Lease is how long a delivery stays with a node that stopped
	// extending it (default 5s, at least 1s).
	Lease time.Duration
}

// maxShards bounds ClusterTimings.Shards (choice: each shard is a
// consumer per node and a key range to take over).
const maxShards = 1024

// validate reports c's problems at path, in field order.
func (c ClusterTimings) validate(l *fielderr.List, path fielderr.Path) {
	switch {
	case c.Shards < 0:
		l.Add(path.Field("Shards"), "negative")
	case c.Shards > maxShards:
		l.Add(path.Field("Shards"), "%d: at most %d", c.Shards, maxShards)
	}
	if c.Heartbeat < 0 {
		l.Add(path.Field("Heartbeat"), "negative")
	}
	hb := cmp.Or(max(c.Heartbeat, 0), natsstore.DefaultHeartbeat)
	switch {
	case c.NodeTimeout < 0:
		l.Add(path.Field("NodeTimeout"), "negative")
	case cmp.Or(c.NodeTimeout, natsstore.DefaultNodeTTL) < 2*hb:
		l.Add(path.Field("NodeTimeout"), "%v: at least two heartbeats (%v), or a live node is taken for dead", cmp.Or(c.NodeTimeout, natsstore.DefaultNodeTTL), 2*hb)
	}
	switch {
	case c.Lease < 0:
		l.Add(path.Field("Lease"), "negative")
	case c.Lease > 0 && c.Lease < time.Second:
		l.Add(path.Field("Lease"), "%v: at least 1s", c.Lease)
	}
}
