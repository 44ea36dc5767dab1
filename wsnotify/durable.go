package wsnotify

import (
	"context"
	"time"

	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/wsreliable"
)

// Queue is the durable queue of the broker's durable subscriptions: one
// FIFO group per subscription (queueing.Message.Group is the subscription
// id), leased one message of a group at a time, so each subscription is
// delivered in order while subscriptions proceed in parallel. Every
// method that changes it returns once the change is synced.
// storage/badgerstore implements it on one badgerq queue (doc.go says
// why one queue and how NATS JetStream maps onto it).
type Queue interface {
	Appender
	queueing.Leaser
	Settler
	Groups
	DeadLetterQueue
}

// Appender takes the deliveries of a Notify.
type Appender interface {
	// Append enqueues msgs (each with Group, Body, ExpiresAt and Keep set)
	// and, when mark is not "", records mark (for MarkTTL), as one synced
	// write: a Notify's deliveries and the mark that it was published go
	// together. (An Append too large for one write may be written in
	// several, synced, the mark with the last.) queueing.ErrQueueFull
	// when the queue has no room: nothing is enqueued.
	Append(ctx context.Context, msgs []queueing.Message, mark string) error
	// Marked reports whether mark was recorded and not yet forgotten.
	Marked(ctx context.Context, mark string) (bool, error)
}

// Settler settles leased deliveries.
type Settler interface {
	// Ack removes delivered messages.
	Ack(ctx context.Context, ids ...uint64) error
	// Nack returns a leased message for redelivery after delay
	// (negative: the queue's backoff).
	Nack(ctx context.Context, id uint64, delay time.Duration) error
	// Abandon moves a leased message to the dead letters with reason.
	Abandon(ctx context.Context, id uint64, reason string) error
	// Defer returns a leased message not attempted (a fairness bound held
	// it back) after delay: its lease does not count as an attempt.
	Defer(ctx context.Context, id uint64, delay time.Duration) error
}

// Groups acts on a subscription's queue as a whole.
type Groups interface {
	// Hold holds groups (a paused subscription: its messages are kept,
	// within their retention, and not delivered) or lets them go, oldest
	// message first.
	Hold(ctx context.Context, held bool, groups ...string) error
	// DropGroup deletes a group's messages (the subscription ended).
	DropGroup(ctx context.Context, group string) (int, error)
	// Groups calls fn with every group the queue knows.
	Groups(ctx context.Context, fn func(group string) error) error
	// Group returns what the queue holds of group.
	Group(ctx context.Context, group string) (queueing.GroupInfo, error)
}

// DeadLetterQueue hands over what the queue gave up (over a group's Keep,
// past its ExpiresAt, Abandon): the broker moves them to its dead-letter
// list.
type DeadLetterQueue interface {
	DeadLetters(ctx context.Context, after uint64, limit int) ([]queueing.DeadLetter, error)
	DeleteDeadLetters(ctx context.Context, ids ...uint64) error
}

// RMSource sends messages over WS-RM 1.2 as an RM Source
// (wsreliable/driver.Driver implements it).
type RMSource interface {
	// SubmitRM sends m on the outbound sequence of (m.To, m.Key) in
	// SOAP version v and returns once the destination acknowledged it. A
	// token (m.Token) in flight is not sent again; one acknowledged is
	// answered at once until Forget.
	SubmitRM(ctx context.Context, m wsreliable.Submit, v soap.Version) error
	// Forget says that the delivery of token is settled.
	Forget(ctx context.Context, token string)
}
