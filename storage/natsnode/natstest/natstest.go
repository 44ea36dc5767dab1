// Package natstest starts real NATS JetStream nodes for tests, through
// natsnode (the same code wsgw serve runs): one embedded node, or a
// cluster of embedded nodes in one process, on loopback ports, with their
// stores in t.TempDir(). Everything started is stopped when the test ends.
package natstest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wsgw/wsgw/storage/natsnode"
)

// FreePorts returns n distinct free loopback TCP ports. (A port is free
// when asked; a route port must be known before the nodes start.)
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	var lns []net.Listener
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return ports
}

// RefusedAddrs returns n loopback addresses that refuse connections for
// as long as t runs: each port is bound by a socket that never listens, so
// no other listener (of this test or of a test running beside it) can take
// it the way it can take a port FreePorts has let go of.
func RefusedAddrs(t testing.TB, n int) []string {
	t.Helper()
	var addrs []string
	for range n {
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { syscall.Close(fd) })
		if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
			t.Fatal(err)
		}
		sa, err := syscall.Getsockname(fd)
		if err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port))
	}
	return addrs
}

// ClusterConfigs returns the configs of an embedded cluster of n nodes
// ("n0".."n{n-1}") with stores under dir, routing to each other on free
// loopback ports, with replicas min(n, 3).
func ClusterConfigs(t testing.TB, dir string, n int) []natsnode.Config {
	ports := FreePorts(t, n)
	cfgs := make([]natsnode.Config, n)
	for i := range n {
		var routes []string
		for j, p := range ports {
			if j != i {
				routes = append(routes, fmt.Sprintf("127.0.0.1:%d", p))
			}
		}
		e := &natsnode.EmbeddedConfig{
			Listen:   "127.0.0.1:0",
			StoreDir: filepath.Join(dir, fmt.Sprintf("n%d", i)),
		}
		if n > 1 {
			e.ClusterListen = fmt.Sprintf("127.0.0.1:%d", ports[i])
			e.Routes = routes
		}
		cfgs[i] = natsnode.Config{NodeName: fmt.Sprintf("n%d", i), Embedded: e, Replicas: min(n, 3), StartTimeout: 60 * time.Second}
	}
	return cfgs
}

// Start opens the nodes of cfgs at once (a cluster needs its quorum to
// open) and closes them when t ends.
func Start(t testing.TB, cfgs ...natsnode.Config) []*natsnode.Node {
	t.Helper()
	nodes := make([]*natsnode.Node, len(cfgs))
	errs := make([]error, len(cfgs))
	var wg sync.WaitGroup
	for i, c := range cfgs {
		n, err := natsnode.New(c, natsnode.Options{Logger: Logger(t)})
		if err != nil {
			t.Fatal(err)
		}
		nodes[i] = n
		wg.Go(func() { errs[i] = n.Open(context.Background()) })
	}
	wg.Wait()
	for _, n := range nodes {
		t.Cleanup(func() { n.Close() })
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("opening node %s: %v", cfgs[i].NodeName, err)
		}
	}
	return nodes
}

// Single starts one embedded node (replicas 1).
func Single(t testing.TB) *natsnode.Node {
	return Start(t, ClusterConfigs(t, t.TempDir(), 1)...)[0]
}

// Cluster starts an embedded cluster of n nodes in this process.
func Cluster(t testing.TB, n int) []*natsnode.Node {
	return Start(t, ClusterConfigs(t, t.TempDir(), n)...)
}

// Logger logs warnings and errors to the test log (verbose runs only
// show them); set WSGW_TEST_NATS_LOG=1 for everything... kept quiet.
func Logger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelError}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

var _ io.Writer = testWriter{}
