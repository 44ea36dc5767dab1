package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"

	"github.com/dgraph-io/badger/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/wsgw/wsgw/gateway"
	"github.com/wsgw/wsgw/storage/natsnode"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", "Usage: wsgw serve [--config wsgw.yaml] [--listen ADDR]\n\nRuns the gateway. The config file format is in README.md.\n"+
		"SIGHUP reloads the TLS certificates and keys, the admin token and the users file; SIGINT or SIGTERM stops.\n")
	configPath := fs.String("config", "wsgw.yaml", "config file")
	listen := fs.String("listen", "", "listen address, e.g. 127.0.0.1:0, instead of the config's listen (port 0 picks a free port)")
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	fc, err := loadConfig(*configPath)
	if err != nil {
		fmt.Fprintln(stderr, "wsgw:", err)
		return 2
	}
	log, err := newLogger(stderr, fc.Log.Level, fc.Log.Format)
	if err != nil {
		fmt.Fprintf(stderr, "wsgw: config %s:\nlog: %v\n", *configPath, err)
		return 2
	}
	cfg := fc.toGateway(filepath.Dir(*configPath))
	if *listen != "" {
		cfg.Listen = *listen
	}
	usersPath := fc.usersPath(filepath.Dir(*configPath))
	if cfg.Security.Users, err = loadUsers(usersPath); err != nil {
		fmt.Fprintln(stderr, "wsgw:", err)
		return 2
	}
	if cfg.Listen == "" {
		cfg.Listen = gateway.DefaultListen
	}
	dataDir := fc.DataDir
	if dataDir == "" {
		dataDir = defaultDataDir
	}
	var nodeCfg natsnode.Config
	verr := cfg.Validate()
	if fc.Cluster != nil {
		nodeCfg = fc.Cluster.toNATSNode(dataDir)
		verr = errors.Join(verr, validateCluster(nodeCfg))
	}
	if verr != nil {
		fmt.Fprintf(stderr, "wsgw: config %s: invalid configuration:\n%s\n", *configPath, fc.explainConfig(verr))
		return 2
	}

	// A node without a broker or a reliable service keeps nothing: it
	// opens no store (nor does a clustered node with a broker only).
	var db *badger.DB
	if uses := storeUses(cfg, fc.Cluster != nil); uses.Any() {
		if db, err = openStore(dataDir, uses, log); err != nil {
			fmt.Fprintln(stderr, "wsgw:", err)
			return 1
		}
		defer db.Close()
	}

	// The cluster is joined before anything listens: a node that cannot
	// reach its quorum serves nothing.
	var node *natsnode.Node
	if fc.Cluster != nil {
		if node, err = openCluster(ctx, nodeCfg, log); err != nil {
			fmt.Fprintln(stderr, "wsgw:", err)
			return 1
		}
		defer node.Close()
		if cfg.Broker == nil {
			log.Warn("cluster: without broker: the cluster holds nothing yet (reliable services keep data_dir)")
		}
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		fmt.Fprintln(stderr, "wsgw:", err)
		return 1
	}
	var adminLn net.Listener // on the main listener without admin.listen
	if cfg.Admin.Listen != "" {
		if adminLn, err = net.Listen("tcp", cfg.Admin.Listen); err != nil {
			ln.Close()
			fmt.Fprintln(stderr, "wsgw: admin:", err)
			return 1
		}
	}
	gw, err := gateway.New(ctx, cfg, gateway.Options{Logger: log, Registry: newRegistry(), DB: db, AdminListener: adminLn, Cluster: node})
	if err != nil {
		ln.Close()
		if adminLn != nil {
			adminLn.Close()
		}
		fmt.Fprintf(stderr, "wsgw: config %s:\n%s\n", *configPath, fc.explainConfig(err))
		return 2
	}
	defer gw.Close()
	stopReload := reloadOnSIGHUP(ctx, gw, usersPath, log) // reload.go
	defer stopReload()
	log.Info("wsgw serving", "listen", ln.Addr().String(), "services", len(cfg.Services))
	if err := gw.Serve(ctx, ln); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "wsgw:", err)
		return 1
	}
	log.Info("wsgw stopped")
	return 0
}

// newRegistry returns the metrics registry, with Go runtime and process
// metrics besides the gateway's own.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}
