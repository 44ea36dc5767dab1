package wsnotify

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/soap"
)

// sentAtRE finds the publish time a benchmark Notify carries.
var sentAtRE = regexp.MustCompile(`<m:at[^>]*>(\d+)</m:at>`)

// BenchmarkDurableNotifyDelivery measures notify -> delivery for 1, 100
// and 1,000 subscriptions to one loopback consumer, best effort (in-memory
// queues) against durable (plain HTTP, at least once: the badger queue):
// each iteration is one Notify, sent by 8 concurrent publishers through
// the handler in process; it ends when every subscription has every
// message. It reports deliveries/s, the p99 of the time from publish to
// arrival, and for durable subscriptions the durable queue's syncs per
// Notify, enqueues and acks together (group commit: one sync serves the
// Notify's deliveries to every subscription, concurrent Notifies share
// it, and concurrent acks share theirs). Figures measured on a loaded
// machine mean nothing; run it with -benchtime=1x to check it works.
func BenchmarkDurableNotifyDelivery(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		for _, kind := range []string{"memory", "durable"} {
			b.Run(fmt.Sprintf("subs=%d/%s", n, kind), func(b *testing.B) { benchDurable(b, n, kind == "durable") })
		}
	}
}

func benchDurable(b *testing.B, n int, durable bool) {
	var mu sync.Mutex
	var lat []time.Duration
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		now := time.Now()
		mu.Lock()
		for _, m := range sentAtRE.FindAllSubmatch(body, -1) {
			at, _ := strconv.ParseInt(string(m[1]), 10, 64)
			lat = append(lat, now.Sub(time.Unix(0, at)))
		}
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	cfg := testConfig()
	cfg.MaxSubscriptionsPerConsumer = 2 * n
	cfg.MaxSubscriptionsPerCaller, cfg.Durable.MaxSubscriptionsPerCaller = 2*n, 2*n // one caller makes them all
	cfg.Delivery.Workers, cfg.Delivery.QueueLen = 32, 1<<20
	cfg.Durable.Workers = 32
	var e *env
	policy := ""
	if durable {
		e = newDurableEnv(b, cfg)
		policy = deliveryPolicy("", "")
	} else {
		e = newEnv(b, cfg, "")
	}
	defer e.close()
	for i := range n {
		if r := e.post(pathBroker, soap.V11, subscribeXML(fmt.Sprintf("%s/c%d", srv.URL, i), simpleTopic("tns:t"), policy)); r.status != http.StatusOK {
			b.Fatalf("Subscribe: HTTP %d %s", r.status, r.body)
		}
	}
	h := e.b.Handler()
	var syncs0 uint64
	if durable {
		syncs0 = e.queue.Stats().Syncs
	}
	b.ResetTimer()
	start := time.Now()
	work := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range work {
				body := envelope(soap.V11, notifyXML("tns:t", fmt.Sprintf("<m:at>%d</m:at>", time.Now().UnixNano())))
				req := httptest.NewRequest(http.MethodPost, pathBroker, strings.NewReader(body))
				req.Header.Set("Content-Type", "text/xml")
				req.Header.Set("SOAPAction", `""`)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusAccepted {
					b.Errorf("Notify: HTTP %d %s", rec.Code, rec.Body)
				}
			}
		})
	}
	for range b.N {
		work <- struct{}{}
	}
	close(work)
	wg.Wait()
	want := b.N * n
	got := func() int { mu.Lock(); defer mu.Unlock(); return len(lat) }
	for got() < want && time.Since(start) < 2*time.Minute {
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if got() < want {
		b.Fatalf("got %d deliveries, want %d", got(), want)
	}
	mu.Lock()
	slices.Sort(lat)
	p99 := lat[len(lat)*99/100]
	mu.Unlock()
	b.ReportMetric(float64(want)/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	if durable {
		// Every sync of the queue: the enqueues and the acks of the deliveries.
		b.ReportMetric(float64(e.queue.Stats().Syncs-syncs0)/float64(b.N), "queue-syncs/notify")
	}
}
