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

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/internal/fielderr"
	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/queueing/badgerq"
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
// the backend, for a backend that drops repeats.
const DeliveryIDHeader = "Wsgw-Delivery-Id"

// Config configures the driver of one service. Zero fields take the
// defaults in their comments.
type Config struct {
	// Name is the service name; the store prefix is "rm/" + Name + "/".
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
	// Workers is how many groups are delivered at once. Zero: 16.
	Workers int
	// MaxQueue bounds the messages waiting for delivery; past it a message
	// is not accepted (the client retransmits). Zero: 1,000,000.
	MaxQueue int
	// DoneTTL is how long a delivery's done mark is kept. Zero: 24h.
	DoneTTL time.Duration
	// ReplyTTL is how long a backend reply waits for a MakeConnection.
	// Zero: 24h.
	ReplyTTL time.Duration
	// TickInterval is the engine's clock resolution. Zero: 100ms.
	TickInterval time.Duration
	// BackendRM says the Backend sends over WS-RM 1.2 through SubmitRM
	// (outbound.go): the engine's outbound sequences are then the
	// backend's, and a restart drops them (the delivery queue, whose
	// entries are acknowledged only when the peer's ack covers them,
	// submits them again on a new sequence).
	BackendRM bool
	// OutboundIdle is how long outbound sequences stay open without a
	// Submit before they are closed and terminated. Zero: 30s.
	OutboundIdle time.Duration
}

func (c Config) withDefaults() Config {
	if c.DeliveryTimeout == 0 {
		c.DeliveryTimeout = 30 * time.Second
	}
	if c.Workers == 0 {
		c.Workers = 16
	}
	if c.DoneTTL == 0 {
		c.DoneTTL = 24 * time.Hour
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
	return c
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
	l.Nest(root.Field("Backoff"), c.Backoff.Validate())
	neg("DeliveryTimeout", c.DeliveryTimeout < 0)
	neg("Workers", c.Workers < 0)
	neg("MaxQueue", c.MaxQueue < 0)
	neg("DoneTTL", c.DoneTTL < 0)
	neg("ReplyTTL", c.ReplyTTL < 0)
	neg("TickInterval", c.TickInterval < 0)
	neg("OutboundIdle", c.OutboundIdle < 0)
	return l.Err()
}

// Options are the driver's collaborators.
type Options struct {
	DB      *badger.DB // the node's store, opened with SyncWrites; required
	Backend Backend    // required
	// Client sends to client-supplied addresses (AcksTo, ReplyTo); it must
	// check them against the egress allow-list. nil: nothing is sent
	// (acknowledgements still ride on replies and MakeConnection).
	Client *http.Client
	Logger *slog.Logger     // default slog.Default()
	Now    func() time.Time // default time.Now
}

// Stats are the driver's counters.
type Stats struct {
	Accepted     uint64 // deliveries enqueued
	Delivered    uint64 // deliveries the backend took
	Redelivered  uint64 // delivery tries after the first
	DeadLettered uint64 // deliveries given up
	Duplicates   uint64 // repeats dropped by their done mark
	QueueDepth   int    // messages waiting for delivery
	DeadLetters  int    // messages in the dead letters
}

// Driver runs one service's reliable messaging.
type Driver struct {
	cfg    Config
	opts   Options
	log    *slog.Logger
	prefix []byte
	q      *badgerq.Queue
	qopts  queueing.Options // q's options, defaults applied (its size bounds)

	// eng is touched by the loop goroutine only (and by New before it).
	eng *wsreliable.Engine

	reqs     chan *request
	failed   chan wsreliable.Event // ProcessingFailed from the consumer
	nextRef  atomic.Uint64
	replySeq atomic.Uint64

	ob *outbound // deliveries waiting for a WS-RM peer's ack (outbound.go)

	sends sync.WaitGroup // outbound sends in flight
	sem   chan struct{}  // bounds outbound sends

	// versions remembers the SOAP version each group spoke, for messages
	// sent to its AcksTo/ReplyTo: stored by the loop when the engine
	// persists the group, deleted when the engine deletes it (or on
	// TerminateSequence), so it is bounded like the engine's groups.
	versions sync.Map // group -> soap.Version

	accepted, delivered, redelivered, dead, dups atomic.Uint64
	closeOnce                                    sync.Once
	done                                         chan struct{} // closed when Run returns
}

// New opens the service's queue and restores its engine from db.
func New(cfg Config, opts Options) (*Driver, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("driver %s: %w", cfg.Name, err)
	}
	if opts.DB == nil || opts.Backend == nil {
		return nil, fmt.Errorf("driver %s: DB and Backend are required", cfg.Name)
	}
	cfg = cfg.withDefaults()
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	d := &Driver{cfg: cfg, opts: opts, log: opts.Logger, prefix: []byte("rm/" + cfg.Name + "/"),
		reqs: make(chan *request, 256), failed: make(chan wsreliable.Event, 64),
		sem: make(chan struct{}, 32), done: make(chan struct{}), ob: newOutbound()}
	d.qopts = queueing.Options{
		MaxLength: cfg.MaxQueue, MaxAttempts: cfg.MaxAttempts, Backoff: cfg.Backoff,
		VisibilityTimeout: cfg.DeliveryTimeout + 10*time.Second, Now: opts.Now,
	}
	q, err := badgerq.Open(opts.DB, string(d.prefix)+"q/", d.qopts)
	d.qopts = d.qopts.WithDefaults()
	if err != nil {
		return nil, fmt.Errorf("driver %s: %w", cfg.Name, err)
	}
	d.q = q
	if err := d.restore(); err != nil {
		q.Close()
		return nil, fmt.Errorf("driver %s: %w", cfg.Name, err)
	}
	return d, nil
}

// restore builds a new engine from the stored records.
func (d *Driver) restore() error {
	eng, err := wsreliable.New(d.cfg.Engine)
	if err != nil {
		return err
	}
	recs, err := d.loadRecords()
	if err != nil {
		return fmt.Errorf("loading records: %w", err)
	}
	d.ob.reset()
	if d.cfg.BackendRM {
		var dropped []wsreliable.Record
		if recs, dropped = withoutOutbound(recs); len(dropped) > 0 {
			if err := d.persist(dropped); err != nil {
				return err
			}
		}
	}
	if err := eng.Restore(recs); err != nil {
		return err
	}
	eng.Tick(d.opts.Now())
	d.eng = eng
	return nil
}

// Run runs the engine loop and the delivery consumer until ctx ends.
func (d *Driver) Run(ctx context.Context) error {
	defer close(d.done)
	var wg sync.WaitGroup
	wg.Go(func() { d.consume(ctx) })
	loopCtx := ctx
	if d.cfg.BackendRM {
		wg.Go(func() { d.idle(ctx, d.cfg.OutboundIdle) })
		// The loop outlives ctx by the closing of the outbound sequences.
		var stop context.CancelFunc
		loopCtx, stop = context.WithCancel(context.WithoutCancel(ctx))
		wg.Go(func() { <-ctx.Done(); d.finishOutbound(); stop() })
	}
	d.loop(loopCtx)
	wg.Wait()
	d.sends.Wait()
	return nil
}

// Close closes the queue. Call it after Run has returned.
func (d *Driver) Close() error {
	var err error
	d.closeOnce.Do(func() { err = d.q.Close() })
	return err
}

// Stats returns the driver's counters.
func (d *Driver) Stats() Stats {
	qs := d.q.Stats()
	return Stats{Accepted: d.accepted.Load(), Delivered: d.delivered.Load(),
		Redelivered: d.redelivered.Load(), DeadLettered: d.dead.Load(), Duplicates: d.dups.Load(),
		QueueDepth: qs.Length, DeadLetters: qs.DeadLetters}
}
