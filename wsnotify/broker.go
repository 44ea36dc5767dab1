package wsnotify

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wsgw/wsgw/caller"
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
	// Now is the clock; time.Now when nil (tests move time).
	Now func() time.Time
	// Resolver is used by egress checks; net.DefaultResolver when nil.
	Resolver egress.Resolver
	// TLSClientConfig is used to deliver to https consumers (CA bundle,
	// client certificate); nil: the system roots, no client certificate.
	TLSClientConfig *tls.Config
	// Shared, when set, says that other nodes share the Store: the broker
	// follows it, hands push deliveries off and leaves demand-based
	// publishing to the leader (shared.go). Nil: this node alone.
	Shared *Shared
	// Guard names callers and applies access rules (guard.go); nil: the
	// caller is the client's address, and anyone may do anything.
	Guard Guard
	// Queue keeps the deliveries of durable subscriptions (durable.go);
	// nil: no subscription can be durable (UnsupportedPolicyRequestFault).
	Queue Queue
	// RM sends to consumers whose policy asks for WS-RM 1.2; nil: such a
	// policy is an UnsupportedPolicyRequestFault.
	RM RMSource
	// RMDestination takes the WS-RM 1.2 requests sent to the broker
	// endpoint (a publisher's Notify inside a sequence: publish.go); nil:
	// they are refused like any request with a mustUnderstand header the
	// broker does not know.
	RMDestination RMDestination
}

// Broker is a WS-Notification 1.3 NotificationBroker.
type Broker struct {
	cfg    Config
	log    *slog.Logger
	now    func() time.Time
	st     Store
	policy *egress.Policy
	client *http.Client
	topics *topic.TopicSet
	index  *topic.Index // topic filters of subscriptions (own lock)
	disp   *delivery.Dispatcher
	guard  Guard    // nil: no access rules
	queue  Queue    // durable subscriptions' deliveries; nil: none
	rm     RMSource // WS-RM consumers; nil: none
	// plainSlots bounds each caller's plain durable attempts in flight
	// (DurableConfig.WorkersPerCaller; durable_deliver.go).
	plainSlots callerSlots
	rmDest     RMDestination // publishers' sequences; nil: none
	metrics    *metrics
	demand     chan struct{} // capacity 1: registrations need reconciling
	// directKick (capacity 1): channels came or went (direct_send.go).
	directKick chan struct{}
	cluster    *Shared // nil: the store is this node's alone

	mu        sync.RWMutex // guards subs, noTopic, consumers, regs, pps, orphans, callers, durables, channels (and their fields, see channel)
	subs      map[string]*subscription
	noTopic   map[string]struct{} // subscriptions without a topic filter
	consumers map[string]int      // consumerKey -> subscriptions
	regs      map[string]*registration
	pps       map[string]*ppRecord
	// callers counts what each caller created (the per-caller bounds).
	callers  struct{ subs, pps, regs, durable, channels caller.Counts }
	durables int                 // durable subscriptions (DurableConfig.MaxSubscriptions)
	orphans  []orphan            // publisher subscriptions of deleted registrations, to end (orphan.go)
	channels map[string]*channel // direct channels by topic (direct_channel.go)

	propsMu  sync.Mutex // guards propsDoc
	propsDoc *propsCache

	// ppMu serialises what goes into pull points and held lists with what
	// comes out (GetMessages, Resume, DestroyPullPoint), so that a message
	// held for a paused subscription is never left behind by its Resume.
	ppMu sync.Mutex

	running sync.Mutex // held by Run

	leading bool // this node held the lead at the last reconciliation (the demand goroutine's)

	dlMu sync.Mutex // serialises moveDeadLetters: a dead letter is moved once

	maxDeadLetters atomic.Int64 // bound of the dead-letter list; the oldest are deleted beyond it

	pubOnce sync.Once // builds pub, pubErr (wsdl.go)
	pub     *wsdl.Publication
	pubErr  error
}

// Open returns a broker over st, with every persisted subscription,
// registration and pull point loaded back. It starts no goroutine: Run
// delivers, sweeps and reconciles.
func Open(st Store, cfg Config, opts Options) (*Broker, error) {
	if st == nil {
		return nil, errors.New("wsnotify: Open needs a Store")
	}
	if sh := opts.Shared; sh != nil && (sh.Handoff == nil || sh.Leader == nil || sh.Handoff.Shards() <= 0) {
		return nil, errors.New("wsnotify: Options.Shared needs a Handoff with shards and a Leader")
	}
	if opts.Shared != nil && cfg.Direct != nil {
		// A direct channel's sender, recovery log and slot are one node's
		// (direct_channel.go); the cluster does not follow them yet.
		return nil, errors.New("wsnotify: Config.Direct (direct paths) and Options.Shared (a cluster) cannot be used together yet")
	}
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
		st: st, cluster: opts.Shared,
		policy: policy, topics: ts, index: topic.NewIndex(), guard: opts.Guard,
		queue: opts.Queue, rm: opts.RM, rmDest: opts.RMDestination,
		demand: make(chan struct{}, 1), directKick: make(chan struct{}, 1), channels: map[string]*channel{},
		subs: map[string]*subscription{}, noTopic: map[string]struct{}{},
		consumers: map[string]int{}, regs: map[string]*registration{}, pps: map[string]*ppRecord{},
	}
	b.callers.subs, b.callers.pps, b.callers.regs, b.callers.durable, b.callers.channels = caller.Counts{}, caller.Counts{}, caller.Counts{}, caller.Counts{}, caller.Counts{}
	b.maxDeadLetters.Store(maxDeadLetters)
	if b.log == nil {
		b.log = slog.Default()
	}
	if b.now == nil {
		b.now = time.Now
	}
	b.client = policy.Client(nil, 0)
	b.metrics = newMetrics(opts.Registerer, b)
	b.disp = delivery.New(cfg.Delivery, &sender{b: b}, b.deliveryHooks())
	// (choice) Loading has no context of its own: Open is called once at
	// start, and the store bounds its own calls.
	if err := b.load(context.Background()); err != nil {
		b.metrics.unregister()
		return nil, fmt.Errorf("loading wsnotify state: %w", err)
	}
	return b, nil
}

// Run delivers notifications, sweeps expired subscriptions and
// registrations, keeps demand-based publisher subscriptions in step and
// runs the broker's senders of its direct channels, until ctx is done.
// With Options.Shared it also follows the store and takes the deliveries
// handed to this node (shared.go).
func (b *Broker) Run(ctx context.Context) error {
	b.running.Lock()
	defer b.running.Unlock()
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); b.disp.Run(ctx) }()
	go func() { defer wg.Done(); b.runDirect(ctx) }()
	if b.cluster != nil {
		wg.Go(func() { b.follow(ctx) })
		wg.Go(func() { b.runTake(ctx) })
	}
	if b.queue != nil {
		wg.Go(func() { b.runDurable(ctx) })
	}
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
	b.sweep(ctx) // what expired while the broker was down; kicks demand
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return nil
		case <-tick.C:
			b.sweep(ctx)
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
