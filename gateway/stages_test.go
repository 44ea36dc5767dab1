package gateway

import (
	"fmt"
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

// A client that sends its body slowly holds a worker of the read stage,
// never one of the service's dispatch stage; when the read stage is full,
// the next request is refused at once with a Busy fault.
func TestGateway_ReadStageRefusesWhenFull(t *testing.T) {
	b := newBackend(t, "p0/r0")
	svc := quoteService("StockQuote", partitionOf(b))
	g := startGateway(t, Config{
		ReadStage: queueing.StageConfig{Workers: 1, QueueLen: -1, TargetDelay: -1},
		Services:  []ServiceConfig{svc},
	})
	conn, err := net.Dial("tcp", strings.TrimPrefix(g.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Headers and the start of a body that never ends.
	fmt.Fprintf(conn, "POST /services/StockQuote HTTP/1.1\r\nHost: gw\r\n"+
		"Content-Type: text/xml; charset=utf-8\r\nSOAPAction: \"\"\r\nContent-Length: 4096\r\n\r\n<soap:Envelope")
	checkfor.Until(t, 5*time.Second, func() error {
		if n := g.read.Stats().Running; n != 1 {
			return fmt.Errorf("got %d running in the read stage, want 1", n)
		}
		return nil
	})
	if n := g.dispatchStats("StockQuote").Running; n != 0 {
		t.Errorf("got %d running in the dispatch stage while a client is still sending, want 0", n)
	}
	r := post(t, g.url+"/services/StockQuote", v12, "GetQuote", envelope(v12, "", getQuote("ACME")))
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" || !hasSubcode(r.body, "Busy") {
		t.Errorf("got %d Retry-After=%q, want 503 with Retry-After and a Busy fault:\n%s",
			r.status, r.header.Get("Retry-After"), r.body)
	}
	if !strings.Contains(r.body, "http://www.w3.org/2003/05/soap-envelope") {
		t.Errorf("got a fault of another version than the SOAP 1.2 request:\n%s", r.body)
	}
	conn.Close() // the stalled client goes away and frees the worker
	checkfor.Until(t, 5*time.Second, func() error {
		r, err := postE(g.url+"/services/StockQuote", v11, "GetQuote", envelope(v11, "", getQuote("ACME")))
		if err != nil || r.status != http.StatusOK {
			return fmt.Errorf("got %d (%v), want 200", r.status, err)
		}
		return nil
	})
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
