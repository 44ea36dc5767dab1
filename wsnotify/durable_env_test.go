package wsnotify

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/internal/rmtest"
	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/storage/badgerstore"
	"github.com/wsgw/wsgw/wsreliable"
	"github.com/wsgw/wsgw/wsreliable/driver"
)

// durableParts are what a durable broker runs beside it: the durable
// queue and the reliable messaging driver that is its RM source (WS-RM
// consumers) and RM destination (publishers' sequences), as the gateway
// wires them.
type durableParts struct {
	queue *badgerstore.SubscriptionQueue
	store *badgerstore.Reliable
	d     *driver.Driver
	be    *brokerBackend
	done  chan struct{}
}

// brokerBackend hands the driver's stored Notifies to the broker.
type brokerBackend struct {
	mu sync.Mutex // guards b
	b  *Broker
}

func (bb *brokerBackend) Deliver(ctx context.Context, msg []byte, hdr http.Header) ([]byte, int, error) {
	bb.mu.Lock()
	b := bb.b
	bb.mu.Unlock()
	return b.Deliver(ctx, msg, hdr)
}

// newDurableEnv is newEnv with a durable queue and a WS-RM driver, on a
// clock that runs with real time (the queue's backoff) and that tests
// move forward.
func newDurableEnv(t testing.TB, cfg Config) *env {
	t.Helper()
	return newDurableEnvBatch(t, cfg, 0)
}

// newDurableEnvBatch is newDurableEnv with the durable queue's MaxBatch
// (0: its default), the queue sized as the gateway sizes it
// (DurableConfig.QueueLength).
func newDurableEnvBatch(t testing.TB, cfg Config, batch int) *env {
	t.Helper()
	return newDurableEnvWith(t, cfg, func(e *env) { e.queueBatch = batch })
}

// newDurableEnvWith is newDurableEnv with set applied to the env before
// it starts.
func newDurableEnvWith(t testing.TB, cfg Config, set func(*env)) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), clock: &clock{follow: true}, durable: true}
	set(e)
	if cfg.Durable.Backoff.Base == 0 {
		cfg.Durable.Backoff = queueing.Backoff{Base: 10 * time.Millisecond, Max: 50 * time.Millisecond}
	}
	if cfg.Durable.Timeout == 0 {
		cfg.Durable.Timeout = 2 * time.Second
	}
	e.start(cfg)
	t.Cleanup(e.close)
	return e
}

func (e *env) openDurable(db *badger.DB, opts *Options) *durableParts {
	t := e.t
	ctx := context.Background()
	batch := e.queueBatch
	if batch == 0 {
		batch = queueing.Options{}.WithDefaults().MaxBatch
	}
	q, err := badgerstore.OpenSubscriptionQueue(ctx, db, badgerstore.SubscriptionQueueOptions{
		Queue: queueing.Options{Now: e.clock.Now, SweepInterval: 20 * time.Millisecond,
			MaxBatch: batch, MaxLength: e.cfg.Durable.QueueLength(batch)}})
	if err != nil {
		t.Fatal(err)
	}
	retransmits := e.rmRetransmits
	if retransmits == 0 {
		retransmits = 50
	}
	cfg := driver.Config{Name: "wsn", BackendRM: true, MaxAttempts: -1,
		Engine:          wsreliable.Config{InOrder: true, RetransmitBase: 20 * time.Millisecond, RetransmitMax: 200 * time.Millisecond, MaxRetransmits: retransmits},
		Backoff:         queueing.Backoff{Base: 10 * time.Millisecond, Max: 50 * time.Millisecond},
		DeliveryTimeout: 2 * time.Second, TickInterval: 10 * time.Millisecond}
	store, err := badgerstore.OpenReliable(ctx, db, "wsn", badgerstore.ReliableOptions{Queue: cfg.QueueOptions(nil), Prefix: "wsn-rm/"})
	if err != nil {
		t.Fatal(err)
	}
	pol, err := egress.New(egress.Loopback())
	if err != nil {
		t.Fatal(err)
	}
	be := &brokerBackend{}
	d, err := driver.New(cfg, driver.Options{Store: store, Backend: be, Client: pol.Client(nil, 5*time.Second),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	opts.Queue, opts.RM, opts.RMDestination = q, d, d
	if e.wrapQueue != nil {
		opts.Queue = e.wrapQueue(q)
	}
	e.queue = q
	return &durableParts{queue: q, store: store, d: d, be: be, done: make(chan struct{})}
}

func (p *durableParts) run(ctx context.Context, b *Broker) {
	p.be.mu.Lock()
	p.be.b = b
	p.be.mu.Unlock()
	go func() { p.d.Run(ctx); close(p.done) }() //nolint:errcheck // nil when ctx ends
}

func (p *durableParts) close() {
	<-p.done
	p.store.Close()
	p.queue.Close()
}

// group returns what the durable queue holds for subscription id.
func (e *env) group(id string) (n int, held bool) {
	e.t.Helper()
	gi, err := e.queue.Group(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return gi.Messages, gi.Held
}

// subscribeID subscribes and returns the new subscription's id.
func (e *env) subscribeID(v soap.Version, payload string) (string, reply) {
	e.t.Helper()
	r := e.post(pathBroker, v, payload)
	if r.status != http.StatusOK {
		e.t.Fatalf("Subscribe: HTTP %d\n%s", r.status, r.body)
	}
	return strings.TrimPrefix(r.address("SubscriptionReference"), e.base+pathSubscriptions), r
}

// rmAssertion is a SubscriptionPolicy asking for WS-RM with assurance.
func rmAssertion(assurance string) string {
	return `<wsnt:SubscriptionPolicy><wsrmp:RMAssertion xmlns:wsrmp="` + NSRMP + `" xmlns:wsp="http://www.w3.org/ns/ws-policy"><wsp:Policy>` +
		`<wsrmp:DeliveryAssurance><wsp:Policy><wsrmp:` + assurance + `/><wsrmp:InOrder/></wsp:Policy></wsrmp:DeliveryAssurance>` +
		`</wsp:Policy></wsrmp:RMAssertion></wsnt:SubscriptionPolicy>`
}

// deliveryPolicy is a SubscriptionPolicy with wsgw's Delivery extension.
func deliveryPolicy(retention, deadLetter string) string {
	s := `<wsnt:SubscriptionPolicy><wsgwd:Delivery xmlns:wsgwd="` + NSDelivery + `">`
	if retention != "" {
		s += `<wsgwd:Retention ` + retention + `/>`
	}
	if deadLetter != "" {
		s += `<wsgwd:DeadLetter ` + deadLetter + `/>`
	}
	return s + `</wsgwd:Delivery></wsnt:SubscriptionPolicy>`
}

// notifyN publishes payloads <m:n>prefix-i</m:n> for i in [from, to).
func (e *env) notifyN(prefix string, from, to int) {
	e.t.Helper()
	for i := from; i < to; i++ {
		if r := e.post(pathBroker, soap.V11, notifyXML("tns:t", fmt.Sprintf("<m:n>%s-%d</m:n>", prefix, i))); r.status != http.StatusAccepted {
			e.t.Fatalf("Notify %d: HTTP %d\n%s", i, r.status, r.body)
		}
	}
}

// payloadRE finds the payload ids of notifyN in a delivery.
var payloadRE = regexp.MustCompile(`<m:n[^>]*>([^<]*)</m:n>`)

// recorder is the test consumer (plain or WS-RM 1.2) of package rmtest.
type recorder = rmtest.Recorder

func newRecorder(t testing.TB) *recorder { return rmtest.New(t, payloadRE) }

// want returns prefix-from .. prefix-(to-1).
func want(prefix string, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("%s-%d", prefix, i))
	}
	return out
}
