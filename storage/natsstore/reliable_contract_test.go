package natsstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/storage/natsnode"
	"github.com/wsgw/wsgw/storage/natsnode/natstest"
	"github.com/wsgw/wsgw/storage/natsstore"
	"github.com/wsgw/wsgw/wsreliable/driver"
	rmstoretest "github.com/wsgw/wsgw/wsreliable/driver/storetest"
)

// reliableOptions are the tests' store options: short lease and
// heartbeat times, a long call timeout (a loaded machine fsyncs slowly),
// 4 shards (each shard is a consumer: on R3 a Raft group to make).
func reliableOptions(n *natsnode.Node, service string, qo queueing.Options) natsstore.ReliableOptions {
	return natsstore.ReliableOptions{Service: service, Node: n.Name(), Replicas: n.Replicas(), Queue: qo, Shards: 4,
		Timeout: time.Minute, AckWait: time.Second, Heartbeat: 200 * time.Millisecond, NodeTTL: 2 * time.Second}
}

// openReliable opens the store of service on node n, closed when t ends.
func openReliable(t testing.TB, n *natsnode.Node, o natsstore.ReliableOptions) *natsstore.Reliable {
	t.Helper()
	st, err := natsstore.OpenReliable(context.Background(), n.Conn(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// holdAll makes st the holder of every shard (from prev), its deliveries
// open: one node's store.
func holdAll(t testing.TB, st *natsstore.Reliable, prev string) {
	t.Helper()
	for s := range st.Shards() {
		ok, err := st.Claim(context.Background(), s, prev)
		if err != nil || !ok {
			t.Fatalf("claiming shard %d: %v %v", s, ok, err)
		}
		st.OpenShard(s)
	}
}

var services sync.Map // test name -> count, for service names of their own

// reliableOpener opens the driver's stores on node 0 of nodes, each
// test's service of its own; a reopen closes the store and opens it
// again (a restart of the process: what it leased comes back after
// AckWait).
func reliableOpener(nodes []*natsnode.Node) rmstoretest.Opener {
	var mu sync.Mutex // guards opts
	opts := map[driver.Store]natsstore.ReliableOptions{}
	open := func(t *testing.T, o natsstore.ReliableOptions, prev string) driver.Store {
		st := openReliable(t, nodes[0], o)
		holdAll(t, st, prev)
		mu.Lock()
		opts[st] = o
		mu.Unlock()
		return st
	}
	return rmstoretest.Opener{
		Dedup: true,
		Open: func(t *testing.T, name string, qo queueing.Options) driver.Store {
			n, _ := services.LoadOrStore(t.Name(), new(int))
			*n.(*int)++
			return open(t, reliableOptions(nodes[0], fmt.Sprintf("%s%d.%s", name, *n.(*int), nextPrefix()), qo), "")
		},
		Reopen: func(t *testing.T, st driver.Store) driver.Store {
			mu.Lock()
			o := opts[st]
			mu.Unlock()
			st.(*natsstore.Reliable).Close()
			return open(t, o, o.Node)
		},
	}
}

func TestReliable_ContractSingleNode(t *testing.T) {
	rmstoretest.Run(t, reliableOpener([]*natsnode.Node{natstest.Single(t)}))
}

func TestReliable_ContractThreeNodesR3(t *testing.T) {
	rmstoretest.Run(t, reliableOpener(natstest.Cluster(t, 3)))
}

func TestReliable_DriverContractSingleNode(t *testing.T) {
	rmstoretest.RunDriver(t, reliableOpener([]*natsnode.Node{natstest.Single(t)}))
}

func TestReliable_DriverContractThreeNodesR3(t *testing.T) {
	rmstoretest.RunDriver(t, reliableOpener(natstest.Cluster(t, 3)))
}
