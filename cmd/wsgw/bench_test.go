package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBench_Usage(t *testing.T) {
	cases := []struct {
		args     []string
		code     int
		inStderr string
	}{
		{[]string{"bench"}, 2, "Usage: wsgw bench durable"},
		{[]string{"bench", "nope"}, 2, `unknown benchmark "nope"`},
		{[]string{"bench", "durable", "--messages", "0"}, 2, "messages: 0"},
		{[]string{"bench", "durable", "extra"}, 2, "Usage: wsgw bench durable"},
		{[]string{"bench", "wsrm", "--amqp", "x"}, 2, "flag provided but not defined"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), c.args, &stdout, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.inStderr) {
			t.Errorf("run %q: got %d, stderr %q; want %d, stderr with %q", c.args, code, stderr.String(), c.code, c.inStderr)
		}
	}
}

func TestBench_DurableWithoutPeer(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"bench", "durable", "--messages", "40", "--concurrency", "4",
		"--data", t.TempDir()}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("got exit %d, stderr %q; want 0", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"40 messages of 1024 bytes, 4 concurrent producers", "throughput (msgs/s)", "peer: not measured (no --amqp URL given)"} {
		if !strings.Contains(out, want) {
			t.Errorf("got\n%s\nwant it to contain %q", out, want)
		}
	}
}

// An unreachable peer is not measured, and that is not a failure.
func TestBench_DurableUnreachablePeerJSON(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"bench", "durable", "--messages", "20", "--concurrency", "2",
		"--data", t.TempDir(), "--amqp", "amqp://guest:guest@" + addr + "/", "--json"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("got exit %d, stderr %q; want 0", code, stderr.String())
	}
	var got struct {
		Messages int `json:"messages"`
		Wsgw     struct {
			P99 float64 `json:"p99_ms"`
		} `json:"wsgw"`
		Peer     json.RawMessage `json:"peer"`
		PeerNote string          `json:"peer_note"`
		Ratio    json.RawMessage `json:"ratio"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("got %q: %v", stdout.String(), err)
	}
	if got.Messages != 20 || got.Wsgw.P99 <= 0 || string(got.Peer) != "null" || string(got.Ratio) != "null" ||
		!strings.Contains(got.PeerNote, "not measured: peer unreachable") {
		t.Errorf("got %s, want wsgw measured, peer and ratio null, and a note saying why", stdout.String())
	}
}

func TestBench_DurableWithPeer(t *testing.T) {
	url := os.Getenv("WSGW_TEST_AMQP_URL")
	if url == "" {
		t.Skip("WSGW_TEST_AMQP_URL is not set (e.g. amqp://guest:guest@127.0.0.1:5672/; .ci/bench starts a RabbitMQ)")
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"bench", "durable", "--messages", "40", "--concurrency", "4",
		"--data", t.TempDir(), "--amqp", url}, &stdout, &stderr)
	if code != 0 || !strings.Contains(stdout.String(), "ratio wsgw/peer: throughput") {
		t.Errorf("got exit %d, stdout\n%s\nstderr %q; want 0 and the ratios", code, stdout.String(), stderr.String())
	}
}

func TestBench_WSRM(t *testing.T) {
	var stdout, stderr bytes.Buffer
	prof := filepath.Join(t.TempDir(), "cpu.pprof")
	code := run(context.Background(), []string{"bench", "wsrm", "--messages", "20", "--concurrency", "2",
		"--data", t.TempDir(), "--cpuprofile", prof}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("got exit %d, stderr %q; want 0", code, stderr.String())
	}
	if fi, err := os.Stat(prof); err != nil || fi.Size() == 0 {
		t.Errorf("got CPU profile %v, %v; want a non-empty file", fi, err)
	}
	for _, want := range []string{"wsgw bench wsrm: 20 messages", "throughput (msgs/s)", "every message delivered",
		"peer: raw badgerq durable enqueue", "ratio wsgw/peer: throughput"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("got\n%s\nwant it to contain %q", stdout.String(), want)
		}
	}
}
