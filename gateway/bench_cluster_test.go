package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/storage/badgerstore"
	"github.com/wsgw/wsgw/storage/natsnode/natstest"
	"github.com/wsgw/wsgw/storage/natsstore"
	"github.com/wsgw/wsgw/wsnotify"
	"github.com/wsgw/wsgw/wsreliable"
	"github.com/wsgw/wsgw/wsreliable/driver"
)

// One node on badger against three on JetStream (R3), on the same
// machine (issue 9, "Measure"): durable enqueue (a reliable service's
// store taking deliveries, each synced, and on JetStream replicated,
// before it returns) and WS-RM throughput end to end (messages of
// concurrent sequences acknowledged by the gateways and delivered to the
// backend), and notify fan-out (Notifies sent to the nodes in turn,
// delivered to every subscription). Figures are only comparable when
// measured in one run on a quiet machine:
//
//	go test -run '^$' -bench 'BenchmarkCluster' -benchtime 2000x ./gateway/

// benchSenders is how many commits, or sequences, run at once.
const benchSenders = 8

// BenchmarkClusterDurableEnqueue commits one delivery per operation,
// benchSenders at a time, to a reliable service's store.
func BenchmarkClusterDurableEnqueue(b *testing.B) {
	qo := queueing.Options{MaxLength: 10_000_000}
	b.Run("badger_1node", func(b *testing.B) {
		db := openTestDB(b, b.TempDir())
		b.Cleanup(func() { db.Close() })
		st, err := badgerstore.OpenReliable(context.Background(), db, "bench", badgerstore.ReliableOptions{Queue: qo})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		benchCommits(b, st)
	})
	b.Run("jetstream_R3_3nodes", func(b *testing.B) {
		nodes := natstest.Cluster(b, 3)
		st, err := natsstore.OpenReliable(context.Background(), nodes[0].Conn(), natsstore.ReliableOptions{
			Service: "bench" + strconv.Itoa(b.N), Node: nodes[0].Name(), Replicas: 3, Queue: qo})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		benchCommits(b, st)
	})
}

var benchRun atomic.Int64 // keeps the delivery IDs of the rounds apart

// benchCommits commits b.N deliveries to st, benchSenders at a time.
func benchCommits(b *testing.B, st driver.Store) {
	run := benchRun.Add(1)
	body := []byte(envelope(v11, "", setQuote("BENCH")))
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for w := range benchSenders {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				m := queueing.Message{Body: body, Group: fmt.Sprintf("g%d", w), DedupKey: fmt.Sprintf("r%d-%d", run, i)}
				if err := st.Commit(context.Background(), nil, []queueing.Message{m}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "enqueues/s")
}

// BenchmarkClusterWSRM sends b.N WS-RM messages over benchSenders
// sequences (on 3 nodes, each sequence at one gateway, created there) and
// waits until the backend has them all.
func BenchmarkClusterWSRM(b *testing.B) {
	b.Run("badger_1node", func(b *testing.B) {
		lb := newLogBackend(b)
		db := openTestDB(b, b.TempDir())
		b.Cleanup(func() { db.Close() })
		addr, stop := serveAt(b, Config{Services: []ServiceConfig{reliableQuote(lb)}}, Options{DB: db}, "127.0.0.1:0")
		b.Cleanup(stop)
		benchWSRM(b, lb, []string{"http://" + addr})
	})
	b.Run("jetstream_R3_3nodes", func(b *testing.B) {
		lb := newLogBackend(b)
		urls := clusterGateways(b, Config{Services: []ServiceConfig{reliableQuote(lb)}}, natstest.Cluster(b, 3))
		benchWSRM(b, lb, urls)
	})
}

// benchWSRM sends b.N messages to the Quotes service at urls.
func benchWSRM(b *testing.B, lb *logBackend, urls []string) {
	h := http.Header{"Content-Type": {"text/xml; charset=utf-8"}, "Soapaction": {`"` + quoteNS + `/SetQuote"`}}
	// post sends header and body, again while the node answers busy.
	post := func(url, header, body string) (response, error) {
		for {
			r, err := doE(http.MethodPost, url, h, envelope(v11, header, body))
			if err != nil || r.status != http.StatusServiceUnavailable {
				return r, err
			}
			time.Sleep(10 * time.Millisecond) // Retry-After, shortened
		}
	}
	seqs := make([]string, benchSenders)
	for i := range seqs {
		url := urls[i%len(urls)] + "/services/Quotes"
		r, err := post(url, `<wsa:Action xmlns:wsa="`+rmWSANS+`">`+wsreliable.ActionCreateSequence+`</wsa:Action>`,
			`<wsrm:CreateSequence xmlns:wsrm="`+wsreliable.NSRM+`" xmlns:wsa="`+rmWSANS+`"><wsrm:AcksTo><wsa:Address>`+rmWSANS+`/anonymous</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence>`)
		m := identRE.FindStringSubmatch(r.body)
		if err != nil || m == nil {
			b.Fatalf("CreateSequence: %v %d %s", err, r.status, r.body)
		}
		seqs[i] = m[1]
	}
	before := len(lb.received())
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for w := range benchSenders {
		wg.Go(func() {
			url := urls[w%len(urls)] + "/services/Quotes"
			for n := 1; ; n++ {
				if next.Add(1) > int64(b.N) {
					return
				}
				r, err := post(url, rmHeader(seqs[w], n), setQuote(fmt.Sprintf("S%d-%d", w, n)))
				if err != nil || r.status != http.StatusOK {
					b.Errorf("message %d of sequence %d: %v %d %s", n, w, err, r.status, r.body)
					return
				}
			}
		})
	}
	wg.Wait()
	checkfor.Until(b, time.Minute, func() error {
		if got := len(lb.received()) - before; got < b.N {
			return fmt.Errorf("backend received %d of %d", got, b.N)
		}
		return nil
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkClusterNotifyFanout sends b.N Notifies (benchSenders at a
// time, to the nodes in turn) on a topic with benchSubscriptions
// subscriptions, made at the nodes in turn, and waits until the consumer
// has every notification.
func BenchmarkClusterNotifyFanout(b *testing.B) {
	bc := wsnotify.Config{Egress: egress.Loopback()}
	b.Run("badger_1node", func(b *testing.B) {
		db := openTestDB(b, b.TempDir())
		b.Cleanup(func() { db.Close() })
		addr, stop := serveAt(b, Config{Broker: &bc}, Options{DB: db}, "127.0.0.1:0")
		b.Cleanup(stop)
		benchFanout(b, []string{"http://" + addr})
	})
	b.Run("jetstream_R3_3nodes", func(b *testing.B) {
		benchFanout(b, clusterGateways(b, Config{Broker: &bc}, natstest.Cluster(b, 3)))
	})
}

const benchSubscriptions = 10

// benchFanout subscribes and notifies at urls.
func benchFanout(b *testing.B, urls []string) {
	var got atomic.Int64
	consumer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The broker batches what queued for a subscription into one
		// Notify (delivery.Config.MaxBatch): count its messages.
		body, _ := io.ReadAll(r.Body)
		got.Add(int64(bytes.Count(body, []byte("<wsnt:NotificationMessage>"))))
		w.WriteHeader(http.StatusAccepted)
	}))
	b.Cleanup(consumer.Close)
	h := http.Header{"Content-Type": {"text/xml; charset=utf-8"}, "Soapaction": {`""`}}
	post := func(url, payload string) (response, error) {
		return doE(http.MethodPost, url+"/wsn/NotificationBroker", h, wsnEnvelope(payload))
	}
	for i := range benchSubscriptions {
		r, err := post(urls[i%len(urls)], `<wsnt:Subscribe><wsnt:ConsumerReference><wsa:Address>`+consumer.URL+
			`</wsa:Address></wsnt:ConsumerReference><wsnt:Filter><wsnt:TopicExpression Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple">tns:quotes</wsnt:TopicExpression></wsnt:Filter></wsnt:Subscribe>`)
		if err != nil || r.status != http.StatusOK {
			b.Fatalf("Subscribe: %v %d %s", err, r.status, r.body)
		}
	}
	notify := `<wsnt:Notify><wsnt:NotificationMessage><wsnt:Topic Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple">tns:quotes</wsnt:Topic>` +
		`<wsnt:Message><q xmlns="urn:msg">ACME 42</q></wsnt:Message></wsnt:NotificationMessage></wsnt:Notify>`
	// every node knows every subscription: a Notify at each reaches all
	for _, u := range urls {
		checkfor.Until(b, time.Minute, func() error {
			before := got.Load()
			if r, err := post(u, notify); err != nil || r.status != http.StatusAccepted {
				return fmt.Errorf("Notify: %v %d %s", err, r.status, r.body)
			}
			return checkforWithin(5*time.Second, func() bool { return got.Load()-before >= benchSubscriptions })
		})
	}
	base := got.Load()
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for w := range benchSenders {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				if r, err := post(urls[(int(i)+w)%len(urls)], notify); err != nil || r.status != http.StatusAccepted {
					b.Errorf("Notify: %v %d %s", err, r.status, r.body)
					return
				}
			}
		})
	}
	wg.Wait()
	want := int64(b.N) * benchSubscriptions
	checkfor.Until(b, 2*time.Minute, func() error {
		if n := got.Load() - base; n < want {
			return fmt.Errorf("consumer got %d of %d notifications", n, want)
		}
		return nil
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "notifies/s")
	b.ReportMetric(float64(want)/b.Elapsed().Seconds(), "deliveries/s")
}

// checkforWithin polls cond until it holds (nil) or within ends (an
// error), for a condition checked inside another checkfor.Until.
func checkforWithin(within time.Duration, cond func() bool) error {
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			return errors.New("not within " + within.String())
		}
		time.Sleep(20 * time.Millisecond) // polling, bounded by within
	}
	return nil
}
