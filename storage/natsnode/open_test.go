package natsnode_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/storage/natsnode"
	"github.com/wsgw/wsgw/storage/natsnode/natstest"
)

// openErr opens a node of cfg and returns Open's error; the node is
// closed.
func openErr(t *testing.T, cfg natsnode.Config) error {
	t.Helper()
	n, err := natsnode.New(cfg, natsnode.Options{Logger: natstest.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	err = n.Open(context.Background())
	t.Logf("Open: %v", err)
	return err
}

func wantErrContaining(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("Open = nil, want an error containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("Open = %v, want an error containing %q", err, p)
		}
	}
}

func TestOpen_PeersUnreachableIsNoQuorum(t *testing.T) {
	cfgs := natstest.ClusterConfigs(t, t.TempDir(), 3)
	cfg := cfgs[0]
	cfg.StartTimeout = 3 * time.Second
	start := time.Now()
	err := openErr(t, cfg)
	wantErrContaining(t, err, "no JetStream quorum", "peer "+cfg.Embedded.Routes[0]+" unreachable", "peer "+cfg.Embedded.Routes[1]+" unreachable")
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("Open took %v, want about the start timeout (3s)", d)
	}
}

func TestOpen_ClusterNameMismatchIsReported(t *testing.T) {
	cfgs := natstest.ClusterConfigs(t, t.TempDir(), 3)
	natstest.Start(t, cfgs[1], cfgs[2]) // a quorum of the right name
	cfg := cfgs[0]
	cfg.Embedded.ClusterName = "other"
	cfg.StartTimeout = 4 * time.Second
	wantErrContaining(t, openErr(t, cfg), "no JetStream quorum", "cluster name mismatch")
}

func TestOpen_StoreDirNotWritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := natstest.ClusterConfigs(t, t.TempDir(), 1)[0]
	cfg.Embedded.StoreDir = filepath.Join(file, "store") // under a file: root cannot write there either
	wantErrContaining(t, openErr(t, cfg), "JetStream store dir")
	if os.Geteuid() != 0 {
		dir := t.TempDir()
		if err := os.Chmod(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		cfg.Embedded.StoreDir = dir
		wantErrContaining(t, openErr(t, cfg), "is not writable")
	}
}

func TestOpen_OneNodeDownStillOpens(t *testing.T) {
	cfgs := natstest.ClusterConfigs(t, t.TempDir(), 3)
	for _, n := range natstest.Start(t, cfgs[0], cfgs[1]) { // n2 never starts
		if s := n.Status(); !s.Healthy() {
			t.Fatalf("status %v, want healthy with 2 of 3 nodes", s)
		}
	}
}
