package wsnotify

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsgw/wsgw/soap"
)

// BenchmarkNotifyDelivery measures notify-to-delivery throughput: each
// iteration publishes one Notify (through the handler, in process) and the
// benchmark ends when every consumer has received every message over
// loopback HTTP.
func BenchmarkNotifyDelivery(b *testing.B) {
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("consumers=%d", n), func(b *testing.B) {
			var got atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				got.Add(int64(strings.Count(string(body), "<wsnt:NotificationMessage>")))
			}))
			defer srv.Close()
			cfg := testConfig()
			cfg.Delivery.Workers = 32
			cfg.Delivery.QueueLen = 1 << 20
			e := newEnv(b, cfg, "")
			defer e.close()
			for i := range n {
				r := e.post(pathBroker, soap.V11, subscribeXML(fmt.Sprintf("%s/c%d", srv.URL, i), simpleTopic("tns:t"), ""))
				if r.status != 200 {
					b.Fatalf("Subscribe: %d", r.status)
				}
			}
			h := e.b.Handler()
			body := envelope(soap.V11, notifyXML("tns:t", "<m:q><m:p>1</m:p></m:q>"))
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				req := httptest.NewRequest(http.MethodPost, pathBroker, strings.NewReader(body))
				req.Header.Set("Content-Type", "text/xml")
				req.Header.Set("SOAPAction", `""`)
				h.ServeHTTP(httptest.NewRecorder(), req)
			}
			want := int64(b.N * n)
			for got.Load() < want && time.Since(start) < time.Minute {
				time.Sleep(time.Millisecond)
			}
			if got.Load() < want {
				b.Fatalf("got %d deliveries, want %d", got.Load(), want)
			}
			b.ReportMetric(float64(want)/time.Since(start).Seconds(), "deliveries/s")
		})
	}
}

// BenchmarkNotifyFewMatch publishes into a broker holding 100,000
// subscriptions on distinct topics (one matches each message; delivery is
// paused so the benchmark measures the match and fan-out path), and
// reports the memory each subscription costs.
func BenchmarkNotifyFewMatch(b *testing.B) {
	const subs = 100_000
	cfg := testConfig()
	cfg.MaxSubscriptions = subs + 1
	cfg.MaxSubscriptionsPerConsumer = subs + 1
	cfg.MaxSubscriptionsPerCaller = subs + 1
	e := newEnv(b, cfg, "")
	defer e.close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	now := e.clock.Now()
	for i := range subs {
		rec := subRecord{ID: newID(), Consumer: "http://127.0.0.1:1/c", Paused: true, Created: now, Termination: now.Add(time.Hour),
			Topic: &exprRecord{Dialect: "http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple", Expr: fmt.Sprintf("tns:t%d", i), NS: map[string]string{"tns": "urn:topics"}}}
		s, err := compileSub(rec, now)
		if err != nil {
			b.Fatal(err)
		}
		e.b.mu.Lock()
		e.b.addLocked(s)
		e.b.mu.Unlock()
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perSub := float64(after.HeapAlloc-before.HeapAlloc) / subs
	h := e.b.Handler()
	body := envelope(soap.V11, notifyXML("tns:t777", "<m:q/>"))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		req := httptest.NewRequest(http.MethodPost, pathBroker, strings.NewReader(body))
		req.Header.Set("Content-Type", "text/xml")
		req.Header.Set("SOAPAction", `""`)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusAccepted {
			b.Fatalf("Notify: %d", rec.Code)
		}
	}
	b.ReportMetric(perSub, "B/subscription")
}
