package orders_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/examples/orders"
	"github.com/wsgw/wsgw/gateway"
	"github.com/wsgw/wsgw/gateway/cluster"
	"github.com/wsgw/wsgw/internal/checkfor"
)

// Environment of the crash test's child gateway (a re-exec of the test
// binary running TestCrashChild).
const (
	envChildDir     = "WSGW_CRASH_CHILD_DIR"
	envChildAddr    = "WSGW_CRASH_CHILD_ADDR"
	envChildBackend = "WSGW_CRASH_CHILD_BACKEND"
)

// TestCrashChild is the gateway process of TestOrders_CrashRestart; it
// does nothing unless started by it.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(envChildDir)
	if dir == "" {
		t.Skip("the child process of TestOrders_CrashRestart")
	}
	db, err := badger.Open(badger.DefaultOptions(dir).WithSyncWrites(true).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", os.Getenv(envChildAddr))
	if err != nil {
		t.Fatal(err)
	}
	cfg := gateway.Config{PublicURL: "http://" + ln.Addr().String(), Services: []gateway.ServiceConfig{{
		Name:    "Orders",
		WSDL:    "orders.wsdl",
		Cluster: cluster.Config{Partitions: []cluster.PartitionConfig{{Replicas: []string{os.Getenv(envChildBackend)}}}},
		Reliable: &gateway.ReliableConfig{Assurance: "ExactlyOnce", InOrder: true, Egress: egress.Loopback(),
			Retry: gateway.ReliableRetry{Backoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, MaxAttempts: -1}},
	}}}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	g, err := gateway.New(context.Background(), cfg, gateway.Options{DB: db, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	g.Serve(ctx, ln) //nolint:errcheck // killed, as a rule
	g.Close()
	db.Close()
}

// child is a running child gateway.
type child struct {
	cmd  *exec.Cmd
	done chan struct{}
}

func startChild(t *testing.T, dir, addr, backend string, logf *os.File) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v=false")
	cmd.Env = append(os.Environ(), envChildDir+"="+dir, envChildAddr+"="+addr, envChildBackend+"="+backend)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(c.done) }() //nolint:errcheck // killed
	return c
}

func (c *child) kill() {
	c.cmd.Process.Kill() //nolint:errcheck // may have exited
	<-c.done
}

// TestOrders_CrashRestart sends a WS-RM sequence of orders to a gateway
// process that is killed with SIGKILL at random moments and restarted on
// the same store. Every message is retried until acknowledged; at the end
// the backend's log holds every message exactly once, in order.
func TestOrders_CrashRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test")
	}
	const n, maxKills = 150, 12
	seed := uint64(time.Now().UnixNano())
	rnd := rand.New(rand.NewPCG(seed, 4))
	t.Logf("seed %d", seed)
	b := orders.NewBackend("r0", quiet)
	backend := httptest.NewServer(b)
	defer backend.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	logf, err := os.Create(filepath.Join(dir, "child.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() || os.Getenv("WSGW_CRASH_LOG") != "" {
			out, _ := os.ReadFile(logf.Name())
			t.Logf("child output:\n%s", out)
		}
	}()
	store := filepath.Join(dir, "store")
	c := startChild(t, store, addr, backend.URL, logf)
	defer func() { c.kill() }()

	url := "http://" + addr + "/services/Orders"
	client := &http.Client{Timeout: 5 * time.Second}
	seq := retryUntil(t, client, url, "", orders.CreateSequence11(), `<wsrm:Identifier>`)
	if seq == "" {
		t.FailNow()
	}
	seq = seq[strings.Index(seq, "<wsrm:Identifier>")+len("<wsrm:Identifier>"):]
	seq = seq[:strings.Index(seq, "<")]

	acked := make(chan int, n)
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	go func() {
		for i := 1; i <= n; i++ {
			env := orders.SubmitOrder11(seq, i, "dave", fmt.Sprintf("o%d", i))
			retryUntil(t, client, url, orders.Namespace+"/SubmitOrder", env, fmt.Sprintf(`Upper="%d"`, i))
			acked <- i
		}
		close(acked)
	}()
	// Kill the gateway every few acknowledged messages, after a random
	// delay, so that kills land while messages are being stored, answered
	// and delivered.
	start := time.Now()
	kills, next := 0, 1+rnd.IntN(15)
	for got := 0; ; {
		select {
		case _, ok := <-acked:
			if !ok {
				goto sent
			}
			got++
		case <-ctx.Done():
			t.Fatalf("not every message acknowledged in time (%d kills)", kills)
		}
		if got >= next && kills < maxKills {
			// Not a wait for anything: the kill lands at a random point.
			time.Sleep(time.Duration(rnd.IntN(20_000)) * time.Microsecond)
			c.kill()
			kills++
			t0 := time.Now()
			c = startChild(t, store, addr, backend.URL, logf)
			waitHealthy(t, addr)
			t.Logf("restart took %v, at %v, %d acked", time.Since(t0), time.Since(start), got)
			next = got + 1 + rnd.IntN(15)
		}
	}
sent:
	t.Logf("all acknowledged at %v", time.Since(start))
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprintf("o%d", i+1)
	}
	deadline, _ := ctx.Deadline()
	checkfor.Until(t, time.Until(deadline), func() error {
		if got := b.OrderLog("dave"); !slices.Equal(got, want) {
			return fmt.Errorf("after %d kills: order log %v, want o1..o%d once each, in order", kills, got, n)
		}
		return nil
	})
	t.Logf("%d messages, %d kills: delivered exactly once, in order in %v; the backend dropped %d repeated deliveries",
		n, kills, time.Since(start), b.Repeats())
	// The backend's own dedup hides repeats from the order log. The
	// gateway may repeat only a delivery a kill interrupted between the
	// backend's answer and the done mark: one sequence is delivered one
	// message at a time, so at most one repeat per kill.
	if r := b.Repeats(); r > kills {
		t.Errorf("repeated deliveries: got %d, want at most one per kill (%d)", r, kills)
	}
}

// retryUntil posts env until the answer is a 200 containing want and
// returns the answer's body. Connection errors (a killed gateway) are
// retried. It is the client's retransmission, paced by its interval (it
// runs on the producer goroutine, where checkfor's t.Fatal may not run).
func retryUntil(t *testing.T, client *http.Client, url, action, env, want string) string {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(env))
		req.Header.Set("Content-Type", "text/xml; charset=utf-8")
		req.Header.Set("SOAPAction", `"`+action+`"`)
		resp, err := client.Do(req)
		if err == nil {
			var sb strings.Builder
			_, err = io.Copy(&sb, resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode == http.StatusOK && strings.Contains(sb.String(), want) {
				return sb.String()
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("no answer containing %s from %s", want, url)
	return ""
}

// waitHealthy waits until the restarted child answers /healthz.
func waitHealthy(t *testing.T, addr string) {
	t.Helper()
	checkfor.Until(t, 10*time.Second, func() error {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err
	})
}
