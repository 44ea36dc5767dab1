package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/bench"
)

// helperSelfCommand runs `wsgw <args>` as this test binary's
// TestDirectHelperProcess (the test binary is not wsgw).
func helperSelfCommand(args ...string) (string, []string, []string) {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	a, _ := json.Marshal(args)
	return exe, []string{"-test.run=^TestDirectHelperProcess$"}, append(os.Environ(), helperEnv+"=wsgw", argsEnv+"="+string(a))
}

// benchNamespacesLeft lists the namespaces bench direct made for this
// process that still exist.
func benchNamespacesLeft(t *testing.T) []string {
	t.Helper()
	left, err := filepath.Glob("/run/netns/wsgw-bench-" + strconv.Itoa(os.Getpid()) + "-*")
	if err != nil {
		t.Fatal(err)
	}
	return left
}

// TestBenchDirect_MulticastInItsOwnNamespace: `bench direct --transport
// multicast` runs in a network namespace it makes and deletes; the direct
// path's datagrams go to the group, once (the sender's data bytes do not
// grow with the subscribers, as the unicast fan-out's do); both hubs run
// as processes of their own, whose CPU is measured.
func TestBenchDirect_MulticastInItsOwnNamespace(t *testing.T) {
	needNetns(t)
	old := selfCommand
	selfCommand = helperSelfCommand
	t.Cleanup(func() { selfCommand = old })
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"bench", "direct", "--transport", "multicast", "--messages", "40", "--paced-messages", "20",
		"--subscribers", "1,4", "--loss", "0.1", "--loss-messages", "50", "--receivers", "2", "--data", t.TempDir(), "--json"}, &out, &errb)
	if code != 0 {
		t.Fatalf("got exit %d, want 0; stderr: %s", code, errb.String())
	}
	if left := benchNamespacesLeft(t); len(left) != 0 {
		t.Errorf("got namespaces left behind %v, want none", left)
	}
	if !strings.Contains(errb.String(), "running in network namespace wsgw-bench-") {
		t.Errorf("got stderr %q, want the namespace named", errb.String())
	}
	var rep struct {
		Paths  []bench.DirectPath
		Repair []bench.DirectLoss
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("reading the report: %v: %s", err, out.String())
	}
	if len(rep.Paths) != 2 || len(rep.Repair) != 1 {
		t.Fatalf("got %d paths and %d loss rates, want 2 and 1", len(rep.Paths), len(rep.Repair))
	}
	for _, p := range rep.Paths {
		if !strings.HasPrefix(p.Transport, "multicast to 239.255.77.1:7400 on lo") {
			t.Errorf("got transport %q, want multicast on lo", p.Transport)
		}
		for name, r := range map[string]bench.PathRun{"broker": p.Broker, "direct": p.Direct} {
			if r.HubCPU <= 0 || r.HubCPUPerNotification <= 0 || r.HubSustainable <= 0 {
				t.Errorf("%d subscribers, %s: got hub CPU %v (%v a notification, %v/s), want it measured", p.Subscribers, name, r.HubCPU, r.HubCPUPerNotification, r.HubSustainable)
			}
		}
	}
	// 40 Notifies, each about 1.3 KB in two fragments: the multicast
	// sender's data bytes are those of one copy, whatever the subscribers
	// (a unicast fan-out to 4 sends 4 copies). Heartbeats are not data.
	one, four := rep.Paths[0].Direct.DataBytes, rep.Paths[1].Direct.DataBytes
	if one <= 0 || four != one {
		t.Errorf("got data bytes %d for 1 subscriber and %d for 4, want the same (one datagram per fragment)", one, four)
	}
}

// TestBenchDirect_NamespaceRemovedOnFailure: a multicast run that fails
// (the broker's store cannot be made) exits 1 and leaves no namespace.
func TestBenchDirect_NamespaceRemovedOnFailure(t *testing.T) {
	needNetns(t)
	old := selfCommand
	selfCommand = helperSelfCommand
	t.Cleanup(func() { selfCommand = old })
	var out, errb bytes.Buffer
	missing := filepath.Join(t.TempDir(), "missing")
	code := run(context.Background(), []string{"bench", "direct", "--transport", "multicast", "--messages", "5", "--subscribers", "1", "--data", missing}, &out, &errb)
	if code != 1 {
		t.Errorf("got exit %d, want 1; stderr: %s", code, errb.String())
	}
	if left := benchNamespacesLeft(t); len(left) != 0 {
		t.Errorf("got namespaces left behind %v, want none", left)
	}
}

// TestBenchDirect_MulticastRefusedOutsideItsNamespace: the variable that
// marks a re-executed run does not make a run in the root namespace send
// multicast: it is refused.
func TestBenchDirect_MulticastRefusedOutsideItsNamespace(t *testing.T) {
	t.Setenv(benchNetnsEnv, "wsgw-bench-not-this-one")
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"bench", "direct", "--transport", "multicast", "--messages", "5", "--subscribers", "1"}, &out, &errb)
	if code != 2 || !strings.Contains(errb.String(), "not in that network namespace") {
		t.Errorf("got exit %d, stderr %q, want 2 and the refusal", code, errb.String())
	}
}
