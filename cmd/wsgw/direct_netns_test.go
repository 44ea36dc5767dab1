package main

import (
	"bufio"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/wsnotify/direct/agent"
)

// The real-network test: four network namespaces made by the test, a
// bridge in one (with IGMP snooping) and a veth from each of the others
// into it: a send agent in A, receive agents in B and C, each with a
// consumer on its own loopback. nftables in the bridge namespace drops 20%
// of the group's datagrams towards B (tc netem is not available). Nothing
// is created in, or sent through, the root namespace: every address used
// is inside the namespaces, which are deleted at the end.
//
// The agents, the publisher and the consumers are this test binary run
// again inside the namespaces (`ip netns exec`), as TestDirectHelperProcess.

const (
	helperEnv = "WSGW_DIRECT_HELPER"
	argsEnv   = "WSGW_DIRECT_ARGS"
)

// TestDirectHelperProcess is not a test: it is what the netns test runs
// in a namespace (wsgw itself, a consumer, or a publisher).
func TestDirectHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		t.Skip("a helper of TestDirect_Netns")
	}
	var args []string
	if err := json.Unmarshal([]byte(os.Getenv(argsEnv)), &args); err != nil {
		fmt.Fprintln(os.Stderr, "helper args:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	switch mode {
	case "wsgw":
		selfCommand = helperSelfCommand // bench direct runs itself again
		os.Exit(run(ctx, args, os.Stdout, os.Stderr))
	case "consumer": // listen address, file to append each notification's <n> to
		os.Exit(helperConsumer(ctx, args[0], args[1]))
	case "publisher": // send agent URL, count, receivers to wait for[, topic of t="urn:t"]
		args = append(args, "")
		os.Exit(helperPublisher(args[0], args[1], args[2], args[3]))
	case "get": // URL: exit 0 when it answers 200; the body on stdout
		resp, err := http.Get(args[0])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		io.Copy(os.Stdout, resp.Body) //nolint:errcheck // for the test's log
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(2)
}

func helperConsumer(ctx context.Context, addr, file string) int {
	f, err := os.OpenFile(file, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer f.Close()
	var mu sync.Mutex
	c := &consumer{}
	srv := &http.Server{Addr: addr, ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.ServeHTTP(w, r)
		mu.Lock()
		defer mu.Unlock()
		for _, k := range c.numbers() {
			fmt.Fprintln(f, k)
		}
		c.mu.Lock()
		c.got = c.got[:0]
		c.mu.Unlock()
	})}
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func helperPublisher(url, count, receivers, topic string) int {
	n, _ := strconv.Atoi(count)
	const want = `"Joined":true`
	wantN, _ := strconv.Atoi(receivers)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) { // a child process: no checkfor
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "publisher: the receivers did not join")
			return 1
		}
		resp, err := http.Get(url + "metrics")
		if err != nil {
			continue
		}
		var b strings.Builder
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			b.WriteString(sc.Text())
		}
		resp.Body.Close()
		if strings.Count(b.String(), want) >= wantN {
			break
		}
	}
	for i := 1; i <= n; i++ {
		body := fmt.Sprintf(`<s:Envelope xmlns:s="%s"><s:Body><wsnt:Notify xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2"><wsnt:NotificationMessage><wsnt:Message><n>%d</n></wsnt:Message></wsnt:NotificationMessage></wsnt:Notify></s:Body></s:Envelope>`, soap.NS11, i)
		if topic != "" {
			body = notifyEnvelope(topic, i)
		}
		for {
			req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
			req.Header.Set("Content-Type", soap.V11.ContentType())
			req.Header.Set("SOAPAction", `""`)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				fmt.Fprintln(os.Stderr, "publisher:", err)
				return 1
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusAccepted {
				break
			}
			if resp.StatusCode != http.StatusServiceUnavailable {
				fmt.Fprintln(os.Stderr, "publisher: HTTP", resp.StatusCode)
				return 1
			}
			time.Sleep(10 * time.Millisecond) // Retry-After, shortened
		}
		time.Sleep(2 * time.Millisecond) // a paced publisher
	}
	return 0
}

// netnsLab is the namespaces of one test.
type netnsLab struct {
	t       *testing.T
	prefix  string
	members []string
}

func (l *netnsLab) ns(name string) string { return l.prefix + name }

func (l *netnsLab) ip(args ...string) {
	l.t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		l.t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// needNetns skips (or, under CI, fails) where the test cannot run.
func needNetns(t *testing.T) {
	why := ""
	switch {
	case os.Geteuid() != 0:
		why = "needs root (network namespaces)"
	case lookPath("ip") != nil:
		why = "needs ip (iproute2)"
	case lookPath("nft") != nil:
		why = "needs nft (nftables)"
	}
	if why == "" {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s, and CI is set: .ci/run installs iproute2 and nftables and runs as root", why)
	}
	t.Skip(why)
}

func lookPath(name string) error { _, err := exec.LookPath(name); return err }

// newNetnsLab makes a namespace for each member (10.250.0.1 the first,
// .2 the next...) with a veth into a bridge in a namespace of its own.
func newNetnsLab(t *testing.T, members ...string) *netnsLab {
	var b [3]byte
	crand.Read(b[:]) //nolint:errcheck // never fails
	l := &netnsLab{t: t, prefix: "wd" + hex.EncodeToString(b[:]) + "-", members: members}
	t.Cleanup(func() {
		for _, n := range append([]string{"br"}, members...) {
			exec.Command("ip", "netns", "del", l.ns(n)).Run() //nolint:errcheck // best effort; absent is fine
		}
	})
	br := l.ns("br")
	l.ip("netns", "add", br)
	// IGMP snooping, the bridge its own querier. A bridge that has just
	// become querier floods all multicast for a query response interval
	// (10 s by default): 1 s here, so that snooping holds before the
	// tests send (what a namespace without members receives is checked).
	l.ip("-n", br, "link", "add", "br0", "type", "bridge", "mcast_snooping", "1", "mcast_querier", "1", "mcast_query_response_interval", "100")
	l.ip("-n", br, "link", "set", "br0", "up")
	for i, n := range members {
		ns := l.ns(n)
		l.ip("netns", "add", ns)
		// Both ends are created inside the namespaces: nothing in the root one.
		l.ip("link", "add", "v0", "netns", ns, "type", "veth", "peer", "name", "p"+n, "netns", br)
		l.ip("-n", br, "link", "set", "p"+n, "master", "br0")
		l.ip("-n", br, "link", "set", "p"+n, "up")
		l.ip("-n", ns, "addr", "add", fmt.Sprintf("10.250.0.%d/24", i+1), "dev", "v0")
		l.ip("-n", ns, "link", "set", "v0", "up")
		l.ip("-n", ns, "link", "set", "lo", "up")
		l.ip("-n", ns, "route", "add", "224.0.0.0/4", "dev", "v0")
	}
	return l
}

// lossTowards drops pct% of the group's datagrams forwarded to member n.
func (l *netnsLab) lossTowards(n string, pct int) {
	rules := fmt.Sprintf(`table bridge wsgwloss {
  chain lossy {
    type filter hook forward priority 0; policy accept;
    oifname "p%s" ip daddr 239.0.0.0/8 numgen random mod 100 < %d counter drop
  }
}
`, n, pct)
	cmd := exec.Command("ip", "netns", "exec", l.ns("br"), "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rules)
	if out, err := cmd.CombinedOutput(); err != nil {
		l.t.Fatalf("nft: %v: %s", err, out)
	}
}

// start runs this binary as a helper in namespace n.
func (l *netnsLab) start(n, mode string, args ...string) *helperProc {
	l.t.Helper()
	exe, err := os.Executable()
	if err != nil {
		l.t.Fatal(err)
	}
	a, _ := json.Marshal(args)
	cmd := exec.Command("ip", "netns", "exec", l.ns(n), exe, "-test.run=^TestDirectHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, argsEnv+"="+string(a))
	p := &helperProc{cmd: cmd}
	cmd.Stdout, cmd.Stderr = &p.out, &p.err
	if err := cmd.Start(); err != nil {
		l.t.Fatal(err)
	}
	p.done = make(chan struct{})
	go func() { cmd.Wait(); close(p.done) }() //nolint:errcheck // the exit is checked by the caller where it matters
	l.t.Cleanup(func() {
		cmd.Process.Kill() //nolint:errcheck // may have exited
		<-p.done
	})
	return p
}

type helperProc struct {
	cmd      *exec.Cmd
	out, err syncBuffer
	done     chan struct{}
}

// stop ends the process with SIGTERM and waits for it.
func (p *helperProc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck // may have exited
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("a helper did not stop on SIGTERM; stderr: %s", p.err.String())
	}
}

// metrics reads the agent's final counters line.
func (p *helperProc) metrics(t *testing.T, v any) {
	t.Helper()
	metricsLine(t, p.out.String(), p.err.String(), v)
}

// metricsLine reads an agent's final counters line from its output.
func metricsLine(t *testing.T, out, stderr string, v any) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if j, ok := strings.CutPrefix(line, "wsgw direct: metrics "); ok {
			if err := json.Unmarshal([]byte(j), v); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no metrics line in %q (stderr %q)", out, stderr)
}

func readNumbers(file string) []int {
	b, _ := os.ReadFile(file)
	var out []int
	for _, f := range strings.Fields(string(b)) {
		n, _ := strconv.Atoi(f)
		out = append(out, n)
	}
	return out
}

// TestDirect_Netns: a send agent in a, receive agents in b and c, over a
// bridge with IGMP snooping; b loses 20% of the group's datagrams. What
// is asserted holds on a starved CPU too (a repair that comes after the
// receiver's last NAK is a gap, which is the protocol working): every
// notification reaches each consumer once, in order, or is one of the
// sequences its agent reported as an explicit gap event (never a silent
// loss); every loss b saw was repaired or reported; at least half of b's
// losses were repaired by NAKs (at 20% loss and 5 NAKs a sequence, an
// unrepaired loss is one in hundreds: one run in a few had one); the
// repairs stay within the cap; c, losing nothing, sends no NAK and has
// no gap.
func TestDirect_Netns(t *testing.T) {
	needNetns(t)
	l := newNetnsLab(t, "a", "b", "c")
	l.lossTowards("b", 20)
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const count = 300
	// B's 20% loss is above the demotion threshold (5% of the sequences,
	// two intervals in a row): with the default 10 s interval, a run slowed
	// past 10 s (a loaded machine, -race) had B demoted and its losses
	// turned into gaps. This test is about repair; demotion has its own.
	sendCfg := write("send.yaml", "session: 4242\nkey: "+testDirectKey+"\ngroup: 239.77.1.1:7400\ninterface: v0\nsend:\n  listen: 127.0.0.1:18090\n  control: 10.250.0.1:7401\n  demote_interval: 1h\n")
	recvCfg := write("recv.yaml", "session: 4242\nkey: "+testDirectKey+"\ngroup: 239.77.1.1:7400\ninterface: v0\nrecv:\n  sender: 10.250.0.1:7401\n  consumer: http://127.0.0.1:18091/\n  status: 127.0.0.1:18092\n")
	send := l.start("a", "wsgw", "direct", "send", "--config", sendCfg)
	recvs := map[string]*helperProc{}
	files := map[string]string{}
	for _, n := range []string{"b", "c"} {
		files[n] = filepath.Join(dir, "got-"+n)
		l.start(n, "consumer", "127.0.0.1:18091", files[n])
		recvs[n] = l.start(n, "wsgw", "direct", "recv", "--config", recvCfg)
	}
	pub := l.start("a", "publisher", "http://127.0.0.1:18090/", strconv.Itoa(count), "2")
	for _, n := range []string{"b", "c"} {
		// Done when every notification was posted or is in a reported gap
		// (the agent's live counters, from its status listener).
		checkfor.Until(t, 90*time.Second, func() error {
			select {
			case <-pub.done:
				if pub.cmd.ProcessState.ExitCode() != 0 {
					t.Fatalf("publisher failed: %s", pub.err.String())
				}
			default:
			}
			var live recvCounts
			if out, err := l.get(n, "http://127.0.0.1:18092/metrics"); err == nil {
				json.Unmarshal([]byte(out), &live) //nolint:errcheck // retried until it reads
			}
			if got := len(readNumbers(files[n])); int64(got)+live.Engine.Total.GapSeqs < count {
				// What the agents said, for a failure to be read.
				return fmt.Errorf("the consumer in %s has %d of %d notifications, %d in gaps; receive agent's log: %s; send agent's log: %s",
					n, got, count, live.Engine.Total.GapSeqs, recvs[n].err.String(), send.err.String())
			}
			return nil
		})
	}
	send.stop(t)
	var sms struct {
		Channels []struct {
			Engine struct {
				DataBytes, RepairBytes, NAKsReceived, RepairPackets int64
			}
		}
	}
	send.metrics(t, &sms)
	if len(sms.Channels) != 1 {
		t.Fatalf("got %d channels in the send agent's metrics, want 1", len(sms.Channels))
	}
	sm := sms.Channels[0]
	var rm = map[string]*recvCounts{}
	for n, p := range recvs {
		p.stop(t)
		rm[n] = &recvCounts{}
		p.metrics(t, rm[n])
		e := rm[n].Engine.Total
		got := readNumbers(files[n])
		for i := 1; i < len(got); i++ {
			if got[i] <= got[i-1] {
				t.Fatalf("consumer in %s: got notification %d after %d, want each once, in order", n, got[i], got[i-1])
			}
		}
		if lost := int64(count - len(got)); lost != e.GapSeqs || rm[n].Poster.GapsUnrecovered != e.Gaps {
			t.Errorf("receiver %s: got %d of %d notifications, %d sequences in %d gap events (%d reported by the poster), want every one missing in a reported gap",
				n, len(got), count, e.GapSeqs, e.Gaps, rm[n].Poster.GapsUnrecovered)
		}
	}
	t.Logf("sender: data %d B, repairs %d B (%d datagrams), %d NAKs; B (20%% loss): %+v; C: %+v",
		sm.Engine.DataBytes, sm.Engine.RepairBytes, sm.Engine.RepairPackets, sm.Engine.NAKsReceived, rm["b"].Engine.Total, rm["c"].Engine.Total)
	b := rm["b"].Engine.Total
	if b.Missed < count/10 || b.Recovered+b.GapSeqs != b.Missed || b.NAKsSent == 0 || 2*b.Recovered < b.Missed {
		t.Errorf("receiver B: got %+v, want about 20%% missed, each repaired or in a gap, at least half repaired by NAKs", b)
	}
	if sm.Engine.NAKsReceived == 0 || sm.Engine.NAKsReceived > b.NAKsSent {
		t.Errorf("sender: got %d NAKs, want some, at most the %d B sent", sm.Engine.NAKsReceived, b.NAKsSent)
	}
	// Repairs within the cap (25% of the data + 64 KiB/s over the run +
	// the 64 KiB depth); and a repair per loss at most, plus retries.
	if limit := sm.Engine.DataBytes/4 + 64<<10*90 + 64<<10; sm.Engine.RepairBytes > limit || sm.Engine.RepairPackets > 2*b.Missed {
		t.Errorf("sender: got %d repair bytes in %d datagrams, want at most %d bytes and about one per loss (%d)",
			sm.Engine.RepairBytes, sm.Engine.RepairPackets, limit, b.Missed)
	}
	if c := rm["c"].Engine.Total; c.Missed != 0 || c.Gaps != 0 || c.NAKsSent != 0 {
		t.Errorf("receiver C (no loss): got %+v, want nothing missed, no NAK", c)
	}
}

// recvCounts are the receive agent's counters the netns tests read.
type recvCounts struct {
	Engine struct {
		Total struct{ NAKsSent, Missed, Recovered, Gaps, GapSeqs int64 }
	}
	Poster agent.PosterCounters
}
