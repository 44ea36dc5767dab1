package natsstore_test

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsgw/wsgw/storage/natsnode"
	"github.com/wsgw/wsgw/storage/natsnode/natstest"
	"github.com/wsgw/wsgw/storage/natsstore"
	"github.com/wsgw/wsgw/wsnotify"
	"github.com/wsgw/wsgw/wsnotify/storetest"
)

var _ wsnotify.Store = (*natsstore.BrokerStore)(nil)

var prefixes atomic.Int64

// newStore returns a store with a prefix of its own over node n.
func newStore(t *testing.T, n *natsnode.Node, prefix string) *natsstore.BrokerStore {
	t.Helper()
	// (choice) A long timeout: the contract is about behaviour, and a
	// loaded machine fsyncs 12 MiB on three replicas slowly.
	st, err := natsstore.NewBroker(n.JetStream(), natsstore.Options{Prefix: prefix, Replicas: n.Replicas(), Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func nextPrefix() string { return fmt.Sprintf("t%d", prefixes.Add(1)) }

// restart closes node i of cfgs and opens it again on its store.
func restart(t testing.TB, nodes []*natsnode.Node, cfgs []natsnode.Config, i int) {
	t.Helper()
	nodes[i].Close()
	nodes[i] = natstest.Start(t, cfgs[i])[0]
}

// clusterOpener opens stores over a cluster of n embedded nodes shared by
// the tests, each store with a prefix of its own; Reopen restarts the
// store's node, Peer opens a store with the same prefix on the next node.
func clusterOpener(top *testing.T, n int) storetest.Opener {
	t := top
	cfgs := natstest.ClusterConfigs(t, t.TempDir(), n)
	nodes := natstest.Start(t, cfgs...)
	var mu sync.Mutex // guards where
	type at struct {
		node   int
		prefix string
	}
	where := map[wsnotify.Store]at{}
	open := func(t *testing.T, node int, prefix string) wsnotify.Store {
		st := newStore(t, nodes[node], prefix)
		mu.Lock()
		where[st] = at{node, prefix}
		mu.Unlock()
		return st
	}
	return storetest.Opener{
		Open: func(t *testing.T) wsnotify.Store { return open(t, 0, nextPrefix()) },
		Reopen: func(t *testing.T, st wsnotify.Store) wsnotify.Store {
			mu.Lock()
			a := where[st]
			mu.Unlock()
			restart(top, nodes, cfgs, a.node) // the node outlives this test
			return open(t, a.node, a.prefix)
		},
		Peer: func(t *testing.T, st wsnotify.Store) wsnotify.Store {
			mu.Lock()
			a := where[st]
			mu.Unlock()
			return open(t, (a.node+1)%n, a.prefix)
		},
	}
}

func TestBrokerStore_ContractSingleNode(t *testing.T) {
	storetest.Run(t, clusterOpener(t, 1))
}

func TestBrokerStore_ContractThreeNodesR3(t *testing.T) {
	storetest.Run(t, clusterOpener(t, 3))
}

// TestBrokerStore_CrashWriterHelper is the writer process of
// TestBrokerStore_KillLosesNothingAcknowledged: an embedded node on the
// store dir, and the contract's writer over it.
func TestBrokerStore_CrashWriterHelper(t *testing.T) {
	dir := os.Getenv("NATSSTORE_CRASH_DIR")
	if dir == "" {
		t.Skip("helper process only")
	}
	n := natstest.Start(t, crashConfig(t, dir))[0]
	if err := storetest.CrashWriter(newStore(t, n, "crash"), os.Stdout); err != nil {
		t.Fatal(err)
	}
}

func crashConfig(t *testing.T, dir string) natsnode.Config {
	c := natstest.ClusterConfigs(t, dir, 1)[0]
	c.Embedded.StoreDir = dir
	return c
}

// TestBrokerStore_KillLosesNothingAcknowledged kills a writer process
// running an embedded node (SyncAlways) with SIGKILL at random points; a
// node started again on its store has every acknowledged write.
func TestBrokerStore_KillLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("starts writer processes")
	}
	storetest.Crash(t, 3,
		func(t *testing.T, dir string) *exec.Cmd {
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokerStore_CrashWriterHelper$", "-test.v=false")
			cmd.Env = append(os.Environ(), "NATSSTORE_CRASH_DIR="+dir)
			cmd.Stderr = os.Stderr
			return cmd
		},
		func(t *testing.T, dir string) wsnotify.Store {
			n := natstest.Start(t, crashConfig(t, dir))[0]
			return newStore(t, n, "crash")
		})
}

func natstestCluster(t *testing.T) []*natsnode.Node { return natstest.Cluster(t, 3) }
