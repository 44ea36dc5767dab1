package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/gateway/cluster"
	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/queueing"
)

func TestGateway_GetQuoteBothVersions(t *testing.T) {
	b := newBackend(t, "p0/r0")
	g := startGateway(t, Config{Services: []ServiceConfig{quoteService("StockQuote", partitionOf(b))}})
	for _, v := range []soapVersion{v11, v12} {
		t.Run(v.String(), func(t *testing.T) {
			req := envelope(v, "", "\n  <q:GetQuote  ><!-- kept --><q:Symbol>ACME</q:Symbol></q:GetQuote>\n")
			r := post(t, g.url+"/services/StockQuote", v, "GetQuote", req)
			if r.status != http.StatusOK {
				t.Fatalf("got status %d, want 200; body:\n%s", r.status, r.body)
			}
			if got, err := servedBy(r.body); err != nil || got != "p0/r0" {
				t.Errorf("got ServedBy %q (%v), want p0/r0", got, err)
			}
			if got := r.header.Get("X-Backend"); got != "p0/r0" {
				t.Errorf("got X-Backend %q, want the backend's header relayed", got)
			}
			if got := b.lastBody(); got != req {
				t.Errorf("backend got body\n%s\nwant the request's bytes unchanged\n%s", got, req)
			}
			h := b.lastHeader()
			if h.Get("X-Forwarded-For") != "127.0.0.1" || h.Get("X-Forwarded-Proto") != "http" ||
				h.Get("X-Forwarded-Host") == "" {
				t.Errorf("got forwarded headers %v, want X-Forwarded-For/-Proto/-Host", h)
			}
			if v == v11 && h.Get("SOAPAction") != `"`+quoteNS+`/GetQuote"` {
				t.Errorf("got SOAPAction %q, want it preserved", h.Get("SOAPAction"))
			}
		})
	}
}

func TestGateway_Affinity(t *testing.T) {
	var parts []cluster.PartitionConfig
	for p := range 2 {
		parts = append(parts, partitionOf(newBackend(t, fmt.Sprintf("p%d/r0", p)), newBackend(t, fmt.Sprintf("p%d/r1", p))))
	}
	g := startGateway(t, Config{Services: []ServiceConfig{quoteService("StockQuote", parts...)}})
	url := g.url + "/services/StockQuote"
	partitionOf := func(symbol string) string {
		r := post(t, url, v11, "GetQuote", envelope(v11, "", getQuote(symbol)))
		s, err := servedBy(r.body)
		if err != nil {
			t.Fatalf("%s: status %d: %v", symbol, r.status, err)
		}
		return strings.Split(s, "/")[0]
	}
	seen := make(map[string]bool)
	for i := range 20 {
		symbol := fmt.Sprintf("SYM%d", i)
		first := partitionOf(symbol)
		seen[first] = true
		for range 3 {
			if got := partitionOf(symbol); got != first {
				t.Fatalf("%s: got partition %s, want %s as before", symbol, got, first)
			}
		}
	}
	if len(seen) != 2 {
		t.Errorf("got partitions %v for 20 symbols, want both", seen)
	}
}

func TestGateway_FailoverToLiveReplica(t *testing.T) {
	dead, live := newBackend(t, "p0/r0"), newBackend(t, "p0/r1")
	svc := quoteService("StockQuote", partitionOf(dead, live))
	svc.Cluster.Health = cluster.HealthConfig{} // passive only: the dead replica stays in the set
	g := startGateway(t, Config{Services: []ServiceConfig{svc}})
	dead.kill()
	url := g.url + "/services/StockQuote"
	for i := range 6 {
		r := post(t, url, v11, "GetQuote", envelope(v11, "", getQuote("ACME")))
		if got, _ := servedBy(r.body); r.status != 200 || got != "p0/r1" {
			t.Fatalf("GetQuote %d: got %d %q, want 200 from p0/r1:\n%s", i, r.status, got, r.body)
		}
		// Refused connections never reached the backend: even the
		// non-idempotent SetQuote fails over.
		r = post(t, url, v12, "SetQuote", envelope(v12, "", setQuote(fmt.Sprintf("S%d", i))))
		if r.status != 200 {
			t.Fatalf("SetQuote %d: got %d, want 200:\n%s", i, r.status, r.body)
		}
		if n := live.setCount(fmt.Sprintf("S%d", i)); n != 1 {
			t.Errorf("SetQuote %d: got %d calls at the live replica, want 1", i, n)
		}
	}
}

func TestGateway_NonIdempotentNeverSentTwice(t *testing.T) {
	dropper, live := newBackend(t, "p0/r0"), newBackend(t, "p0/r1")
	dropper.drop.Store(true)
	lone := newBackend(t, "p0/r0")
	lone.drop.Store(true)
	mixed := quoteService("Mixed", partitionOf(dropper, live))
	only := quoteService("Dropper", partitionOf(lone))
	for _, s := range []*ServiceConfig{&mixed, &only} {
		s.Cluster.Health = cluster.HealthConfig{}
		s.Cluster.Outlier = cluster.OutlierConfig{ConsecutiveFailures: 1000}
	}
	g := startGateway(t, Config{Services: []ServiceConfig{mixed, only}})

	for _, v := range []soapVersion{v11, v12} {
		r := post(t, g.url+"/services/Dropper", v, "SetQuote", envelope(v, "", setQuote("LONE"+v.String())))
		if r.status == 200 || !hasSubcode(r.body, "OutcomeUnknown") {
			t.Errorf("%s: got %d, want an OutcomeUnknown fault:\n%s", v, r.status, r.body)
		}
		if n := lone.setCount("LONE" + v.String()); n != 1 {
			t.Errorf("%s: got %d calls at the backend, want exactly 1", v, n)
		}
	}
	for i := range 10 {
		symbol := fmt.Sprintf("M%d", i)
		r := post(t, g.url+"/services/Mixed", v11, "GetQuote", envelope(v11, "", getQuote(symbol)))
		if got, _ := servedBy(r.body); r.status != 200 || got != "p0/r1" {
			t.Errorf("GetQuote %d: got %d %q, want 200 from p0/r1 (idempotent, fails over)", i, r.status, got)
		}
		r = post(t, g.url+"/services/Mixed", v11, "SetQuote", envelope(v11, "", setQuote(symbol)))
		if r.status != 200 && !hasSubcode(r.body, "OutcomeUnknown") {
			t.Errorf("SetQuote %d: got %d, want 200 or an OutcomeUnknown fault:\n%s", i, r.status, r.body)
		}
		if n := dropper.setCount(symbol) + live.setCount(symbol); n != 1 {
			t.Errorf("SetQuote %d: got %d calls across replicas, want exactly 1", i, n)
		}
	}
}

func TestGateway_HealthEjectionAndReadmission(t *testing.T) {
	r0, r1 := newBackend(t, "p0/r0"), newBackend(t, "p0/r1")
	g := startGateway(t, Config{Services: []ServiceConfig{quoteService("StockQuote", partitionOf(r0, r1))}})
	url := g.url + "/services/StockQuote"
	r0.healthy.Store(false)
	checkfor.Until(t, 5*time.Second, func() error {
		if g.byName["StockQuote"].cluster.Partitions()[0].Replicas()[0].State().Healthy {
			return errors.New("r0 still healthy")
		}
		return nil
	})
	for i := range 10 {
		r := post(t, url, v11, "GetQuote", envelope(v11, "", getQuote("ACME")))
		if got, _ := servedBy(r.body); got != "p0/r1" {
			t.Fatalf("request %d: got ServedBy %q, want p0/r1 while r0 fails its health checks", i, got)
		}
	}
	r0.healthy.Store(true)
	checkfor.Until(t, 5*time.Second, func() error {
		r := post(t, url, v11, "GetQuote", envelope(v11, "", getQuote("ACME")))
		if got, _ := servedBy(r.body); got != "p0/r0" {
			return fmt.Errorf("got ServedBy %q, want p0/r0 back", got)
		}
		return nil
	})
}

func TestGateway_Readyz(t *testing.T) {
	a, b := newBackend(t, "a"), newBackend(t, "b")
	g := startGateway(t, Config{Services: []ServiceConfig{
		quoteService("A", partitionOf(a)), quoteService("B", partitionOf(b))}})
	checkfor.Until(t, 5*time.Second, func() error {
		if r := do(t, "GET", g.url+"/readyz", nil, ""); r.status != 200 {
			return fmt.Errorf("got %d %q, want 200", r.status, r.body)
		}
		return nil
	})
	b.healthy.Store(false)
	checkfor.Until(t, 5*time.Second, func() error {
		r := do(t, "GET", g.url+"/readyz", nil, "")
		if r.status != 503 || !strings.Contains(r.body, "B") || strings.Contains(r.body, "A") {
			return fmt.Errorf("got %d %q, want 503 naming B only", r.status, r.body)
		}
		return nil
	})
	if r := do(t, "GET", g.url+"/healthz", nil, ""); r.status != 200 {
		t.Errorf("healthz: got %d, want 200", r.status)
	}
}

func TestGateway_OverloadRefusedWithBusy(t *testing.T) {
	slow := newBackend(t, "p0/r0")
	release := slow.holdRequests(t)
	svc := quoteService("StockQuote", partitionOf(slow))
	svc.Stage = queueing.StageConfig{Workers: 1, QueueLen: 1, TargetDelay: -1}
	g := startGateway(t, Config{Services: []ServiceConfig{svc}})
	url := g.url + "/services/StockQuote"

	var wg sync.WaitGroup
	results := make([]response, 2)
	errs := make([]error, 2)
	send := func(i int) {
		defer wg.Done()
		results[i], errs[i] = postE(url, v11, "GetQuote", envelope(v11, "", getQuote(fmt.Sprint("HELD", i))))
	}
	wg.Add(1)
	go send(0)
	<-slow.arrived // the worker is busy at the backend
	wg.Add(1)
	go send(1)
	checkfor.Until(t, 5*time.Second, func() error {
		if q := g.dispatchStats("StockQuote").Queued; q != 1 {
			return fmt.Errorf("got %d queued, want 1", q)
		}
		return nil
	})
	for _, v := range []soapVersion{v11, v12} {
		r := post(t, url, v, "GetQuote", envelope(v, "", getQuote("EXTRA")))
		if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" || !hasSubcode(r.body, "Busy") {
			t.Errorf("%s: got %d Retry-After=%q, want 503 with Retry-After and a Busy fault:\n%s",
				v, r.status, r.header.Get("Retry-After"), r.body)
		}
		checkGolden(t, "busy_"+v.String(), r)
	}
	release()
	wg.Wait()
	for i, r := range results {
		if errs[i] != nil || r.status != 200 {
			t.Errorf("held request %d: got %d (%v), want 200", i, r.status, errs[i])
		}
	}
}

func TestGateway_NoRoute(t *testing.T) {
	b := newBackend(t, "p0/r0")
	g := startGateway(t, Config{Services: []ServiceConfig{quoteService("StockQuote", partitionOf(b))}})
	b.healthy.Store(false)
	checkfor.Until(t, 5*time.Second, func() error {
		r := post(t, g.url+"/services/StockQuote", v12, "GetQuote", envelope(v12, "", getQuote("X")))
		if r.status != http.StatusServiceUnavailable || !hasSubcode(r.body, "NoRoute") {
			return fmt.Errorf("got %d, want 503 NoRoute:\n%s", r.status, r.body)
		}
		return nil
	})
}

func TestGateway_UnknownService404(t *testing.T) {
	b := newBackend(t, "p0/r0")
	g := startGateway(t, Config{Services: []ServiceConfig{quoteService("StockQuote", partitionOf(b))}})
	r := post(t, g.url+"/services/Nope", v12, "GetQuote", envelope(v12, "", getQuote("X")))
	if r.status != 404 || !strings.Contains(r.body, "Fault") {
		t.Errorf("got %d, want 404 with a fault:\n%s", r.status, r.body)
	}
}

func TestGateway_MetricsExposed(t *testing.T) {
	b := newBackend(t, "p0/r0")
	g := startGateway(t, Config{Services: []ServiceConfig{quoteService("StockQuote", partitionOf(b))}})
	post(t, g.url+"/services/StockQuote", v11, "GetQuote", envelope(v11, "", getQuote("M")))
	r := do(t, "GET", g.url+"/metrics", nil, "")
	for _, want := range []string{
		`wsgw_requests_total{operation="GetQuote",outcome="ok",service="StockQuote"} 1`,
		`wsgw_request_duration_seconds_bucket{operation="GetQuote",service="StockQuote"`,
		`wsgw_stage_queued{stage="dispatch/StockQuote/p0"} 0`,
		`wsgw_stage_limit{stage="dispatch/StockQuote/p0"} 64`,
		`wsgw_replica_in_flight{partition="p0",replica="r0",service="StockQuote"} 0`,
		`wsgw_replica_healthy{partition="p0",replica="r0",service="StockQuote"}`,
		`wsgw_replica_breaker_state{partition="p0",replica="r0",service="StockQuote",state="closed"} 1`,
		`wsgw_backend_tries_total{kind="first",service="StockQuote"} 1`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("metrics: missing %s", want)
		}
	}
}

func TestGateway_ShutdownDrainsInFlight(t *testing.T) {
	slow := newBackend(t, "p0/r0")
	release := slow.holdRequests(t)
	g, stop := serveGateway(t, Config{ShutdownTimeout: 10 * time.Second,
		Services: []ServiceConfig{quoteService("StockQuote", partitionOf(slow))}})
	defer stop()
	result := make(chan response, 1)
	go func() {
		r, err := postE(g.url+"/services/StockQuote", v11, "GetQuote", envelope(v11, "", getQuote("DRAIN")))
		if err != nil {
			r.body = err.Error()
		}
		result <- r
	}()
	<-slow.arrived
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	checkfor.Until(t, 5*time.Second, func() error {
		if g.serving.Load() {
			return errors.New("still serving")
		}
		return nil
	})
	release()
	if r := <-result; r.status != 200 {
		t.Errorf("in-flight request: got %d, want 200:\n%s", r.status, r.body)
	}
	if err := <-stopped; err != nil {
		t.Errorf("Serve: got %v, want nil", err)
	}
}

func TestGateway_PerTryTimeout(t *testing.T) {
	r0, r1 := newBackend(t, "p0/r0"), newBackend(t, "p0/r1")
	r0.holdRequests(t)
	r1.holdRequests(t)
	svc := quoteService("StockQuote", partitionOf(r0, r1))
	svc.Timeout = 100 * time.Millisecond
	svc.Cluster.Outlier = cluster.OutlierConfig{ConsecutiveFailures: 1000}
	g := startGateway(t, Config{Services: []ServiceConfig{svc}})
	url := g.url + "/services/StockQuote"

	r := post(t, url, v12, "GetQuote", envelope(v12, "", getQuote("SLOW")))
	if !hasSubcode(r.body, "BackendTimeout") {
		t.Errorf("idempotent GetQuote: got %d, want a BackendTimeout fault after trying both replicas:\n%s", r.status, r.body)
	}
	r = post(t, url, v11, "SetQuote", envelope(v11, "", setQuote("SLOW")))
	if !hasSubcode(r.body, "OutcomeUnknown") {
		t.Errorf("SetQuote: got %d, want an OutcomeUnknown fault:\n%s", r.status, r.body)
	}
	if n := r0.setCount("SLOW") + r1.setCount("SLOW"); n != 1 {
		t.Errorf("SetQuote: got %d calls across replicas, want exactly 1", n)
	}
}

func TestGateway_MissingKeyAnyPartition(t *testing.T) {
	b := newBackend(t, "p0/r0")
	svc := quoteService("StockQuote", partitionOf(b))
	svc.Key.Missing = MissingAny
	g := startGateway(t, Config{Services: []ServiceConfig{svc}})
	r := post(t, g.url+"/services/StockQuote", v11, "GetQuote", envelope(v11, "", "<q:GetQuote/>"))
	if r.status != 200 {
		t.Errorf("got %d, want 200 from any partition:\n%s", r.status, r.body)
	}
}

func TestGateway_UnderstoodHeadersPassThrough(t *testing.T) {
	b := newBackend(t, "p0/r0")
	svc := quoteService("StockQuote", partitionOf(b))
	svc.UnderstoodHeaders = []string{"{urn:example:tx}Transaction"}
	g := startGateway(t, Config{Services: []ServiceConfig{svc}})
	hdr := `<x:Transaction xmlns:x="urn:example:tx" soap:mustUnderstand="1">42</x:Transaction>`
	r := post(t, g.url+"/services/StockQuote", v11, "GetQuote", envelope(v11, hdr, getQuote("TX")))
	if r.status != 200 {
		t.Fatalf("got %d, want 200:\n%s", r.status, r.body)
	}
	if !strings.Contains(b.lastBody(), hdr) {
		t.Errorf("backend got\n%s\nwant the header block forwarded", b.lastBody())
	}
}

func TestGateway_VersionNotBound(t *testing.T) {
	b := newBackend(t, "p0/r0")
	svc := quoteService("Old", partitionOf(b))
	svc.WSDL = "testdata/soap11only.wsdl"
	g := startGateway(t, Config{Services: []ServiceConfig{svc}})
	r := post(t, g.url+"/services/Old", v12, "GetQuote", envelope(v12, "", getQuote("V")))
	if r.status != 500 || !strings.Contains(r.body, "VersionMismatch") || !strings.Contains(r.body, "Upgrade") {
		t.Errorf("SOAP 1.2 to a SOAP 1.1 service: got %d, want a VersionMismatch fault with Upgrade:\n%s", r.status, r.body)
	}
	if r := post(t, g.url+"/services/Old", v11, "GetQuote", envelope(v11, "", getQuote("V"))); r.status != 200 {
		t.Errorf("SOAP 1.1: got %d, want 200:\n%s", r.status, r.body)
	}
}
