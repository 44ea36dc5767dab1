package queueing

import (
	"errors"
	"time"

	"github.com/wsgw/wsgw/internal/fielderr"
)

// Durable queues: the domain types shared by every implementation
// (queueing/badgerq for one node). The interfaces a consumer needs are
// defined by the consumer (wsreliable, wsnotify), not here.

// Message is one queued message.
//
// On Enqueue the caller sets Body and, optionally, Group, ExpiresAt and
// Keep; the queue sets ID, EnqueuedAt and Attempts. On Lease every field
// but Keep is filled.
type Message struct {
	// ID identifies the message within its queue; assigned on Enqueue,
	// increasing in enqueue order, never 0, never reused.
	ID uint64
	// Body is the payload, at most Options.MaxMessageBytes long.
	Body []byte
	// Group orders messages: a group's next message is not leased while an
	// earlier one of the same group is leased or waiting for redelivery.
	// "" means no group: messages are leased in roughly enqueue order.
	Group string
	// ExpiresAt, when not zero, is the time after which the message is not
	// delivered any more; it is moved to the dead letters with ReasonExpired.
	ExpiresAt time.Time
	// DedupKey, when set, names the message for a queue that drops
	// repeats (one that cannot enqueue atomically with other writes, and
	// takes a message again after a crash between the two): such a queue
	// drops a message whose DedupKey it took within its window. Others
	// ignore it. Used on Enqueue only.
	DedupKey string
	// Keep, when not zero, bounds Group once the message has joined it:
	// while the group holds more messages or more body bytes than Keep
	// allows, its oldest message that is not leased goes to the dead
	// letters with ReasonOverflow (a group keeps at least its newest
	// message, whatever its size). Used on Enqueue only.
	Keep GroupLimit
	// EnqueuedAt is when the queue accepted the message.
	EnqueuedAt time.Time
	// Attempts counts deliveries: 1 on the first Lease, 2 on the second...
	Attempts int
}

// GroupLimit bounds what a group keeps. A zero field is no bound.
type GroupLimit struct {
	Messages int   // messages in the group
	Bytes    int64 // bytes of their bodies
}

// GroupInfo describes what a queue holds of a group.
type GroupInfo struct {
	Messages int   // live messages (ready, leased, delayed, waiting their turn)
	Bytes    int64 // bytes of their bodies
	Held     bool
}

// Lease is a message handed to a consumer until Deadline. Unless the
// consumer acks or nacks it first, the message becomes visible again at
// Deadline (its visibility timeout), also across restarts.
type Lease struct {
	Message
	Deadline time.Time
}

// Dead-letter reasons.
const (
	ReasonExpired     = "expired"
	ReasonMaxAttempts = "max attempts"
	ReasonOverflow    = "overflow" // over its group's Keep
)

// DeadLetter is a message the queue gave up on.
type DeadLetter struct {
	Message
	Reason string // ReasonExpired, ReasonMaxAttempts, ReasonOverflow, or a caller's (Abandon)
	DeadAt time.Time
}

// Errors of durable queues. Implementations wrap them with %w; test with
// errors.Is.
var (
	// ErrQueueFull: the enqueue would take the queue over Options.MaxLength.
	// Nothing of the batch was enqueued.
	ErrQueueFull = errors.New("queue full")
	// ErrTooLarge: a message body is over Options.MaxMessageBytes, or a batch
	// over Options.MaxBatch messages or Options.MaxBatchBytes bytes.
	ErrTooLarge = errors.New("message or batch too large")
	// ErrNotFound: no such message (or, for Nack, no such leased message).
	ErrNotFound = errors.New("message not found")
	// ErrClosed: the queue is closed.
	ErrClosed = errors.New("queue closed")
)

// Options bound and tune a durable queue. The zero value is usable: each
// zero field takes the default named in its comment.
type Options struct {
	// MaxMessageBytes bounds a message body; 0 means 256 KiB.
	MaxMessageBytes int
	// MaxLength bounds the messages in the queue (ready, leased, delayed;
	// not dead letters); 0 means 1,000,000. Enqueue past it fails with
	// ErrQueueFull.
	MaxLength int
	// MaxBatch bounds the messages of one EnqueueBatch and of one Lease;
	// 0 means 1000.
	MaxBatch int
	// MaxBatchBytes bounds the bodies of one EnqueueBatch and of one
	// Lease; 0 means 4 MiB. An implementation may count a body it stores
	// apart by what it costs the batch instead (badgerq: a body in
	// badger's value log, by its pointer), so that a message may be larger
	// than MaxBatchBytes where the implementation says so.
	MaxBatchBytes int
	// MaxAttempts is the number of deliveries after which a message that is
	// nacked or whose lease runs out goes to the dead letters with
	// ReasonMaxAttempts; 0 means 10, negative means unlimited.
	MaxAttempts int
	// MaxDeadLetters bounds the dead letters; past it the one with the
	// lowest ID is deleted. 0 means 100,000.
	MaxDeadLetters int
	// VisibilityTimeout is used by Lease when it is given 0; 0 means 30s.
	VisibilityTimeout time.Duration
	// Backoff is the redelivery delay of Nack when it is given a negative
	// delay.
	Backoff Backoff
	// SweepInterval is how often expired messages are looked for; 0 means
	// 1s, negative disables the periodic sweep (Lease still never delivers
	// an expired message).
	SweepInterval time.Duration
	// Now is the clock; nil means time.Now. Tests inject a fake one.
	Now func() time.Time
}

// WithDefaults returns o with every zero field set to its default.
func (o Options) WithDefaults() Options {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.MaxMessageBytes, 256<<10)
	def(&o.MaxLength, 1_000_000)
	def(&o.MaxBatch, 1000)
	def(&o.MaxBatchBytes, 4<<20)
	def(&o.MaxAttempts, 10)
	def(&o.MaxDeadLetters, 100_000)
	if o.VisibilityTimeout == 0 {
		o.VisibilityTimeout = 30 * time.Second
	}
	if o.SweepInterval == 0 {
		o.SweepInterval = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Backoff = o.Backoff.WithDefaults()
	return o
}

// Validate reports every invalid field as *fielderr.Error values (paths
// such as "MaxLength", "Backoff.Base"), in field order.
func (o Options) Validate() error {
	var l fielderr.List
	var root fielderr.Path
	neg := func(name string, v int) {
		if v < 0 {
			l.Add(root.Field(name), "must not be negative, got %d", v)
		}
	}
	neg("MaxMessageBytes", o.MaxMessageBytes)
	neg("MaxLength", o.MaxLength)
	neg("MaxBatch", o.MaxBatch)
	neg("MaxBatchBytes", o.MaxBatchBytes)
	neg("MaxDeadLetters", o.MaxDeadLetters)
	if o.VisibilityTimeout < 0 {
		l.Add(root.Field("VisibilityTimeout"), "must not be negative, got %v", o.VisibilityTimeout)
	}
	l.Nest(root.Field("Backoff"), o.Backoff.Validate())
	return l.Err()
}

// Backoff is an exponential redelivery delay with jitter and a cap:
// attempt k waits min(Max, Base*2^(k-1)), less a random part of up to
// Jitter of it. The zero value is usable.
type Backoff struct {
	// Base is the delay after the first attempt; 0 means 1s.
	Base time.Duration
	// Max caps the delay; 0 means 5m.
	Max time.Duration
	// Jitter is the fraction of the delay that is randomised, in [0, 1];
	// 0 means 0.2, negative means none.
	Jitter float64
}

// WithDefaults returns b with every zero field set to its default.
func (b Backoff) WithDefaults() Backoff {
	if b.Base == 0 {
		b.Base = time.Second
	}
	if b.Max == 0 {
		b.Max = 5 * time.Minute
	}
	if b.Jitter == 0 {
		b.Jitter = 0.2
	}
	return b
}

// Validate reports every invalid field as *fielderr.Error values (paths
// such as "Base"), in field order.
func (b Backoff) Validate() error {
	var l fielderr.List
	var root fielderr.Path
	if b.Base < 0 {
		l.Add(root.Field("Base"), "must not be negative, got %v", b.Base)
	}
	if b.Max < 0 {
		l.Add(root.Field("Max"), "must not be negative, got %v", b.Max)
	}
	if b.Jitter > 1 {
		l.Add(root.Field("Jitter"), "must be at most 1, got %v", b.Jitter)
	}
	return l.Err()
}

// Delay is the wait before redelivering a message that has had attempts
// deliveries; r is a random number in [0, 1). Call it on WithDefaults().
func (b Backoff) Delay(attempts int, r float64) time.Duration {
	d := b.Base
	for i := 1; i < attempts && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	if b.Jitter > 0 {
		d -= time.Duration(float64(d) * b.Jitter * r)
	}
	return d
}
