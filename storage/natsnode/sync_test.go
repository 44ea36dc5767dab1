package natsnode_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/wsgw/wsgw/storage/natsnode"
)

// startUserServer starts a NATS server as an operator would run it: a
// system account (user sys) and an application account with JetStream
// (user app), syncing every write or on its default interval.
func startUserServer(t *testing.T, syncAlways bool) (appURL, sysURL string) {
	t.Helper()
	dir := t.TempDir()
	sync := ""
	if syncAlways {
		sync = "sync_interval: always"
	}
	conf := fmt.Sprintf(`listen: "127.0.0.1:-1"
jetstream { store_dir: %q, %s }
accounts {
  SYS { users [{user: sys, password: s}] }
  APP { jetstream: enabled, users [{user: app, password: a}] }
}
system_account: SYS
`, filepath.Join(dir, "js"), sync)
	path := filepath.Join(dir, "nats.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	opts, err := server.ProcessConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	opts.NoSigs, opts.NoLog = true, true
	s, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("server not ready")
	}
	t.Cleanup(s.Shutdown)
	addr := s.Addr().String()
	return "nats://app:a@" + addr, "nats://sys:s@" + addr
}

// openURL opens a node of cfg at a user-supplied server (openErr).
func openURL(t *testing.T, cfg natsnode.Config) error {
	t.Helper()
	cfg.NodeName, cfg.Replicas, cfg.StartTimeout = "w1", 1, 10*time.Second
	return openErr(t, cfg)
}

func TestOpen_UserServerThatSyncsLazilyIsRefused(t *testing.T) {
	app, sys := startUserServer(t, false)
	wantErrContaining(t, openURL(t, natsnode.Config{URL: app, SystemURL: sys}), "do not sync every write", "syncs every 2m0s")
	// stating it does not make it so: the setting read wins
	wantErrContaining(t, openURL(t, natsnode.Config{URL: app, SystemURL: sys, AssumeSyncAlways: true}), "do not sync every write")
}

func TestOpen_UserServerThatSyncsAlwaysIsTaken(t *testing.T) {
	app, sys := startUserServer(t, true)
	if err := openURL(t, natsnode.Config{URL: app, SystemURL: sys}); err != nil {
		t.Fatalf("Open = %v, want nil", err)
	}
}

func TestOpen_UserServerWhoseSyncCannotBeReadNeedsTheOperatorsWord(t *testing.T) {
	app, _ := startUserServer(t, true)
	wantErrContaining(t, openURL(t, natsnode.Config{URL: app}), "cannot read the JetStream sync setting", "assume_sync_always")
	if err := openURL(t, natsnode.Config{URL: app, AssumeSyncAlways: true}); err != nil {
		t.Fatalf("Open with assume_sync_always = %v, want nil", err)
	}
}
