package driver

import (
	"context"
	"time"

	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/wsreliable"
)

// The driver's durable state is behind the interfaces below, which it
// declares for what it needs (storage/badgerstore implements them on one
// badger DB; doc.go maps them onto NATS JetStream). Every method returns
// only once what it changed is durable. The driver never reads the
// engine's records: they go from Ready to Commit and from Records to
// Restore.

// Journal keeps the engine's records with the deliveries they cause.
type Journal interface {
	// Records returns every engine record stored: Restore's input.
	Records(ctx context.Context) ([]wsreliable.Record, error)
	// Commit writes recs (a nil Value deletes the key) and enqueues
	// deliveries, in order, as one atomic write. It fails with
	// queueing.ErrQueueFull, writing no record, when the queue has no
	// room. A delivery's DedupKey is its wsreliable.Delivery.ID: a store
	// that cannot write records and deliveries at once writes the
	// deliveries first and drops one whose DedupKey it has taken already
	// (doc.go, "Several nodes").
	Commit(ctx context.Context, recs []wsreliable.Record, deliveries []queueing.Message) error
}

// Queue is the durable queue of deliveries, which Journal.Commit fills.
// A delivery's queue group is its WS-RM sequence or WS-Reliability group:
// a group's next delivery is not leased while one is leased or waiting
// for redelivery.
type Queue interface {
	// Lease hands out up to n visible deliveries until now+visibility.
	Lease(ctx context.Context, n int, visibility time.Duration) ([]queueing.Lease, error)
	// Ready returns a channel closed once deliveries may have become
	// visible (not those whose redelivery delay runs out).
	Ready() <-chan struct{}
	// Ack removes delivery id and, when reply is not nil, keeps it in the
	// mailbox box for a later pickup (Mailbox), in one atomic write.
	Ack(ctx context.Context, id uint64, box string, reply []byte) error
	// Nack returns delivery id for redelivery after delay (negative: the
	// queue's backoff); after its last attempt it goes to the dead letters.
	Nack(ctx context.Context, id uint64, delay time.Duration) error
	// Len returns the deliveries waiting (ready, leased, delayed) and the
	// dead letters.
	Len() (waiting, dead int)
}

// Mailbox hands out the backend replies Queue.Ack kept, oldest first, at
// least once: a reply taken is leased, and offered again when its lease
// runs out before SettleReply.
type Mailbox interface {
	// TakeReply leases the oldest reply in box until now+lease; ok false
	// when there is none to give.
	TakeReply(ctx context.Context, box string, lease time.Duration) (key string, reply []byte, ok bool, err error)
	// SettleReply deletes the reply taken as key once the answer carrying
	// it was written, or else offers it again at once.
	SettleReply(ctx context.Context, key string, written bool) error
}

// Store is everything the driver keeps.
type Store interface {
	Journal
	Queue
	Mailbox
}

// Egress decides whether the driver may ever send to an address a client
// gave (WS-RM AcksTo, WS-Reliability Callback and PollRequest ReplyTo);
// egress.Policy implements it.
type Egress interface {
	CheckContext(ctx context.Context, addr string) error
}
