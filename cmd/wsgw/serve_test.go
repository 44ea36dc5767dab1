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
	"github.com/wsgw/wsgw/internal/checkfor"
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

// servedGateway is a `wsgw serve` a test runs.
type servedGateway struct {
	addr   string     // host:port it serves on
	stderr syncBuffer // its log
	done   chan int   // receives its exit status
	cancel context.CancelFunc
}

var servingRE = regexp.MustCompile(`"wsgw serving" listen=(\S+)`)

// startServe writes cfg to a config file in a temporary directory and runs
// `wsgw serve --config FILE args...` on it, until stop or the end of the
// test. It returns once the gateway logs the address it serves on, and
// fails the test if serve exits first.
func startServe(t *testing.T, cfg string, args ...string) *servedGateway {
	t.Helper()
	path := filepath.Join(t.TempDir(), "wsgw.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	g := &servedGateway{done: make(chan int, 1), cancel: cancel}
	var stdout syncBuffer
	go func() { g.done <- run(ctx, append([]string{"serve", "--config", path}, args...), &stdout, &g.stderr) }()
	t.Cleanup(func() { g.stop(t) })
	checkfor.Until(t, 20*time.Second, func() error {
		if m := servingRE.FindStringSubmatch(g.stderr.String()); m != nil {
			g.addr = m[1]
			return nil
		}
		select {
		case code := <-g.done:
			g.done <- code
			t.Fatalf("serve exited %d before serving; stderr %s", code, g.stderr.String())
		default:
		}
		return fmt.Errorf("stderr %q: want \"wsgw serving listen=...\"", g.stderr.String())
	})
	return g
}

// stop cancels serve and returns its exit status (-1 if it does not stop
// within 20s).
func (g *servedGateway) stop(t *testing.T) int {
	t.Helper()
	g.cancel()
	select {
	case code := <-g.done:
		g.done <- code // for a later stop
		return code
	case <-time.After(20 * time.Second):
		t.Error("serve did not stop within 20s of its cancel")
		return -1
	}
}

func TestServe_StartsAndStopsOnCancel(t *testing.T) {
	backend := httptest.NewServer(temperature.NewBackend("r0", nil))
	defer backend.Close()
	dataDir := filepath.Join(t.TempDir(), "data")
	cfg := "listen: 127.0.0.1:0\n" +
		"data_dir: " + dataDir + "\n" +
		"services:\n" +
		"  - name: Temperature\n" +
		"    wsdl: " + backend.URL + "/?wsdl\n" +
		"    cluster:\n" +
		"      partitions:\n" +
		"        - replicas: [" + backend.URL + "]\n"
	g := startServe(t, cfg)
	// A plain service keeps nothing: no store is opened.
	if strings.Contains(g.stderr.String(), "store opened") {
		t.Errorf("stderr %q: want no store opened for a plain service", g.stderr.String())
	}
	if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
		t.Errorf("data dir %s: got %v, want it not made", dataDir, err)
	}
	if code := g.stop(t); code != 0 {
		t.Errorf("exit code: got %d, want 0; stderr %s", code, g.stderr.String())
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
	if code != 2 || !strings.Contains(stderr.String(), "services[0].cluster.partitions: no partitions (line 4, column 5)") {
		t.Errorf("got %d, stderr %q; want 2 and an error naming services[0].cluster.partitions at line 4", code, stderr.String())
	}
}

func TestServe_BrokerAllowsNoEgressUnlessConfigured(t *testing.T) {
	consumer := httptest.NewServer(http.NotFoundHandler())
	defer consumer.Close()
	g := startServe(t, "listen: 127.0.0.1:0\ndata_dir: "+filepath.Join(t.TempDir(), "data")+"\nbroker: {}\n")
	body := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>` +
		`<wsnt:Subscribe xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:wsa="http://www.w3.org/2005/08/addressing">` +
		`<wsnt:ConsumerReference><wsa:Address>` + consumer.URL + `</wsa:Address></wsnt:ConsumerReference></wsnt:Subscribe></s:Body></s:Envelope>`
	status, _, reply := soapCall(t, "http://"+g.addr+"/wsn/NotificationBroker", "text/xml; charset=utf-8", `""`, body)
	if status != http.StatusInternalServerError || !strings.Contains(reply, "SubscribeCreationFailedFault") {
		t.Errorf("Subscribe to a loopback consumer with no egress configured: got %d %s, want 500 SubscribeCreationFailedFault", status, reply)
	}
	if code := g.stop(t); code != 0 {
		t.Errorf("exit code: got %d, want 0; stderr %s", code, g.stderr.String())
	}
}

// TestServe_ListenOverridesConfig runs serve with a config whose listen
// address is taken, and --listen 127.0.0.1:0: the gateway serves on the
// flag's address.
func TestServe_ListenOverridesConfig(t *testing.T) {
	taken := httptest.NewServer(http.NotFoundHandler())
	defer taken.Close()
	takenAddr := strings.TrimPrefix(taken.URL, "http://")
	g := startServe(t, "listen: "+takenAddr+"\ndata_dir: "+filepath.Join(t.TempDir(), "data")+"\nbroker: {}\n",
		"--listen", "127.0.0.1:0")
	if g.addr == takenAddr {
		t.Errorf("serving on %s, the config's address, want another one (--listen 127.0.0.1:0)", g.addr)
	}
	if status, _, _ := get(t, "http://"+g.addr+"/healthz"); status != http.StatusOK {
		t.Errorf("GET /healthz on %s: got %d, want 200", g.addr, status)
	}
	if code := g.stop(t); code != 0 {
		t.Errorf("exit code: got %d, want 0; stderr %s", code, g.stderr.String())
	}
}
