package gateway

import (
	"context"
	"log/slog"
	"time"

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
	return natsstore.OpenReliable(ctx, g.node.Conn(), natsstore.ReliableOptions{
		Service: cfg.Name, Node: g.node.Name(), Replicas: g.node.Replicas(),
		Queue: cfg.QueueOptions(now), ReplyTTL: cfg.ReplyTTL, Logger: log.Warn, // it logs failures only
	})
}
