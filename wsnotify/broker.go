package wsnotify

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/wsdl"
	"github.com/wsgw/wsgw/wsnotify/delivery"
	"github.com/wsgw/wsgw/wsnotify/topic"
)

// Options are the broker's collaborators.
type Options struct {
	// Logger; slog.Default() when nil.
	Logger *slog.Logger
	// Registerer for the broker's metrics; none registered when nil.
	Registerer prometheus.Registerer
	// Prefix is the badger key prefix of the broker's records; "wsn/" when
	// empty.
	Prefix string
	// Now is the clock; time.Now when nil (tests move time).
	Now func() time.Time
	// Resolver is used by egress checks; net.DefaultResolver when nil.
	Resolver egress.Resolver
	// TLSClientConfig is used to deliver to https consumers (CA bundle,
	// client certificate); nil: the system roots, no client certificate.
	TLSClientConfig *tls.Config
}

// Broker is a WS-Notification 1.3 NotificationBroker.
type Broker struct {
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	st      *store
	policy  *egress.Policy
	client  *http.Client
	topics  *topic.TopicSet
	index   *topic.Index // topic filters of subscriptions (own lock)
	disp    *delivery.Dispatcher
	metrics *metrics
	demand  chan struct{} // capacity 1: registrations need reconciling

	mu        sync.RWMutex // guards subs, noTopic, consumers, regs, pps, orphans
	subs      map[string]*subscription
	noTopic   map[string]struct{} // subscriptions without a topic filter
	consumers map[string]int      // consumerKey -> subscriptions
	regs      map[string]*registration
	pps       map[string]*pullPoint
	orphans   []orphan // publisher subscriptions of deleted registrations, to end (orphan.go)

	propsMu  sync.Mutex // guards propsDoc
	propsDoc *propsCache

	ppMu sync.Mutex // serialises pull-point appends and takes (sequence numbers, counts in pullPoint)

	running sync.Mutex // held by Run

	dlMu           sync.Mutex // guards dlCount, maxDeadLetters; serialises dead-letter writes
	dlCount        int        // dead-letter records in the store
	maxDeadLetters int        // bound of dlCount; the oldest records are deleted beyond it

	pubOnce sync.Once // builds pub, pubErr (wsdl.go)
	pub     *wsdl.Publication
	pubErr  error
}

// Open returns a broker over db (records under Options.Prefix), with every
// persisted subscription, registration and pull point loaded back. It
// starts no goroutine: Run delivers.
func Open(db *badger.DB, cfg Config, opts Options) (*Broker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("validating wsnotify config: %w", err)
	}
	cfg = cfg.withDefaults()
	policy, err := egress.New(cfg.Egress)
	if err != nil {
		return nil, err
	}
	policy.Resolver = opts.Resolver
	policy.TLSClientConfig = opts.TLSClientConfig
	ts, err := cfg.topicSet()
	if err != nil {
		return nil, fmt.Errorf("building topic set: %w", err)
	}
	b := &Broker{
		cfg: cfg, log: opts.Logger, now: opts.Now,
		st:     &store{db: db, prefix: opts.Prefix},
		policy: policy, topics: ts, index: topic.NewIndex(),
		demand: make(chan struct{}, 1),
		subs:   map[string]*subscription{}, noTopic: map[string]struct{}{},
		consumers: map[string]int{}, regs: map[string]*registration{}, pps: map[string]*pullPoint{},
		maxDeadLetters: maxDeadLetters,
	}
	if b.log == nil {
		b.log = slog.Default()
	}
	if b.now == nil {
		b.now = time.Now
	}
	if b.st.prefix == "" {
		b.st.prefix = "wsn/"
	}
	b.client = policy.Client(nil, 0)
	b.metrics = newMetrics(opts.Registerer, b)
	b.disp = delivery.New(cfg.Delivery, &sender{b: b}, b.deliveryHooks())
	if err := b.load(); err != nil {
		return nil, fmt.Errorf("loading wsnotify state: %w", err)
	}
	return b, nil
}

// Run delivers notifications, sweeps expired subscriptions and
// registrations and keeps demand-based publisher subscriptions in step,
// until ctx is done.
func (b *Broker) Run(ctx context.Context) error {
	b.running.Lock()
	defer b.running.Unlock()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); b.disp.Run(ctx) }()
	// Demand reconciliation calls publishers (up to demandCallTimeout each):
	// a goroutine of its own, so that a slow publisher does not hold up
	// the expiry sweep.
	go func() {
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case <-b.demand:
				b.reconcileDemand(ctx)
			}
		}
	}()
	tick := time.NewTicker(b.cfg.SweepInterval)
	defer tick.Stop()
	b.kickDemand()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return nil
		case <-tick.C:
			b.sweep()
		}
	}
}

// Close releases the broker's idle connections; it does not close the DB
// (its opener owns it). Call it after Run has returned.
func (b *Broker) Close() error {
	b.client.CloseIdleConnections()
	b.metrics.unregister()
	return nil
}

func (b *Broker) kickDemand() {
	select {
	case b.demand <- struct{}{}:
	default:
	}
}

// newID returns a 128-bit random identifier in hex.
func newID() string {
	var x [16]byte
	rand.Read(x[:]) //nolint:errcheck // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(x[:])
}

// url returns the public URL of a broker path.
func (b *Broker) url(path string) string { return b.cfg.PublicURL + path }
