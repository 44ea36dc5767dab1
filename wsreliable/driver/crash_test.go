package driver

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
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/internal/childproc"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/storage/badgerstore"
	"github.com/wsgw/wsgw/wsreliable"
)

// The crash test: a child process (this test binary, TestDriver_CrashChild)
// runs two reliable services on one badger DB, "Plain" delivering over
// HTTP and "RM" over WS-RM (BackendRM), to recording backends in the
// parent. WS-RM clients in the parent send sequences to both while the
// parent kills the child with SIGKILL at random moments and restarts it;
// the clients retransmit what is not acknowledged, as WS-RM requires.
const (
	crashDirEnv   = "WSGW_DRIVER_CRASH_DIR"   // the child's DB directory
	crashPlainEnv = "WSGW_DRIVER_CRASH_PLAIN" // the plain backend's URL
	crashRMEnv    = "WSGW_DRIVER_CRASH_RM"    // the WS-RM destination's URL
	// crashKillsEnv sets the number of kills (default 20); more make a
	// longer run.
	crashKillsEnv = "WSGW_DRIVER_CRASH_KILLS"
)

// TestDriver_CrashLosesNothingAcknowledged checks, across at least 20
// kills: no message acknowledged to a client is lost; the WS-RM backend
// gets no delivery ID as two messages (sequence, number) — a delivery is
// sent once, retransmissions being the same message; and it reports how
// often the plain backend got a delivery ID more than once (a crash after
// the backend answered and before the ack: at least once, by design).
func TestDriver_CrashLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("kills processes")
	}
	kills := 20
	if v := os.Getenv(crashKillsEnv); v != "" {
		kills, _ = strconv.Atoi(v)
	}
	plain, dest := newPlainRecorder(), newRMDest()
	plainSrv, destSrv := httptest.NewServer(plain), httptest.NewServer(dest)
	defer plainSrv.Close()
	defer destSrv.Close()
	dir := t.TempDir()
	env := append(os.Environ(), crashDirEnv+"="+dir, crashPlainEnv+"="+plainSrv.URL, crashRMEnv+"="+destSrv.URL)

	var addr atomic.Value // the child's current address
	addr.Store("")
	stop := make(chan struct{})
	var clients sync.WaitGroup
	var acked sync.Map // message id -> true, acknowledged to its client
	for i := range 4 {
		service := []string{"Plain", "RM"}[i%2]
		clients.Go(func() { runCrashClient(t, &addr, service, i, stop, &acked) })
	}

	begin := time.Now()
	for k := range kills {
		child := childproc.Start(t, "TestDriver_CrashChild", env, &addr)
		// Kill at a random moment, now and then before it even listens.
		wait := time.Duration(100+rand.IntN(800)) * time.Millisecond
		if k%5 == 4 {
			wait = time.Duration(rand.IntN(30)) * time.Millisecond
		}
		killAfter(child, wait)
		addr.Store("")
	}
	final := childproc.Start(t, "TestDriver_CrashChild", env, &addr)
	defer final.Kill()
	close(stop)
	finished := make(chan struct{})
	go func() { clients.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(60 * time.Second):
		t.Fatal("the clients did not get their last messages acknowledged in 60s")
	}

	var want []string
	acked.Range(func(k, _ any) bool { want = append(want, k.(string)); return true })
	checkfor.Until(t, 60*time.Second, func() error {
		missing := 0
		for _, id := range want {
			if !plain.has(id) && !dest.has(id) {
				missing++
			}
		}
		if missing > 0 {
			return fmt.Errorf("%d of %d acknowledged messages not delivered", missing, len(want))
		}
		return nil
	})
	lost := 0
	for _, id := range want {
		if !plain.has(id) && !dest.has(id) {
			lost++
		}
	}
	rmTwice, plainTwice := dest.twice(), plain.twice()
	// Both services deliver in order (InOrder): each client sequence's
	// messages first reach its backend in number order, whatever the
	// crashes repeated.
	destOrders, _ := dest.state()
	for name, orders := range map[string][]string{"Plain": plain.orders(), "RM": destOrders} {
		if bad := outOfOrder(orders); len(bad) > 0 {
			t.Errorf("%s backend: messages first received after a later one of their sequence: got %v, want none", name, bad)
		}
	}
	t.Logf("%d kills in %v; %d messages acknowledged; lost %d; backend_rm deliveries under one delivery ID as two messages: %d; plain backend delivery IDs received more than once: %d (of %d)",
		kills, time.Since(begin).Round(time.Millisecond), len(want), lost, rmTwice, plainTwice, plain.count())
	if lost != 0 {
		t.Errorf("acknowledged messages lost: got %d, want 0", lost)
	}
	if rmTwice != 0 {
		t.Errorf("backend_rm deliveries sent twice under one delivery ID: got %d, want 0", rmTwice)
	}
}

// killAfter kills c after d: the crash's moment (any will do, a random
// one is wanted).
func killAfter(c *childproc.Child, d time.Duration) {
	time.Sleep(d)
	c.Kill()
}

// TestDriver_CrashChild is the child of TestDriver_CrashLosesNothingAcknowledged:
// it serves the two services until killed.
func TestDriver_CrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("only run as the crash test's child")
	}
	db := openDB(t, filepath.Join(dir, "db"))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	drivers := map[string]*Driver{}
	plainURL, rmURL := os.Getenv(crashPlainEnv), os.Getenv(crashRMEnv)
	rmb := &rmSubmitter{to: rmURL}
	for name, b := range map[string]Backend{"Plain": crashPlainBackend(plainURL), "RM": rmb} {
		cfg := Config{Name: name, Engine: wsreliable.Config{InOrder: true, RetransmitBase: 50 * time.Millisecond,
			RetransmitMax: 400 * time.Millisecond}, BackendRM: name == "RM", MaxAttempts: -1, Backoff: testBackoff,
			DeliveryTimeout: 2 * time.Second, TickInterval: 20 * time.Millisecond}
		store, err := badgerstore.OpenReliable(ctx, db, name, badgerstore.ReliableOptions{Queue: cfg.QueueOptions(nil)})
		if err != nil {
			t.Fatal(err)
		}
		d, err := New(cfg, Options{Store: store, Backend: b, Client: &http.Client{Timeout: 5 * time.Second}, Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		drivers[name] = d
	}
	rmb.d = drivers["RM"]
	for _, d := range drivers {
		go d.Run(ctx) //nolint:errcheck // runs until the process is killed
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("listening", ln.Addr().String())
	http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { //nolint:errcheck // until killed
		d := drivers[strings.TrimPrefix(r.URL.Path, "/")]
		b, err := io.ReadAll(r.Body)
		if d == nil || err != nil {
			http.NotFound(w, r)
			return
		}
		m, err := soap.ReadMessageBytes(b, xmldoc.Limits{})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		st, h, body := d.HandleRequest(r.Context(), m, r.Header)
		for k, v := range h {
			w.Header()[k] = v
		}
		w.WriteHeader(st)
		w.Write(body) //nolint:errcheck // the client retries
	}))
}

// crashPlainBackend POSTs each delivery to url.
type crashPlainBackend string

func (u crashPlainBackend) Deliver(ctx context.Context, msg []byte, hdr http.Header) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, string(u), strings.NewReader(string(msg)))
	if err != nil {
		return nil, 0, err
	}
	req.Header = hdr.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return nil, 0, fmt.Errorf("backend answered %s", resp.Status)
	}
	return body, resp.StatusCode, nil
}

// runCrashClient sends WS-RM sequences of 30 messages to service at the
// child's current address until stop is closed, each message until it is
// acknowledged, swapping the order of neighbours now and then (a gap the
// service holds back for). It records in acked every message id
// acknowledged.
func runCrashClient(t *testing.T, addr *atomic.Value, service string, client int, stop <-chan struct{}, acked *sync.Map) {
	hc := &http.Client{Timeout: 5 * time.Second}
	post := func(header, body string) (string, bool) {
		a := addr.Load().(string)
		if a == "" {
			time.Sleep(10 * time.Millisecond) // the child is restarting
			return "", false
		}
		resp, err := hc.Post("http://"+a+"/"+service, "text/xml; charset=utf-8", strings.NewReader(fmt.Sprintf(rmEnv, header, body)))
		if err != nil {
			time.Sleep(10 * time.Millisecond)
			return "", false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b), resp.StatusCode == http.StatusOK
	}
	for s := 0; ; s++ {
		select {
		case <-stop:
			return
		default:
		}
		var seq string
		for seq == "" {
			body, ok := post(`<wsa:Action>`+wsreliable.ActionCreateSequence+`</wsa:Action>`,
				`<wsrm:CreateSequence><wsrm:AcksTo><wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence>`)
			if m := idRE.FindStringSubmatch(body); ok && m != nil {
				seq = m[1]
			}
		}
		const n = 30
		order := make([]int, n)
		for i := range order {
			order[i] = i + 1
		}
		for i := 0; i+1 < n; i += 2 {
			if rand.IntN(4) == 0 {
				order[i], order[i+1] = order[i+1], order[i]
			}
		}
		done := map[int]bool{}
		for _, num := range order {
			id := fmt.Sprintf("%s-c%d-s%d-%d", service, client, s, num)
			for !done[num] {
				body, ok := post(fmt.Sprintf(`<wsrm:Sequence><wsrm:Identifier>%s</wsrm:Identifier><wsrm:MessageNumber>%d</wsrm:MessageNumber></wsrm:Sequence>`, seq, num),
					fmt.Sprintf(`<o:Order xmlns:o="urn:order"><o:Id>%s</o:Id></o:Order>`, id))
				if !ok {
					continue
				}
				for _, m := range ackRangeRE.FindAllStringSubmatch(body, -1) {
					hi, _ := strconv.Atoi(m[1])
					lo, _ := strconv.Atoi(m[2])
					for k := lo; k <= hi; k++ {
						if !done[k] {
							done[k] = true
							acked.Store(fmt.Sprintf("%s-c%d-s%d-%d", service, client, s, k), true)
						}
					}
				}
			}
		}
	}
}

var ackRangeRE = regexp.MustCompile(`Upper="(\d+)" Lower="(\d+)"`)

// outOfOrder returns the order ids ("<service>-c<client>-s<seq>-<n>") of
// orders that come after a higher n of the same client sequence.
func outOfOrder(orders []string) []string {
	var bad []string
	highest := map[string]int{}
	for _, id := range orders {
		i := strings.LastIndex(id, "-")
		n, err := strconv.Atoi(id[i+1:])
		if err != nil {
			return []string{id}
		}
		if seq := id[:i]; n < highest[seq] {
			bad = append(bad, id)
		} else {
			highest[seq] = n
		}
	}
	return bad
}

// plainRecorder records the order ids and delivery IDs it receives.
type plainRecorder struct {
	mu    sync.Mutex      // guards the fields below
	ids   map[string]int  // delivery ID -> times received
	got   map[string]bool // order ids
	order []string        // order ids, first arrivals, in arrival order
}

func newPlainRecorder() *plainRecorder {
	return &plainRecorder{ids: map[string]int{}, got: map[string]bool{}}
}

func (p *plainRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ids[r.Header.Get(DeliveryIDHeader)]++
	if m := orderRE.FindSubmatch(b); m != nil && !p.got[string(m[1])] {
		p.got[string(m[1])] = true
		p.order = append(p.order, string(m[1]))
	}
	w.WriteHeader(http.StatusAccepted)
}

func (p *plainRecorder) has(id string) bool { p.mu.Lock(); defer p.mu.Unlock(); return p.got[id] }

func (p *plainRecorder) orders() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.order)
}

func (p *plainRecorder) count() int { p.mu.Lock(); defer p.mu.Unlock(); return len(p.ids) }

// twice counts the delivery IDs received more than once.
func (p *plainRecorder) twice() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, c := range p.ids {
		if c > 1 {
			n++
		}
	}
	return n
}

func TestOutOfOrder_FindsLateLowerNumbers(t *testing.T) {
	got := outOfOrder([]string{"RM-c1-s0-1", "RM-c1-s0-3", "RM-c3-s0-1", "RM-c1-s0-2", "RM-c1-s1-1", "RM-c1-s0-4"})
	if want := []string{"RM-c1-s0-2"}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
