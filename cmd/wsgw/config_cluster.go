package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/wsgw/wsgw/gateway"
	"github.com/wsgw/wsgw/internal/fielderr"
	"github.com/wsgw/wsgw/storage/natsnode"
)

// fileNode is the `cluster:` section: present, this node shares the
// broker's state with the other nodes of a NATS JetStream cluster
// (storage/natsnode), embedded in this process or reached at nats_url.
// Its fields carry natsnode.Config's Go names (config_problems.go maps
// problem paths by them). README.md documents every key.
type fileNode struct {
	NodeName         string        `yaml:"node_name"`
	Embedded         *fileEmbedded `yaml:"embedded"`
	URL              string        `yaml:"nats_url"`
	SystemURL        string        `yaml:"nats_system_url"`
	AssumeSyncAlways bool          `yaml:"assume_sync_always"`
	Replicas         int           `yaml:"replicas"`
	StartTimeout     duration      `yaml:"start_timeout"`
	// Reliable is gateway.Config.ClusterReliable (not natsnode's): how
	// the nodes share reliable services' work.
	Reliable fileClusterTimings `yaml:"reliable"`
}

// fileClusterTimings is gateway.ClusterTimings.
type fileClusterTimings struct {
	Shards      int      `yaml:"shards"`
	Heartbeat   duration `yaml:"heartbeat"`
	NodeTimeout duration `yaml:"node_timeout"`
	Lease       duration `yaml:"lease"`
}

// reliable maps cluster.reliable; no cluster section: the zero value.
func (c *fileNode) reliable() gateway.ClusterTimings {
	if c == nil {
		return gateway.ClusterTimings{}
	}
	r := c.Reliable
	return gateway.ClusterTimings{Shards: r.Shards, Heartbeat: time.Duration(r.Heartbeat),
		NodeTimeout: time.Duration(r.NodeTimeout), Lease: time.Duration(r.Lease)}
}

type fileEmbedded struct {
	ClusterName   string   `yaml:"cluster_name"`
	Listen        string   `yaml:"listen"`
	ClusterListen string   `yaml:"cluster_listen"`
	Routes        []string `yaml:"routes"`
	StoreDir      string   `yaml:"store_dir"` // default {data_dir}/jetstream
}

// toNATSNode maps the section onto natsnode's configuration; the store dir
// defaults to dataDir/jetstream.
func (c *fileNode) toNATSNode(dataDir string) natsnode.Config {
	nc := natsnode.Config{
		NodeName: c.NodeName, URL: c.URL, SystemURL: c.SystemURL, AssumeSyncAlways: c.AssumeSyncAlways,
		Replicas: c.Replicas, StartTimeout: time.Duration(c.StartTimeout),
	}
	if e := c.Embedded; e != nil {
		nc.Embedded = &natsnode.EmbeddedConfig{
			ClusterName: e.ClusterName, Listen: e.Listen, ClusterListen: e.ClusterListen, Routes: e.Routes, StoreDir: e.StoreDir,
		}
		if nc.Embedded.StoreDir == "" {
			nc.Embedded.StoreDir = filepath.Join(dataDir, "jetstream")
		}
	}
	return nc
}

// validateCluster reports the section's problems under "Cluster", for
// explainConfig.
func validateCluster(nc natsnode.Config) error {
	return fielderr.Under(fielderr.Path{}.Field("Cluster"), nc.Validate())
}

// openCluster starts or joins the node's NATS cluster and waits for its
// quorum (natsnode.Node.Open): the caller closes the node.
func openCluster(ctx context.Context, nc natsnode.Config, log *slog.Logger) (*natsnode.Node, error) {
	n, err := natsnode.New(nc, natsnode.Options{Logger: log.With("component", "cluster")})
	if err != nil {
		return nil, err
	}
	log.Info("joining the NATS JetStream cluster", "node", nc.NodeName, "embedded", nc.Embedded != nil, "replicas", n.Replicas())
	if err := n.Open(ctx); err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	return n, nil
}
