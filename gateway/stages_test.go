package gateway

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/queueing"
)

// slowClient opens a connection from local address from (a loopback
// address: Linux routes all of 127/8 to lo) and sends a request's header
// and the first bytes of a body that never ends.
func slowClient(t *testing.T, gwURL, from string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	conn, err := d.Dial("tcp", strings.TrimPrefix(gwURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST /services/StockQuote HTTP/1.1\r\nHost: gw\r\n"+
		"Content-Type: text/xml; charset=utf-8\r\nSOAPAction: \"\"\r\nContent-Length: 4096\r\n\r\n<soap:Envelope")
	return conn
}

// Slow clients hold no worker: 64 connections that send a header and the
// start of a body, then nothing, leave a read stage of one worker free for
// everybody else; they are answered with a LimitExceeded fault (408) once
// they fall behind the minimum body rate.
func TestGateway_SlowBodiesHoldNoWorker(t *testing.T) {
	b := newBackend(t, "p0/r0")
	g := startGateway(t, Config{
		ReadStage: queueing.StageConfig{Workers: 1, QueueLen: -1, TargetDelay: -1},
		Clients:   ClientLimits{MinBodyRate: 64 << 10, BodyGrace: 300 * time.Millisecond},
		Services:  []ServiceConfig{quoteService("StockQuote", partitionOf(b))},
	})
	conns := make([]net.Conn, 64)
	for i := range conns {
		conns[i] = slowClient(t, g.url, "127.0.0.2")
	}
	for i := range 20 {
		r := post(t, g.url+"/services/StockQuote", v11, "GetQuote", envelope(v11, "", getQuote("ACME")))
		if r.status != http.StatusOK {
			t.Fatalf("request %d while 64 clients send slowly: got %d, want 200:\n%s", i, r.status, r.body)
		}
	}
	// Each slow client is answered with a fault once behind the rate.
	conns[0].SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conns[0]), nil)
	if err != nil {
		t.Fatalf("slow client: reading the answer: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout || !hasSubcode(string(body), "LimitExceeded") {
		t.Errorf("slow client: got %d, want 408 with a LimitExceeded fault:\n%s", resp.StatusCode, body)
	}
}

// One client address holds at most MaxConnsPerAddr connections: more are
// closed as they come, while another address is still served.
func TestGateway_ConnectionsPerAddressBounded(t *testing.T) {
	b := newBackend(t, "p0/r0")
	g := startGateway(t, Config{
		Clients:  ClientLimits{MaxConnsPerAddr: 2},
		Services: []ServiceConfig{quoteService("StockQuote", partitionOf(b))},
	})
	slowClient(t, g.url, "127.0.0.2")
	slowClient(t, g.url, "127.0.0.2")
	third := slowClient(t, g.url, "127.0.0.2")
	third.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := third.Read(make([]byte, 1)); err == nil {
		t.Errorf("third connection from one address: got %d bytes, want it closed", n)
	}
	r := post(t, g.url+"/services/StockQuote", v11, "GetQuote", envelope(v11, "", getQuote("ACME")))
	if r.status != http.StatusOK {
		t.Errorf("another address: got %d, want 200:\n%s", r.status, r.body)
	}
}

// A WSDL whose operations share a body element but differ by SOAPAction
// loads (the ambiguity is logged) and routes by action.
func TestGateway_AmbiguousWSDLStillServed(t *testing.T) {
	src, err := os.ReadFile("testdata/stockquote.wsdl")
	if err != nil {
		t.Fatal(err)
	}
	amb := strings.Replace(string(src),
		`<wsdl:message name="SetQuoteIn"><wsdl:part name="parameters" element="tns:SetQuote"/>`,
		`<wsdl:message name="SetQuoteIn"><wsdl:part name="parameters" element="tns:GetQuote"/>`, 1)
	if amb == string(src) {
		t.Fatal("testdata/stockquote.wsdl changed: the test's replacement no longer applies")
	}
	path := filepath.Join(t.TempDir(), "ambiguous.wsdl")
	if err := os.WriteFile(path, []byte(amb), 0o644); err != nil {
		t.Fatal(err)
	}
	b := newBackend(t, "p0/r0")
	svc := quoteService("StockQuote", partitionOf(b))
	svc.WSDL = path
	g := startGateway(t, Config{Services: []ServiceConfig{svc}})
	r := post(t, g.url+"/services/StockQuote", v11, "GetQuote", envelope(v11, "", getQuote("ACME")))
	if r.status != http.StatusOK {
		t.Fatalf("got %d, want 200:\n%s", r.status, r.body)
	}
	// Without an action the body element names two operations.
	r = post(t, g.url+"/services/StockQuote", v11, "", envelope(v11, "", getQuote("ACME")))
	if r.status != http.StatusInternalServerError || !hasSubcode(r.body, "OperationNotFound") {
		t.Errorf("no action, ambiguous body: got %d, want 500 with an OperationNotFound fault:\n%s", r.status, r.body)
	}
}

// Each partition has its own dispatch stage and adaptive limit: a
// partition whose backend stops answering fills its own limit and queue,
// and the next request for it is refused at once with a Busy fault naming
// the limit, while requests for the other partition are still answered.
func TestGateway_PartitionLimitRefusesAndIsolates(t *testing.T) {
	slow, fast := newBackend(t, "p0/r0"), newBackend(t, "p1/r0")
	release := slow.holdRequests(t)
	svc := quoteService("StockQuote", partitionOf(slow), partitionOf(fast))
	svc.Stage = queueing.StageConfig{Workers: 64, TargetDelay: -1,
		Limiter: &queueing.LimiterConfig{Initial: 1, QueueFactor: 0.01, ProbeInterval: -1}}
	g := startGateway(t, Config{Services: []ServiceConfig{svc}})
	s := g.byName["StockQuote"]
	keyFor := func(part string) string {
		for i := 0; ; i++ {
			if k := fmt.Sprint("K", i); s.cluster.Partition(k).Name() == part {
				return k
			}
		}
	}
	slowKey, fastKey := keyFor("p0"), keyFor("p1")
	url := g.url + "/services/StockQuote"
	held := make(chan error, 2)
	for range 2 { // one at the backend, one queued
		go func() {
			r, err := postE(url, v12, "GetQuote", envelope(v12, "", getQuote(slowKey)))
			if err == nil && r.status != http.StatusOK {
				err = fmt.Errorf("got %d, want 200", r.status)
			}
			held <- err
		}()
	}
	checkfor.Until(t, 5*time.Second, func() error {
		if st := s.parts[s.cluster.Partition(slowKey)].Stats(); st.Running != 1 || st.Queued != 1 {
			return fmt.Errorf("got %d running and %d queued in p0's stage, want 1 and 1", st.Running, st.Queued)
		}
		return nil
	})
	r := post(t, url, v12, "GetQuote", envelope(v12, "", getQuote(slowKey)))
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" || !hasSubcode(r.body, "Busy") ||
		!strings.Contains(r.body, queueing.ReasonLimit) {
		t.Errorf("got %d Retry-After=%q, want 503 with Retry-After and a Busy fault for the limit:\n%s",
			r.status, r.header.Get("Retry-After"), r.body)
	}
	if r := post(t, url, v12, "GetQuote", envelope(v12, "", getQuote(fastKey))); r.status != http.StatusOK {
		t.Errorf("other partition: got %d, want 200:\n%s", r.status, r.body)
	}
	release()
	for range 2 {
		if err := <-held; err != nil {
			t.Errorf("held request: %v", err)
		}
	}
}

// The bodies being read hold at most Clients.BodyMemory: a request whose
// body does not fit what is left is refused at once with a Busy fault,
// while a small one still fits.
func TestGateway_BodyMemoryBounded(t *testing.T) {
	b := newBackend(t, "p0/r0")
	g := startGateway(t, Config{
		Clients:  ClientLimits{BodyMemory: 2 << 10},
		Services: []ServiceConfig{quoteService("StockQuote", partitionOf(b))},
	})
	pad := "<q:Note>" + strings.Repeat("x", 4<<10) + "</q:Note>"
	r := post(t, g.url+"/services/StockQuote", v12, "GetQuote", envelope(v12, "", "<q:GetQuote><q:Symbol>ACME</q:Symbol>"+pad+"</q:GetQuote>"))
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" || !hasSubcode(r.body, "Busy") {
		t.Errorf("a body over the memory for bodies: got %d Retry-After=%q, want 503 with Retry-After and a Busy fault:\n%s",
			r.status, r.header.Get("Retry-After"), r.body)
	}
	if r := post(t, g.url+"/services/StockQuote", v12, "GetQuote", envelope(v12, "", getQuote("ACME"))); r.status != http.StatusOK {
		t.Errorf("a small body: got %d, want 200:\n%s", r.status, r.body)
	}
}
