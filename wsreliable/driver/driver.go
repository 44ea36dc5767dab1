package driver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsgw/wsgw/internal/fielderr"
	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/wsreliable"
)

// Backend takes a stored message: it delivers msg (a SOAP envelope) with
// hdr (Content-Type, SOAPAction, Wsgw-Delivery-Id) to the service and
// returns the reply. err means the delivery did not happen or its outcome
// is unknown: it is retried later. An error wrapping ErrRejected is final:
// the message is dead-lettered at once.
type Backend interface {
	Deliver(ctx context.Context, msg []byte, hdr http.Header) (reply []byte, status int, err error)
}

// ErrRejected marks a Backend error that retrying cannot fix (the message
// names no operation of the service, say).
var ErrRejected = errors.New("message rejected")

// DeliveryIDHeader is the HTTP header carrying wsreliable.Delivery.ID to
// the backend, for a backend that drops repeats (wsreliable's constant).
const DeliveryIDHeader = wsreliable.DeliveryIDHeader

// Config configures the driver of one service. Zero fields take the
// defaults in their comments.
type Config struct {
	// Name is the service name.
	Name string
	// Engine is the engine's configuration (assurance, ordering, limits).
	Engine wsreliable.Config
	// Self is the service's public address, given as AcksTo when an Offer
	// is accepted.
	Self string
	// MaxAttempts is how many deliveries a message gets before it goes to
	// the dead letters. Zero: 10; negative: unlimited.
	MaxAttempts int
	// Backoff is the redelivery delay after a failed delivery.
	// Zero: 1s doubling up to 5m, 20% jitter.
	Backoff queueing.Backoff
	// DeliveryTimeout bounds one delivery to the backend. Zero: 30s.
	DeliveryTimeout time.Duration
	// Workers is how many deliveries run at once (each of another group).
	// Zero: 16.
	Workers int
	// MaxQueue bounds the messages waiting for delivery; past it a message
	// is not accepted (the client retransmits). Zero: 1,000,000.
	MaxQueue int
	// MaxMessageBytes bounds a reliable message as received (the gateway
	// gives its request limit, limits.max_bytes); a larger one is refused
	// with a Sender fault before the engine sees it. The delivery queue
	// takes it with its stored metadata (QueueOptions). Zero: 4 MiB.
	MaxMessageBytes int
	// ReplyTTL is how long a backend reply waits for a MakeConnection.
	// Zero: 24h.
	ReplyTTL time.Duration
	// TickInterval is the engine's clock resolution. Zero: 100ms.
	TickInterval time.Duration
	// BackendRM says the Backend sends over WS-RM 1.2 through SubmitRM
	// (outbound.go): the engine's outbound sequences are then the
	// backend's.
	BackendRM bool
	// OutboundIdle is how long outbound sequences stay open without a
	// Submit before they are closed and terminated (BackendRM; the
	// engine's OutboundIdle). Zero: 30s.
	OutboundIdle time.Duration
}

func (c Config) withDefaults() Config {
	if c.DeliveryTimeout == 0 {
		c.DeliveryTimeout = 30 * time.Second
	}
	if c.Workers == 0 {
		c.Workers = 16
	}
	if c.ReplyTTL == 0 {
		c.ReplyTTL = 24 * time.Hour
	}
	if c.TickInterval == 0 {
		c.TickInterval = 100 * time.Millisecond
	}
	if c.OutboundIdle == 0 {
		c.OutboundIdle = 30 * time.Second
	}
	if c.MaxMessageBytes == 0 {
		c.MaxMessageBytes = 4 << 20
	}
	if c.BackendRM && c.Engine.OutboundIdle == 0 {
		c.Engine.OutboundIdle = c.OutboundIdle
	}
	// One Ready's records and deliveries are one atomic write: what the
	// engine releases at once stays well within a store transaction.
	if c.Engine.MaxReleaseBytes == 0 {
		c.Engine.MaxReleaseBytes = maxStepBytes
	}
	return c
}

// StoredMetaBytes is the room a delivery takes in the queue besides the
// message: what the driver stores with it (payload.go: its identifiers,
// Content-Type, SOAPAction, reply and fault addresses). A queue that
// takes bodies of n bytes takes messages of n - StoredMetaBytes.
const StoredMetaBytes = 64 << 10

// QueueOptions are the options the Store's delivery queue must be opened
// with (badgerstore.OpenReliable): the driver relies on its bounds
// (MaxLength, MaxMessageBytes) and on its MaxAttempts. now is the clock
// (nil: time.Now).
func (c Config) QueueOptions(now func() time.Time) queueing.Options {
	c = c.withDefaults()
	return queueing.Options{
		MaxLength: c.MaxQueue, MaxAttempts: c.MaxAttempts, Backoff: c.Backoff,
		MaxMessageBytes:   c.MaxMessageBytes + StoredMetaBytes,
		VisibilityTimeout: c.DeliveryTimeout + 10*time.Second, Now: now,
	}.WithDefaults()
}

// Validate reports every invalid field as *fielderr.Error values (paths
// such as "Engine.MaxHeld", "Backoff.Base"), in field order.
func (c Config) Validate() error {
	var l fielderr.List
	var root fielderr.Path
	neg := func(name string, bad bool) {
		if bad {
			l.Add(root.Field(name), "negative")
		}
	}
	if c.Name == "" {
		l.Add(root.Field("Name"), "empty")
	}
	l.Nest(root.Field("Engine"), c.Engine.Validate())
	if keep := c.Engine.MaxKeep; c.BackendRM && keep > 0 && keep < c.MinKeep() {
		l.Add(root.Field("Engine").Field("MaxKeep"), "%v is shorter than a delivery's retry interval (%v): "+
			"a message acknowledged after its attempt gave up could be sent to the backend again", keep, c.MinKeep())
	}
	l.Nest(root.Field("Backoff"), c.Backoff.Validate())
	neg("DeliveryTimeout", c.DeliveryTimeout < 0)
	neg("Workers", c.Workers < 0)
	neg("MaxQueue", c.MaxQueue < 0)
	neg("MaxMessageBytes", c.MaxMessageBytes < 0)
	neg("ReplyTTL", c.ReplyTTL < 0)
	neg("TickInterval", c.TickInterval < 0)
	neg("OutboundIdle", c.OutboundIdle < 0)
	return l.Err()
}

// MinKeep is the shortest Engine.MaxKeep a BackendRM driver takes
// (Validate): an acknowledged token must be remembered until its delivery
// is settled, and a delivery whose attempt gave up before the
// acknowledgement came is retried only after the queue's backoff (at
// most Backoff.Max) or, when its settling failed, its visibility timeout.
// A token forgotten before would be sent again under a new number.
// (MaxKeep zero means 24h, or DupWindow when longer.)
func (c Config) MinKeep() time.Duration {
	q := c.QueueOptions(nil)
	return q.Backoff.Max + q.VisibilityTimeout
}

// Options are the driver's collaborators.
type Options struct {
	// Store keeps the engine's records, the delivery queue and the kept
	// replies, its queue opened with Config.QueueOptions; required.
	Store   Store
	Backend Backend // required
	// Client sends to client-supplied addresses (AcksTo, ReplyTo); it must
	// check them against the egress allow-list. nil: nothing is sent
	// (acknowledgements still ride on replies and MakeConnection).
	Client *http.Client
	// Egress refuses, at arrival, a request giving an address that Client
	// could never reach (refusal.go). nil: every address is taken.
	Egress Egress
	Logger *slog.Logger     // default slog.Default()
	Now    func() time.Time // default time.Now
	// Cluster, when set, shares the service with the other nodes that run
	// it over the same Store (cluster.go; doc.go, "Several nodes"). nil:
	// this node holds everything.
	Cluster Cluster
}

// Stats are the driver's counters.
type Stats struct {
	Accepted     uint64 // deliveries enqueued
	Delivered    uint64 // deliveries the backend took
	Redelivered  uint64 // delivery tries after the first
	DeadLettered uint64 // deliveries given up
	QueueDepth   int    // messages waiting for delivery
	DeadLetters  int    // messages in the dead letters
}

// Driver runs one service's reliable messaging.
type Driver struct {
	cfg   Config
	opts  Options
	log   *slog.Logger
	store Store
	qopts queueing.Options // the queue's options, defaults applied (its bounds)

	// eng is touched by the loop goroutine only (and by New before it);
	// broken (loop only) says that it could not be restored after a failed
	// step: it steps nothing until a restore succeeds.
	eng      *wsreliable.Engine
	broken   bool
	repairAt time.Time // the next restore of a broken engine (loop only)

	// cl is Options.Cluster (nil on one node); shards are the shards the
	// engine holds; keys the Submit Key of each delivery being delivered
	// (delivery ID -> Key: the outbound sequence of its shard).
	cl     Cluster
	shards *shardSet
	keys   sync.Map

	reqs chan *request
	// events are engine events from the driver's other goroutines (Submit,
	// Forget, ProcessingFailed, the answers to outbound messages), stepped
	// by the loop.
	events chan wsreliable.Event
	// queries read the engine for other goroutines (groups.go); the loop
	// runs them between steps.
	queries chan func()
	nextRef atomic.Uint64

	ob *outbound // SubmitRM's waiters, by token (outbound.go)

	sends sync.WaitGroup // outbound sends in flight
	sem   chan struct{}  // bounds outbound sends

	accepted, delivered, redelivered, dead atomic.Uint64
	done                                   chan struct{} // closed when Run returns
	loopDone                               chan struct{} // closed when the loop returns
}

// New restores the service's engine from opts.Store. It starts nothing:
// Run does.
func New(cfg Config, opts Options) (*Driver, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("driver %s: %w", cfg.Name, err)
	}
	if opts.Store == nil || opts.Backend == nil {
		return nil, fmt.Errorf("driver %s: Store and Backend are required", cfg.Name)
	}
	cfg = cfg.withDefaults()
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	d := &Driver{cfg: cfg, opts: opts, log: opts.Logger, store: opts.Store, qopts: cfg.QueueOptions(opts.Now),
		reqs: make(chan *request, 256), events: make(chan wsreliable.Event, 64), queries: make(chan func()),
		sem: make(chan struct{}, 32), done: make(chan struct{}), loopDone: make(chan struct{}), ob: newOutbound(), cl: opts.Cluster}
	if d.cl != nil {
		d.shards = &shardSet{held: make([]bool, d.cl.Shards())}
		if d.cfg.Engine.LocalPrefix == "" {
			// the node's outbound sequences move to other nodes with
			// their shards: each node names its own apart
			d.cfg.Engine.LocalPrefix = d.cl.Node() + "."
		}
	}
	if err := d.restore(); err != nil {
		return nil, fmt.Errorf("driver %s: %w", cfg.Name, err)
	}
	return d, nil
}

// restore builds a new engine from the stored records (with a Cluster:
// this node's own and those of the shards it holds); SubmitRM's waiters
// fail (their callers retry: a token still in flight keeps its number).
func (d *Driver) restore() error {
	eng, err := wsreliable.New(d.cfg.Engine)
	if err != nil {
		return err
	}
	recs, err := d.store.Records(context.Background())
	if err != nil {
		return fmt.Errorf("loading records: %w", err)
	}
	d.ob.reset()
	if err := eng.Restore(recs); err != nil {
		return err
	}
	d.eng = eng
	d.setRoom()
	eng.Tick(d.opts.Now())
	return nil
}

// Run runs the engine loop and the delivery consumer until ctx ends; with
// BackendRM the loop then closes the outbound sequences (loop.go), and
// the sends doing it (the TerminateSequence last) get outboundCloseTimeout
// more to finish.
//
// With Options.Cluster it runs the cluster's membership, takes and gives
// up shards (owner.go) and answers the requests other nodes forward
// (forward.go); the outbound sequences are not closed when Run ends: the
// nodes that take the shards go on with them.
func (d *Driver) Run(ctx context.Context) error {
	defer close(d.done)
	var wg sync.WaitGroup
	wg.Go(func() { d.consume(ctx) })
	if d.cl != nil {
		wg.Go(func() {
			if err := d.cl.Run(ctx); err != nil {
				d.log.Error("cluster membership stopped", "err", err)
			}
		})
		wg.Go(func() { d.own(ctx) })
		wg.Go(func() { d.serveForwarded(ctx) })
	}
	lctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	if !d.cfg.BackendRM || d.cl != nil {
		lctx = ctx
	}
	d.loop(ctx, lctx)
	close(d.loopDone)
	if d.cfg.BackendRM && d.cl == nil {
		sent := make(chan struct{})
		go func() { d.sends.Wait(); close(sent) }()
		t := time.NewTimer(outboundCloseTimeout)
		select {
		case <-sent:
		case <-t.C:
		}
		t.Stop()
	}
	stop()
	wg.Wait()
	d.sends.Wait()
	return nil
}

// Stats returns the driver's counters.
func (d *Driver) Stats() Stats {
	waiting, dead := d.store.Len()
	return Stats{Accepted: d.accepted.Load(), Delivered: d.delivered.Load(),
		Redelivered: d.redelivered.Load(), DeadLettered: d.dead.Load(),
		QueueDepth: waiting, DeadLetters: dead}
}
