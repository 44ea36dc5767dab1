package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// startTestService runs `wsgw conformance testservice` on a free port and
// returns its base URL.
func startTestService(t *testing.T, ctx context.Context) string {
	t.Helper()
	var out syncBuffer
	done := make(chan int, 1)
	go func() { done <- runTestService(ctx, []string{"--listen", "127.0.0.1:0", "--log-level", "warn"}, &out) }()
	t.Cleanup(func() {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("test service did not stop")
		}
	})
	re := regexp.MustCompile(`listening on (http://\S+)`)
	var base string
	checkFor(t, 10*time.Second, func() error {
		m := re.FindStringSubmatch(out.String())
		if m == nil {
			return fmt.Errorf("output %q: want \"listening on\"", out.String())
		}
		base = m[1]
		return nil
	})
	return base
}

// startGatewayFor runs `wsgw serve` with the example config of
// conformance/testservice/testdata/wsgw.yaml pointed at the test service at
// ts, and returns the gateway's base URL.
func startGatewayFor(t *testing.T, ctx context.Context, ts string) string {
	t.Helper()
	raw, err := os.ReadFile("../../conformance/testservice/testdata/wsgw.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := strings.NewReplacer("http://127.0.0.1:8090", ts, "listen: 127.0.0.1:8080", "listen: 127.0.0.1:0",
		"data_dir: ./wsgw-data", "data_dir: "+filepath.Join(dir, "data")).Replace(string(raw))
	path := filepath.Join(dir, "wsgw.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve", "--config", path}, &stdout, &stderr) }()
	t.Cleanup(func() {
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("gateway did not stop")
		}
	})
	re := regexp.MustCompile(`wsgw serving"? listen=(\S+)`)
	var addr string
	checkFor(t, 20*time.Second, func() error {
		m := re.FindStringSubmatch(stderr.String())
		if m == nil {
			return fmt.Errorf("stderr %q: want \"wsgw serving\"", stderr.String())
		}
		addr = m[1]
		return nil
	})
	return "http://" + addr
}
