package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/examples/temperature"
)

// syncBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type syncBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServe_StartsAndStopsOnCancel(t *testing.T) {
	backend := httptest.NewServer(temperature.NewBackend("r0", nil))
	defer backend.Close()
	dir := t.TempDir()
	cfg := "listen: 127.0.0.1:0\n" +
		"data_dir: " + filepath.Join(dir, "data") + "\n" +
		"services:\n" +
		"  - name: Temperature\n" +
		"    wsdl: " + backend.URL + "/?wsdl\n" +
		"    cluster:\n" +
		"      partitions:\n" +
		"        - replicas: [" + backend.URL + "]\n"
	path := filepath.Join(dir, "wsgw.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve", "--config", path}, &stdout, &stderr) }()
	checkFor(t, 20*time.Second, func() error {
		if !strings.Contains(stderr.String(), "wsgw serving") {
			return fmt.Errorf("stderr %q: want \"wsgw serving\"", stderr.String())
		}
		return nil
	})
	if !strings.Contains(stderr.String(), "store opened") {
		t.Errorf("stderr %q: want the store's path logged", stderr.String())
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit code: got %d, want 0; stderr %s", code, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop after cancel")
	}
}

func TestServe_InvalidConfigExits2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wsgw.yaml")
	cfg := "data_dir: " + filepath.Join(t.TempDir(), "data") + "\nlisten: 127.0.0.1:0\nservices:\n  - name: A\n    wsdl: a.wsdl\n"
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--config", path}, &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "services[0]") {
		t.Errorf("got %d, stderr %q; want 2 and an error naming services[0]", code, stderr.String())
	}
}

func TestServe_BrokerAllowsNoEgressUnlessConfigured(t *testing.T) {
	consumer := httptest.NewServer(http.NotFoundHandler())
	defer consumer.Close()
	dir := t.TempDir()
	cfg := "listen: 127.0.0.1:0\ndata_dir: " + filepath.Join(dir, "data") + "\nbroker: {}\n"
	path := filepath.Join(dir, "wsgw.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve", "--config", path}, &stdout, &stderr) }()
	listenRE := regexp.MustCompile(`"wsgw serving" listen=(\S+)`)
	var addr string
	checkFor(t, 20*time.Second, func() error {
		m := listenRE.FindStringSubmatch(stderr.String())
		if m == nil {
			return fmt.Errorf("stderr %q: want \"wsgw serving listen=...\"", stderr.String())
		}
		addr = m[1]
		return nil
	})
	body := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>` +
		`<wsnt:Subscribe xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:wsa="http://www.w3.org/2005/08/addressing">` +
		`<wsnt:ConsumerReference><wsa:Address>` + consumer.URL + `</wsa:Address></wsnt:ConsumerReference></wsnt:Subscribe></s:Body></s:Envelope>`
	status, _, reply := soapCall(t, "http://"+addr+"/wsn/NotificationBroker", "text/xml; charset=utf-8", `""`, body)
	if status != http.StatusInternalServerError || !strings.Contains(reply, "SubscribeCreationFailedFault") {
		t.Errorf("Subscribe to a loopback consumer with no egress configured: got %d %s, want 500 SubscribeCreationFailedFault", status, reply)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit code: got %d, want 0; stderr %s", code, stderr.String())
	}
}

// TestServe_ListenOverridesConfig runs serve with a config whose listen
// address is taken, and --listen 127.0.0.1:0: the gateway serves on the
// flag's address.
func TestServe_ListenOverridesConfig(t *testing.T) {
	taken := httptest.NewServer(http.NotFoundHandler())
	defer taken.Close()
	dir := t.TempDir()
	cfg := "listen: " + strings.TrimPrefix(taken.URL, "http://") + "\ndata_dir: " + filepath.Join(dir, "data") + "\nbroker: {}\n"
	path := filepath.Join(dir, "wsgw.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--config", path, "--listen", "127.0.0.1:0"}, &stdout, &stderr)
	}()
	listenRE := regexp.MustCompile(`"wsgw serving" listen=(\S+)`)
	var addr string
	checkFor(t, 20*time.Second, func() error {
		if m := listenRE.FindStringSubmatch(stderr.String()); m != nil {
			addr = m[1]
			return nil
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d; stderr %s", code, stderr.String())
		default:
		}
		return fmt.Errorf("stderr %q: want \"wsgw serving listen=...\"", stderr.String())
	})
	if addr == strings.TrimPrefix(taken.URL, "http://") {
		t.Errorf("serving on %s, the config's address, want another one (--listen 127.0.0.1:0)", addr)
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz on %s: got %v %v, want 200", addr, resp, err)
	}
	if resp != nil {
		resp.Body.Close()
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit code: got %d, want 0; stderr %s", code, stderr.String())
	}
}
