package delivery

import (
	"context"
	"sync"
	"time"
)

// maxBatchBytes bounds the message bytes of one batch (at least one
// message is sent): a backlog of large messages must not become one
// request of MaxBatch times the message size.
const maxBatchBytes = 4 << 20

// Msg is one notification, shared (never copied) by every queue it goes to.
type Msg struct {
	// Wrapped is the content of a wsnt:NotificationMessage without its
	// SubscriptionReference (Topic, ProducerReference, Message).
	Wrapped []byte
	// Payload is the message payload alone, for raw delivery (UseRaw).
	Payload []byte
}

// Target says where and how a queue delivers.
type Target struct {
	URL string
	// Raw sends one payload per request, without a Notify wrapper.
	Raw bool
	// Data is the caller's, passed back to Sender (e.g. the SOAP version and
	// reference parameters of the consumer).
	Data any
}

// Sender delivers one batch of a queue; a nil error acknowledges the batch.
type Sender interface {
	Send(ctx context.Context, queueID string, t Target, batch []*Msg) error
}

// Hooks are called, without locks held, as messages leave queues. Any may
// be nil.
type Hooks struct {
	Delivered func(queueID string, n int)
	Failed    func(queueID string, err error) // one failed attempt
	Dropped   func(queueID string, n int)     // refused at a full queue
	Dead      func(queueID string, t Target, batch []*Msg, err error)
}

// Config bounds a Dispatcher. Zero fields take the default in their comment.
type Config struct {
	QueueLen    int           // messages per queue; default 1000
	PausedLen   int           // messages kept per paused queue; default QueueLen
	MaxBatch    int           // messages per request (and at most maxBatchBytes of them, 4 MiB); default 100
	Workers     int           // concurrent deliveries; default 16
	MaxAttempts int           // attempts before dead-lettering; default 5
	BaseBackoff time.Duration // first retry delay, doubled per attempt; default 200ms
	MaxBackoff  time.Duration // retry delay cap; default 1m
	Timeout     time.Duration // per attempt; default 10s
}

// WithDefaults returns c with zero fields defaulted.
func (c Config) WithDefaults() Config {
	def := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	def(&c.QueueLen, 1000)
	def(&c.PausedLen, c.QueueLen)
	def(&c.MaxBatch, 100)
	def(&c.Workers, 16)
	def(&c.MaxAttempts, 5)
	if c.BaseBackoff <= 0 {
		c.BaseBackoff = 200 * time.Millisecond
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = time.Minute
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	return c
}

// Dispatcher owns the queues. Its methods are safe for concurrent use;
// Run drives the workers.
type Dispatcher struct {
	cfg   Config
	send  Sender
	hooks Hooks
	wake  chan struct{} // capacity 1: "ready may be non-empty"

	mu     sync.Mutex // guards queues, ready and every queue's fields
	queues map[string]*queue
	ready  []string // queues with work and no worker, FIFO; each at most once (busy)
}

type queue struct {
	target   Target
	items    []*Msg
	paused   bool
	busy     bool // listed in ready, held by a worker, or waiting for a retry timer
	attempts int  // failed attempts of the head batch
	timer    *time.Timer
}

// New returns a Dispatcher sending through s.
func New(cfg Config, s Sender, h Hooks) *Dispatcher {
	return &Dispatcher{
		cfg: cfg.WithDefaults(), send: s, hooks: h,
		wake:   make(chan struct{}, 1),
		queues: make(map[string]*queue),
	}
}

// Add creates (or retargets) queue id.
func (d *Dispatcher) Add(id string, t Target, paused bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if q, ok := d.queues[id]; ok {
		q.target, q.paused = t, paused
		d.kickLocked(id, q)
		return
	}
	d.queues[id] = &queue{target: t, paused: paused}
}

// Remove deletes queue id and its messages.
func (d *Dispatcher) Remove(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if q, ok := d.queues[id]; ok {
		if q.timer != nil {
			q.timer.Stop()
		}
		delete(d.queues, id)
	}
}

// Enqueue appends m to queue id. It reports false when there is no such
// queue or the queue is full (the message is dropped and counted).
func (d *Dispatcher) Enqueue(id string, m *Msg) bool {
	d.mu.Lock()
	q, ok := d.queues[id]
	if !ok {
		d.mu.Unlock()
		return false
	}
	limit := d.cfg.QueueLen
	if q.paused {
		limit = d.cfg.PausedLen
	}
	if len(q.items) >= limit {
		d.mu.Unlock()
		if d.hooks.Dropped != nil {
			d.hooks.Dropped(id, 1)
		}
		return false
	}
	q.items = append(q.items, m)
	d.kickLocked(id, q)
	d.mu.Unlock()
	return true
}

// Pause stops deliveries of queue id; messages are kept up to PausedLen.
func (d *Dispatcher) Pause(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if q, ok := d.queues[id]; ok {
		q.paused = true
	}
}

// Resume restarts deliveries of queue id, backlog first.
func (d *Dispatcher) Resume(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if q, ok := d.queues[id]; ok {
		q.paused = false
		d.kickLocked(id, q)
	}
}

// Len returns the number of messages waiting in queue id.
func (d *Dispatcher) Len(id string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	if q, ok := d.queues[id]; ok {
		return len(q.items)
	}
	return 0
}

// kickLocked lists q as ready when it has work and nobody holds it.
func (d *Dispatcher) kickLocked(id string, q *queue) {
	if q.busy || q.paused || len(q.items) == 0 {
		return
	}
	q.busy = true
	d.ready = append(d.ready, id)
	d.signal()
}

func (d *Dispatcher) signal() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}
