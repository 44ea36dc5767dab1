package gateway

import "github.com/wsgw/wsgw/storage/natsstore"

// With Options.Cluster the broker's state is in NATS JetStream under the
// prefix brokerNATSPrefix (storage/natsstore), shared by every node of the
// cluster; each node follows it, takes the delivery shards JetStream pins
// to it, and one node at a time runs demand-based publishing
// (wsnotify.Shared). The node's status is refreshed by Run and reported by
// /readyz and /metrics (natsnode.Node.Collectors).

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
