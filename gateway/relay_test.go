package gateway

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/gateway/cluster"
	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

func TestGateway_RelaysBackendFaultUnchanged(t *testing.T) {
	r0, r1 := newBackend(t, "p0/r0"), newBackend(t, "p0/r1")
	for _, b := range []*backend{r0, r1} {
		b.failWith.Store(http.StatusInternalServerError)
		b.soapFault.Store(true)
	}
	g := startGateway(t, Config{Services: []ServiceConfig{quoteService("StockQuote", partitionOf(r0, r1))}})
	r := post(t, g.url+"/services/StockQuote", v11, "GetQuote", envelope(v11, "", getQuote("F")))
	if r.status != 500 || r.body != backendFault11 {
		t.Errorf("got %d\n%s\nwant 500 with the backend's fault unchanged", r.status, r.body)
	}
	if n := r0.calls.Load() + r1.calls.Load(); n != 1 {
		t.Errorf("got %d tries, want 1: a SOAP fault is an answer, not a failure", n)
	}
}

func TestGateway_RetriesIdempotentOnNonSOAP5xx(t *testing.T) {
	r0, r1 := newBackend(t, "p0/r0"), newBackend(t, "p0/r1")
	for _, b := range []*backend{r0, r1} {
		b.failWith.Store(http.StatusBadGateway)
	}
	g := startGateway(t, Config{Services: []ServiceConfig{quoteService("StockQuote", partitionOf(r0, r1))}})
	url := g.url + "/services/StockQuote"
	r := post(t, url, v11, "GetQuote", envelope(v11, "", getQuote("G")))
	if r.status != http.StatusInternalServerError || !hasSubcode(r.body, "BackendUnavailable") {
		t.Errorf("GetQuote: got %d, want 500 BackendUnavailable after both replicas failed:\n%s", r.status, r.body)
	}
	if n := r0.calls.Load() + r1.calls.Load(); n != 2 {
		t.Errorf("GetQuote: got %d tries, want 2", n)
	}
	r = post(t, url, v11, "SetQuote", envelope(v11, "", setQuote("G")))
	if r.status != http.StatusBadGateway || !strings.Contains(r.body, "backend trouble") {
		t.Errorf("SetQuote: got %d %q, want the backend's 502 relayed (not idempotent: no retry)", r.status, r.body)
	}
	if n := r0.setCount("G") + r1.setCount("G"); n != 1 {
		t.Errorf("SetQuote: got %d calls, want 1", n)
	}
}

func TestGateway_StreamsReply(t *testing.T) {
	b := newBackend(t, "p0/r0")
	b.stream = make(chan struct{})
	var once bool
	release := func() {
		if !once {
			once = true
			close(b.stream)
		}
	}
	t.Cleanup(release)
	g := startGateway(t, Config{Services: []ServiceConfig{quoteService("StockQuote", partitionOf(b))}})
	req, _ := http.NewRequest(http.MethodPost, g.url+"/services/StockQuote",
		strings.NewReader(envelope(v11, "", getQuote("STREAM"))))
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `"`+quoteNS+`/GetQuote"`)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// The first half arrives while the backend still holds the second.
	first := make([]byte, 10)
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatalf("reading the first bytes: %v", err)
	}
	release()
	rest, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := servedBy(string(first) + string(rest)); err != nil || got != "p0/r0" {
		t.Errorf("got ServedBy %q (%v), want p0/r0", got, err)
	}
}

func TestGateway_RefusesOversizedRequest(t *testing.T) {
	b := newBackend(t, "p0/r0")
	g := startGateway(t, Config{Limits: xmldoc.Limits{MaxBytes: 512},
		Services: []ServiceConfig{quoteService("StockQuote", partitionOf(b))}})
	body := string(quoteRequest(2048))
	h := http.Header{"Content-Type": {"text/xml; charset=utf-8"}, "Soapaction": {`"` + quoteNS + `/GetQuote"`}}
	declared := do(t, http.MethodPost, g.url+"/services/StockQuote", h, body)

	// Without a declared length (chunked), the guarded reader stops it.
	req, _ := http.NewRequest(http.MethodPost, g.url+"/services/StockQuote", io.MultiReader(strings.NewReader(body)))
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	streamed := response{status: resp.StatusCode, header: resp.Header, body: string(raw)}
	for name, r := range map[string]response{"declared": declared, "streamed": streamed} {
		if r.status != 500 || !hasSubcode(r.body, "LimitExceeded") {
			t.Errorf("%s: got %d, want a LimitExceeded fault:\n%s", name, r.status, r.body)
		}
	}
	if n := b.calls.Load(); n != 0 {
		t.Errorf("got %d requests at the backend, want 0", n)
	}
}

// A replica whose reply stalls in the middle of its body until the try's
// timeout has timed out: it counts against the replica (here its breaker,
// opened by one failure), and the client's reply is broken off. It was
// counted as a success: the relay took the try's own deadline for the
// client going away.
func TestGateway_ReplyStalledPastTimeoutCountsAgainstReplica(t *testing.T) {
	b := newBackend(t, "p0/r0")
	b.stream = make(chan struct{})
	t.Cleanup(func() { close(b.stream) })
	svc := quoteService("StockQuote", partitionOf(b))
	svc.Timeout = 200 * time.Millisecond
	svc.Cluster.Breaker = cluster.BreakerConfig{MinRequests: 1}
	g := startGateway(t, Config{Services: []ServiceConfig{svc}})
	req, _ := http.NewRequest(http.MethodPost, g.url+"/services/StockQuote",
		strings.NewReader(envelope(v11, "", getQuote("STALL"))))
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `"`+quoteNS+`/GetQuote"`)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil {
		t.Errorf("got a whole reply, want it broken off")
	}
	rep := g.byName["StockQuote"].cluster.Partitions()[0].Replicas()[0]
	checkfor.True(t, 5*time.Second, "breaker open", func() bool { return rep.State().Breaker == "open" })
}

// A backend replying with a status code outside 100-599 (RFC 9110, 15)
// gets the client a SOAP fault: the try failed. Relayed, a code below 100
// made the handler panic in WriteHeader and the client lost its
// connection with no answer.
func TestGateway_InvalidBackendStatusIsAFault(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				br := bufio.NewReader(nc)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					io.Copy(io.Discard, req.Body)
					io.WriteString(nc, "HTTP/1.1 099 Odd\r\nContent-Length: 0\r\n\r\n")
				}
			}()
		}
	}()
	svc := quoteService("StockQuote", cluster.PartitionConfig{Replicas: []string{"http://" + ln.Addr().String()}})
	svc.Cluster.Health = cluster.HealthConfig{}
	g := startGateway(t, Config{Services: []ServiceConfig{svc}})
	r, err := postE(g.url+"/services/StockQuote", v11, "GetQuote", envelope(v11, "", getQuote("ODD")))
	if err != nil {
		t.Fatalf("got %v, want a SOAP fault", err)
	}
	if r.status < 500 || !strings.Contains(r.body, "Fault") {
		t.Errorf("got %d:\n%s\nwant a 5xx SOAP fault", r.status, r.body)
	}
}
