package gateway

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/storage/badgerstore"
	"github.com/wsgw/wsgw/storage/natsnode/natstest"
	"github.com/wsgw/wsgw/storage/natsstore"
	"github.com/wsgw/wsgw/wsreliable"
	"github.com/wsgw/wsgw/wsreliable/driver"
)

// One node on badger against three on JetStream (R3), on the same
// machine (issue 9, "Measure"): durable enqueue (a reliable service's
// store taking deliveries, each synced, and on JetStream replicated,
// before it returns) and WS-RM throughput end to end (messages of
// concurrent sequences acknowledged by the gateways and delivered to the
// backend). Figures are only comparable when measured in one run on a
// quiet machine:
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
