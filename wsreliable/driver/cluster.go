package driver

import (
	"context"
	"errors"
	"hash/fnv"
	"net/http"

	"github.com/wsgw/wsgw/wsreliable"
)

// Several nodes may run one service (doc.go, "Several nodes"): its state
// is split into shards, each held by one node at a time, and the nodes
// share one Store. Options.Cluster is what the driver needs for that
// besides the Store (storage/natsstore implements both on NATS
// JetStream); without it the driver holds everything, as on one node.

// Cluster is the service's place among the nodes that run it.
type Cluster interface {
	Membership
	Shards
	Forwarder
}

// Membership says which nodes are alive and which holds each shard.
type Membership interface {
	// Node names this node (the same name across its restarts).
	Node() string
	// Run writes this node's heartbeat and follows the other nodes' and
	// the shards' holders until ctx ends; then it withdraws the
	// heartbeat, so that the others take over at once.
	Run(ctx context.Context) error
	// View returns what Run last saw, and a channel closed when it
	// changes.
	View() (View, <-chan struct{})
	// Available returns nil while this node's writes are taken (its
	// heartbeat is written: it reaches a quorum), else why not.
	Available() error
}

// View is a node's view of the cluster.
type View struct {
	// Live are the nodes whose heartbeats are current, sorted; this node
	// is among them while it writes its own.
	Live []string
	// Holders is the node holding each shard, "" when none does.
	Holders []string
}

// Shards are the parts of the service's state that move between nodes.
type Shards interface {
	// Shards is the number of shards (the same on every node).
	Shards() int
	// ShardOf returns the shard of a name: a Record.Scope (an inbound
	// group, an outbound sequence's Key) or a delivery's queue group.
	ShardOf(name string) int
	// ShardScope returns a scope ShardOf maps to shard s: the Key of the
	// outbound sequences that carry the deliveries of shard s.
	ShardScope(s int) string
	// Claim makes this node the holder of shard s if its holder is still
	// prev; it reports false when another node changed it first.
	Claim(ctx context.Context, s int, prev string) (bool, error)
	// ShardRecords returns the engine records of shard s, which this node
	// holds. (Journal.Records returns this node's own records and those of
	// the shards it holds.)
	ShardRecords(ctx context.Context, s int) ([]wsreliable.Record, error)
	// OpenShard lets Queue.Lease hand out the deliveries of shard s;
	// CloseShard stops it (what is leased stays so until settled).
	OpenShard(s int)
	CloseShard(s int)
	// Release gives shard s up (its holder becomes "").
	Release(ctx context.Context, s int) error
}

// Forwarder carries a request to the node holding its sequence.
type Forwarder interface {
	// Forward sends req to node and returns its answer.
	Forward(ctx context.Context, node string, req HTTPMessage) (HTTPMessage, error)
	// Serve answers the requests forwarded to this node with fn until
	// ctx ends.
	Serve(ctx context.Context, fn func(context.Context, HTTPMessage) HTTPMessage) error
}

// HTTPMessage is a request or an answer carried between nodes.
type HTTPMessage struct {
	Status int // answers only
	Header http.Header
	Body   []byte
}

// Rendezvous returns the node of live that shard s belongs on: the one
// with the highest hash of (node, shard), ties to the lower name
// (rendezvous hashing, Thaler and Ravishankar 1998). "" when live is
// empty. Every node computing it over the same live nodes gets the same
// answer, and a node joining or leaving moves only the shards it takes or
// gives up.
func Rendezvous(live []string, s int) string {
	best, bestScore := "", uint64(0)
	for _, n := range live {
		h := fnv.New64a()
		h.Write([]byte(n))
		h.Write([]byte{0, byte(s), byte(s >> 8), byte(s >> 16), byte(s >> 24)})
		// fnv's last bytes barely reach the high bits: finish with a mix
		// (splitmix64's) so that nearby shards spread over the nodes.
		score := mix64(h.Sum64())
		if best == "" || score > bestScore || score == bestScore && n < best {
			best, bestScore = n, score
		}
	}
	return best
}

func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// errMoved refuses a request for a sequence whose shard this node does
// not hold (any more, or yet): the client retries, and finds its holder.
var errMoved = errors.New("the sequence is moving between nodes")

// errUnavailable refuses a request while the store takes no writes.
var errUnavailable = errors.New("the store is unavailable")
