package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsgw/wsgw/examples/orders"
	"github.com/wsgw/wsgw/storage/natsnode/natstest"
	"github.com/wsgw/wsgw/wsreliable"
)

// The fault test's WS-RM part: while nodes are killed, clients send
// WS-RM 1.2 sequences (in order, exactly once) to two reliable services
// of the cluster, each client failing over to another node when one does
// not answer or refuses busy, and sending a message again until an
// acknowledgement covers it. Orders delivers to a plain HTTP backend (a
// delivery repeated under one delivery ID is possible there, when a node
// dies between the backend's answer and the ack: counted, not failed);
// OrdersRM delivers over WS-RM 1.2 (backend_rm) to a fourth `wsgw serve`
// (on badger, never killed) that is the RM destination in front of the
// same backend: a message delivered there twice is a failure.

// faultRMBackend records the orders each path (/plain, /rm) received:
// order ID -> delivery IDs and times.
type faultRMBackend struct {
	*httptest.Server
	mu  sync.Mutex // guards got
	got map[string]map[string][]faultReceipt
}

type faultReceipt struct {
	id string // Wsgw-Delivery-Id
	at time.Time
}

var faultOrderRE = regexp.MustCompile(`<o:OrderId>([^<]+)</o:OrderId>`)

func newFaultRMBackend(t *testing.T) *faultRMBackend {
	b := &faultRMBackend{got: map[string]map[string][]faultReceipt{}}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		m := faultOrderRE.FindSubmatch(body)
		if r.Method != http.MethodPost || m == nil {
			http.Error(w, "no order", http.StatusBadRequest)
			return
		}
		b.mu.Lock()
		if b.got[r.URL.Path] == nil {
			b.got[r.URL.Path] = map[string][]faultReceipt{}
		}
		b.got[r.URL.Path][string(m[1])] = append(b.got[r.URL.Path][string(m[1])], faultReceipt{r.Header.Get(wsreliable.DeliveryIDHeader), time.Now()})
		b.mu.Unlock()
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		fmt.Fprintf(w, `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><o:SubmitOrderResponse xmlns:o="%s"><o:Accepted>true</o:Accepted></o:SubmitOrderResponse></soap:Body></soap:Envelope>`, orders.Namespace)
	}))
	t.Cleanup(b.Close)
	return b
}

func (b *faultRMBackend) receipts(path, order string) []faultReceipt {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]faultReceipt(nil), b.got[path][order]...)
}

// faultRMServices is the services section of the cluster nodes' configs:
// Orders to the backend's /plain, OrdersRM over WS-RM to dest.
func faultRMServices(t *testing.T, backend, dest string) string {
	wsdl, err := filepath.Abs("../../examples/orders/orders.wsdl")
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf(`services:
  - name: Orders
    wsdl: %[1]s
    cluster: {partitions: [{replicas: [%[2]s/plain]}]}
    reliable:
      in_order: true
      retry: {backoff: 50ms, max_backoff: 500ms, max_attempts: -1, timeout: 2s}
      egress: {cidrs: [loopback]}
  - name: OrdersRM
    wsdl: %[1]s
    cluster: {partitions: [{replicas: [http://%[3]s/services/Orders]}]}
    reliable:
      in_order: true
      backend_rm: true
      max_keep: 1h
      retry: {backoff: 50ms, max_backoff: 500ms, max_attempts: -1, timeout: 2s}
      egress: {cidrs: [loopback]}
`, wsdl, backend, dest)
}

// startFaultDest starts the RM destination of OrdersRM: a `wsgw serve`
// on badger whose reliable Orders delivers to the backend's /rm.
func startFaultDest(t *testing.T, backend string) *faultNode {
	dir := t.TempDir()
	wsdl, err := filepath.Abs("../../examples/orders/orders.wsdl")
	if err != nil {
		t.Fatal(err)
	}
	n := &faultNode{name: "dest", addr: fmt.Sprintf("127.0.0.1:%d", natstest.FreePorts(t, 1)[0]),
		cfgPath: filepath.Join(dir, "dest.yaml"), logPath: filepath.Join(dir, "dest.log")}
	cfg := fmt.Sprintf(`listen: %s
data_dir: %s
log: {level: warn}
services:
  - name: Orders
    wsdl: %s
    cluster: {partitions: [{replicas: [%s/rm]}]}
    reliable:
      in_order: true
      retry: {backoff: 50ms, max_backoff: 500ms, max_attempts: -1, timeout: 2s}
      egress: {cidrs: [loopback]}
`, n.addr, filepath.Join(dir, "data"), wsdl, backend)
	if err := os.WriteFile(n.cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		n.kill()
		if t.Failed() {
			b, _ := os.ReadFile(n.logPath)
			t.Logf("log of dest:\n%s", b)
		}
	})
	n.start(t)
	n.serving(t, 60*time.Second)
	return n
}

// faultRMSender sends one sequence after the other to a service of the
// cluster through the failing-over client, and records when each message
// was acknowledged.
type faultRMSender struct {
	c       *faultClient
	service string // Orders or OrdersRM
	name    string // the senders' order IDs begin with it

	mu    sync.Mutex // guards acked
	acked map[string]time.Time
	// faults counts answers that were SOAP faults other than busy (the
	// sequence is then given up and a new one made).
	faults atomic.Int64
}

var (
	faultIdentRE = regexp.MustCompile(`<wsrm:Identifier>([^<]+)</wsrm:Identifier>`)
	faultRangeRE = regexp.MustCompile(`AcknowledgementRange\s([^>]*)>`)
	faultUpperRE = regexp.MustCompile(`Upper="(\d+)"`)
	faultLowerRE = regexp.MustCompile(`Lower="(\d+)"`)
)

// ackCovers reports whether an answer's SequenceAcknowledgement covers n.
func ackCovers(body []byte, n int) bool {
	for _, m := range faultRangeRE.FindAllSubmatch(body, -1) {
		up, lo := faultUpperRE.FindSubmatch(m[1]), faultLowerRE.FindSubmatch(m[1])
		if up == nil || lo == nil {
			continue
		}
		u, _ := strconv.Atoi(string(up[1]))
		l, _ := strconv.Atoi(string(lo[1]))
		if l <= n && n <= u {
			return true
		}
	}
	return false
}

// run sends until stop is closed.
func (s *faultRMSender) run(stop <-chan struct{}) {
	path := "/services/" + s.service
	for k := 0; ; k++ {
		var seq string
		for seq == "" {
			select {
			case <-stop:
				return
			default:
			}
			status, body, err := s.c.post(path, orders.CreateSequence11())
			if m := faultIdentRE.FindSubmatch(body); err == nil && status == http.StatusOK && m != nil {
				seq = string(m[1])
			}
		}
		for n := 1; ; n++ {
			order := fmt.Sprintf("%s-%d-%d", s.name, k, n)
			for {
				select {
				case <-stop:
					return
				default:
				}
				status, body, err := s.c.post(path, orders.SubmitOrder11(seq, n, "c", order))
				if err != nil {
					continue // no node answered within 20s: again
				}
				if status == http.StatusOK && ackCovers(body, n) {
					s.mu.Lock()
					s.acked[order] = time.Now()
					s.mu.Unlock()
					break
				}
				if status >= 300 && !strings.Contains(string(body), "unavailable") {
					s.faults.Add(1) // a fault: give the sequence up
					n = -1
					break
				}
				time.Sleep(20 * time.Millisecond) // pacing before sending n again
			}
			if n < 0 {
				break
			}
			time.Sleep(5 * time.Millisecond) // pacing
		}
	}
}

func (s *faultRMSender) ackedOrders() map[string]time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]time.Time, len(s.acked))
	for k, v := range s.acked {
		out[k] = v
	}
	return out
}

// faultRMResult is what one service's senders counted.
type faultRMResult struct {
	acked, lost, late, sameIDTwice, otherIDTwice, faults int
	takeover                                             time.Duration
}

// faultRMCount waits up to settle for every acknowledged order of
// senders to reach path of b, then counts. What is missing then is waited
// for twice as long again: what arrives meanwhile is late, the rest lost.
func faultRMCount(b *faultRMBackend, path string, senders []*faultRMSender, killTimes []time.Time, settle time.Duration) faultRMResult {
	acked := map[string]time.Time{}
	var r faultRMResult
	for _, s := range senders {
		for k, v := range s.ackedOrders() {
			acked[k] = v
		}
		r.faults += int(s.faults.Load())
	}
	r.acked = len(acked)
	missing := func() int {
		n := 0
		for order := range acked {
			if len(b.receipts(path, order)) == 0 {
				n++
			}
		}
		return n
	}
	start := time.Now()
	atSettle := -1
	for {
		m := missing()
		if atSettle < 0 && (m == 0 || time.Since(start) > settle) {
			atSettle = m
		}
		if m == 0 || time.Since(start) > 3*settle {
			r.lost, r.late = m, atSettle-m
			break
		}
		time.Sleep(100 * time.Millisecond) // a bounded wait for deliveries to settle; what is missing then is counted
	}
	for order, at := range acked {
		rs := b.receipts(path, order)
		ids := map[string]int{}
		for _, x := range rs {
			ids[x.id]++
		}
		for _, c := range ids {
			if c > 1 {
				r.sameIDTwice += c - 1
			}
		}
		if len(ids) > 1 {
			r.otherIDTwice += len(ids) - 1
		}
		for _, k := range killTimes {
			if len(rs) > 0 && !at.Before(k) && at.Before(k.Add(10*time.Second)) && rs[0].at.Sub(at) > r.takeover {
				r.takeover = rs[0].at.Sub(at)
			}
		}
	}
	return r
}
