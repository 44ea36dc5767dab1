package wsnotify

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/soap"
)

// consumerServers is how many loopback HTTP servers play the consumers:
// each consumer is a distinct path on one of them, so 10,000 consumers
// cost a few listeners and the connections the broker's pool keeps, not
// 10,000 sockets.
const consumerServers = 8

// latencySink is the consumers' shared record of notify-to-delivery
// latencies (publish time carried in each payload).
type latencySink struct {
	mu    sync.Mutex // guards lat, posts
	lat   []time.Duration
	posts int
}

var tsOpen = []byte("<m:ts>")

// ServeHTTP records the latency of every NotificationMessage of a Notify.
func (s *latencySink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	now := time.Now().UnixNano()
	var got []time.Duration
	for {
		i := bytes.Index(body, tsOpen)
		if i < 0 {
			break
		}
		body = body[i+len(tsOpen):]
		end := bytes.IndexByte(body, '<')
		if end < 0 {
			break
		}
		sent, err := strconv.ParseInt(string(body[:end]), 10, 64)
		if err == nil {
			got = append(got, time.Duration(now-sent))
		}
	}
	s.mu.Lock()
	s.lat = append(s.lat, got...)
	s.posts++
	s.mu.Unlock()
}

func (s *latencySink) count() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.lat) }

// BenchmarkNotifyDeliveryLatency measures notify-to-delivery throughput
// and latency for 1, 100 and 10,000 HTTP consumers on loopback: each
// iteration publishes one Notify (through the handler, in process) that
// every consumer's subscription selects; the benchmark ends when every
// consumer has received every message. At most inflight Notifies are
// published and not yet received by every consumer (a closed loop, so
// queues do not grow without bound and drop at Delivery.QueueLen):
// inflight=1 is the latency of one fan-out on an idle broker, inflight=8
// a broker kept busy. It reports deliveries/s (messages received),
// posts/s (HTTP requests to consumers; a backlog is batched) and the p50
// and p99 of the time from publish to receipt (ms).
func BenchmarkNotifyDeliveryLatency(b *testing.B) {
	for _, n := range []int{1, 100, 10_000} {
		for _, inflight := range []int{1, 8} {
			b.Run(fmt.Sprintf("consumers=%d/inflight=%d", n, inflight), func(b *testing.B) { benchDelivery(b, n, inflight) })
		}
	}
}

func benchDelivery(b *testing.B, consumers, inflight int) {
	sink := &latencySink{}
	var urls []string
	for range min(consumers, consumerServers) {
		srv := httptest.NewServer(sink)
		b.Cleanup(srv.Close)
		urls = append(urls, srv.URL)
	}
	cfg := testConfig()
	cfg.Delivery.Workers = 32
	cfg.Delivery.QueueLen = 1 << 14
	cfg.Delivery.Timeout = 30 * time.Second
	cfg.MaxSubscriptionsPerConsumer = consumers
	cfg.MaxSubscriptionsPerCaller = consumers // one benchmark client subscribes them all
	e := newEnv(b, cfg, "")
	for i := range consumers {
		consumer := fmt.Sprintf("%s/c%d", urls[i%len(urls)], i)
		if r := e.post(pathBroker, soap.V11, subscribeXML(consumer, simpleTopic("tns:t"), "")); r.status != http.StatusOK {
			b.Fatalf("Subscribe %d: HTTP %d\n%s", i, r.status, r.body)
		}
	}
	h := e.b.Handler()
	published := 0
	start := time.Now()
	for b.Loop() {
		if published == 0 {
			start = time.Now() // b.Loop resets the timer on its first call
		}
		for (published-inflight+1)*consumers > sink.count() {
			time.Sleep(50 * time.Microsecond)
		}
		body := envelope(soap.V11, notifyXML("tns:t", "<m:q><m:ts>"+strconv.FormatInt(time.Now().UnixNano(), 10)+"</m:ts></m:q>"))
		req := httptest.NewRequest(http.MethodPost, pathBroker, strings.NewReader(body))
		req.Header.Set("Content-Type", "text/xml")
		req.Header.Set("SOAPAction", `""`)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusAccepted {
			b.Fatalf("Notify: HTTP %d", rec.Code)
		}
		published++
	}
	want := published * consumers
	for sink.count() < want && time.Since(start) < 2*time.Minute {
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	if got := sink.count(); got != want {
		b.Fatalf("got %d deliveries, want %d", got, want)
	}
	b.ReportMetric(float64(sink.posts)/elapsed.Seconds(), "posts/s")
	reportLatency(b, sink.lat, float64(want)/elapsed.Seconds())
}

// reportLatency reports the delivery rate and the p50 and p99 of lat.
func reportLatency(b *testing.B, lat []time.Duration, perSec float64) {
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(perSec, "deliveries/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
