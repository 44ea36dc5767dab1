package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/gateway"
	"github.com/wsgw/wsgw/storage/natsnode/natstest"
)

// runServe runs `wsgw serve` on cfg to its end and returns its exit code
// and stderr.
func runServe(t *testing.T, cfg string) (int, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "wsgw.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--config", path}, &stdout, &stderr)
	return code, stderr.String()
}

// clusterConfig is a serve config of node name on an embedded cluster
// whose other nodes route at routes, HTTP on listen.
func clusterConfig(t *testing.T, listen, name, clusterName, storeDir string, routes ...string) string {
	return fmt.Sprintf("listen: %s\ndata_dir: %s\nbroker: {}\ncluster:\n  node_name: %s\n  start_timeout: 3s\n  embedded:\n"+
		"    cluster_name: %s\n    listen: 127.0.0.1:0\n    cluster_listen: 127.0.0.1:%d\n    store_dir: %s\n    routes: [%s]\n",
		listen, filepath.Join(t.TempDir(), "data"), name, clusterName, natstest.FreePorts(t, 1)[0], storeDir, strings.Join(routes, ", "))
}

// TestServe_ClusterThatCannotStartServesNothing: a node whose peers are
// unreachable, whose cluster name its peers refuse, or whose store dir
// cannot be written exits 1 with the reason, and never listens.
func TestServe_ClusterThatCannotStartServesNothing(t *testing.T) {
	peers := natstest.ClusterConfigs(t, t.TempDir(), 3)
	natstest.Start(t, peers[1], peers[2]) // a quorum named "wsgw"
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	refused := natstest.RefusedAddrs(t, 2)
	for _, tc := range []struct {
		name, clusterName, storeDir string
		routes                      []string
		want                        []string
	}{
		{"peers unreachable", "wsgw", t.TempDir(), refused,
			[]string{"no JetStream quorum", "unreachable"}},
		{"cluster name refused", "other", t.TempDir(), []string{peers[1].Embedded.ClusterListen, peers[2].Embedded.ClusterListen},
			[]string{"no JetStream quorum", "cluster name mismatch"}},
		{"store dir not writable", "wsgw", filepath.Join(file, "js"), []string{peers[1].Embedded.ClusterListen, peers[2].Embedded.ClusterListen},
			[]string{"JetStream store dir"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			listen := fmt.Sprintf("127.0.0.1:%d", natstest.FreePorts(t, 1)[0])
			code, stderr := runServe(t, clusterConfig(t, listen, "n9", tc.clusterName, tc.storeDir, tc.routes...))
			for _, w := range tc.want {
				if code != 1 || !strings.Contains(stderr, w) {
					t.Fatalf("got exit %d, stderr\n%s\nwant exit 1 and %q", code, stderr, w)
				}
			}
			if strings.Contains(stderr, "wsgw serving") {
				t.Fatalf("stderr\n%s\nsays it served; want nothing served", stderr)
			}
			if c, err := net.DialTimeout("tcp", listen, time.Second); err == nil {
				c.Close()
				t.Fatalf("%s accepts connections after serve failed, want nothing listening", listen)
			}
		})
	}
}

// TestServe_ClusterConfigProblemsNameYAMLKeys: the cluster section's
// problems are named by key and line like every other.
func TestServe_ClusterConfigProblemsNameYAMLKeys(t *testing.T) {
	cfg := "listen: 127.0.0.1:0\nbroker: {}\ncluster:\n  node_name: \"a b\"\n  replicas: 2\n  embedded:\n    routes: [nohost]\n"
	code, stderr := runServe(t, cfg)
	want := []string{
		`cluster.node_name: "a b" is not a node name (letters, digits, '-', '_') (line 4, column 3)`,
		`cluster.embedded.cluster_listen: required with routes`,
		`cluster.embedded.routes[0]: "nohost" is not host:port`,
		`cluster.replicas: 2: want 1, 3 or 5 (line 5, column 3)`,
	}
	for _, w := range want {
		if code != 2 || !strings.Contains(stderr, w) {
			t.Fatalf("got exit %d, stderr\n%s\nwant exit 2 and %q", code, stderr, w)
		}
	}
}

// TestExampleCluster_ConfigsValidate: the example cluster's configs load
// and validate, routing each node to the other two.
func TestExampleCluster_ConfigsValidate(t *testing.T) {
	for i := 1; i <= 3; i++ {
		fc, err := loadConfig(fmt.Sprintf("../../examples/cluster/n%d.yaml", i))
		if err != nil {
			t.Fatal(err)
		}
		cfg := fc.toGateway("../../examples/cluster")
		if err := errors.Join(cfg.Validate(), validateCluster(fc.Cluster.toNATSNode(fc.DataDir))); err != nil {
			t.Fatalf("n%d.yaml: %v", i, err)
		}
		if r := fc.Cluster.Embedded.Routes; len(r) != 2 || fc.Cluster.Replicas != 3 {
			t.Fatalf("n%d.yaml: routes %q replicas %d, want the 2 other nodes and 3", i, r, fc.Cluster.Replicas)
		}
	}
}

// TestLoadConfig_ClusterReliableAtKeys: cluster.reliable maps onto
// gateway.Config.ClusterReliable, and its problems are named by its keys,
// with their lines.
func TestLoadConfig_ClusterReliableAtKeys(t *testing.T) {
	path := writeDirectConfig(t, "wsgw.yaml", "listen: 127.0.0.1:1\ncluster:\n  node_name: a\n  reliable:\n    shards: 8\n    heartbeat: 500ms\n    node_timeout: 3s\n    lease: 2s\n")
	fc, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	want := gateway.ClusterTimings{Shards: 8, Heartbeat: 500 * time.Millisecond, NodeTimeout: 3 * time.Second, Lease: 2 * time.Second}
	if got := fc.toGateway(".").ClusterReliable; got != want {
		t.Errorf("cluster.reliable: got %+v, want %+v", got, want)
	}
	path = writeDirectConfig(t, "bad.yaml", "listen: 127.0.0.1:1\ncluster:\n  node_name: a\n  reliable:\n    shards: 5000\n    heartbeat: 3s\n    lease: 10ms\n")
	if fc, err = loadConfig(path); err != nil {
		t.Fatal(err)
	}
	cfg := fc.toGateway(".")
	msg := fc.explainConfig(cfg.Validate())
	for _, w := range []string{"cluster.reliable.shards: 5000: at most 1024 (line 5", "cluster.reliable.node_timeout: 4s: at least two heartbeats (6s)",
		"cluster.reliable.lease: 10ms: at least 1s (line 7"} {
		if !strings.Contains(msg, w) {
			t.Errorf("got\n%s\nwant it to contain %q", msg, w)
		}
	}
}
