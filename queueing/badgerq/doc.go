// Package badgerq implements the durable queues of package queueing on
// badger (github.com/dgraph-io/badger/v4), for a single node.
//
// # One store, many queues
//
// The caller opens one *badger.DB and hands it to Open with a key prefix;
// each queue lives under its own prefix ("q/orders/", "q/sub/42/"), so any
// number of named queues share the node's DB with the other persistent
// parts of the gateway. No prefix may be a prefix of another.
//
// # Key layout
//
// Under the queue's prefix P (seq: the message ID, 8 bytes big-endian;
// times: unix nanoseconds, 8 bytes big-endian, so keys sort by time):
//
//	P m <seq>                 meta: flags (ready, leased), attempts,
//	                          visible-at, enqueued-at, expires-at, group
//	P b <seq>                 body, written once
//	P r <visibleAt> <seq>     ready index: one key per deliverable message,
//	                          ordered by (visible-at, seq)
//	P g <len><group> <seq>    group members, in ID order
//	P G <len><group>          group record: member count, lowest member,
//	                          bytes of the members' bodies, held flag
//	P x <expiresAt> <seq>     expiry index, for messages with an expiry
//	P d <seq>                 dead letter: meta plus reason and dead-at
//	                          (the body stays at P b <seq>)
//	P s                       badger sequence lease for IDs (db.GetSequence)
//	P n                       counters: length, dead letters
//
// Leasing is an ordered scan of the ready index that stops at the first key
// whose visible-at time is in the future. A lease does not have a state of
// its own: it moves the message's ready key to now+visibility and sets the
// leased flag, so a lease that is neither acked nor nacked ends by itself,
// across restarts, with nothing to recover. A nack moves the key to
// now+delay. A group has exactly one member in the ready index; the others
// wait in the group index and the next one is promoted (at its enqueue
// time, keeping its place) when that one is acked or dead-lettered. So a
// group's next message is never leased while an earlier one is leased or
// waiting for redelivery, and groups proceed in parallel.
//
// A group is also a consumer's queue of its own (groups.go): Hold holds a
// group (none of its members is in the ready index; a leased one finishes
// its lease) and lets it go again, oldest member first; a message enqueued
// with Keep bounds its group by messages and body bytes, the oldest member
// not leased going to the dead letters (ReasonOverflow) in the enqueue's
// transaction; DropGroup deletes a group's messages; Abandon dead-letters
// a leased message with the caller's reason. Many groups cost nothing in
// memory (nothing per group is kept there) and share the queue's group
// commit: one sync serves the enqueues of many groups.
//
// No index of the messages is kept in memory: memory is bounded by the
// batch sizes, not by the queue's length. The committer keeps a "floor" per
// index (a key below which no live key exists) so that scans seek past the
// tombstones that deletes leave at the front of an index until badger
// compacts them, and scans read all versions so that they stop at a key in
// the future even when it was deleted, rather than stepping over every
// tombstone up to the next live key.
//
// Expired messages are never delivered: Lease dead-letters those it meets,
// and a periodic sweep (Options.SweepInterval) reads a bounded slice of the
// expiry index and dead-letters expired messages that are not leased.
//
// # Durability contract
//
// Every change (Enqueue, Lease, Ack, Nack, Redrive, the sweep) goes through
// one committer goroutine per queue, started by Open and stopped by Close.
// It takes every call waiting for it, applies them in one badger
// transaction and, if any of them needs durability (all but Lease, AckLazy
// and the sweep), commits it and syncs once before replying to any of
// them: group commit. A durable call that returns nil is on disk. One that
// fails with a queueing error (ErrQueueFull, ErrTooLarge, ErrNotFound,
// ErrClosed) had no effect; after a context error, or a failed sync, the
// outcome is unknown. Batches are atomic: an EnqueueBatch is stored whole
// or not at all.
//
// The other calls are lazy: a batch of lazy calls only is answered once
// applied, and its transaction is held open; the next batches apply their
// calls to it (each call sees every change made before it, committed or
// not) until one with a durable call commits and syncs the lot, or the
// committer commits it by itself after lazyFlushDelay (10ms) without one,
// or Close does. So changes reach the disk in the order they were made:
// once a durable call returns, every change made before it is on disk too.
// A batch that fails after lazy calls were applied to its transaction does
// not take their changes with it: they are committed apart first. A crash
// loses the lazy changes not yet committed: a lease, which is void
// after a crash anyway (the process that owns the queue releases every
// lease at start, ReleaseLeases), or an AckLazy, whose message is then
// delivered again (at least once). A lazy call that dead-letters a
// message (an expired one met by Lease or the sweep) commits at once, so
// that DeadLetters and Group, which read what is committed, show it.
// Without this, each lease cost a sync of its own (badger syncs every
// commit with SyncWrites), and a consumer's acks did too: the delivery
// side of a queue took most of the syncs its producers waited behind.
//
// Acks (Ack, AckWith) stay durable but may linger: while producers are
// active (the last durable batch committed had an enqueue or another
// durable call that is not an ack), a batch whose durable calls are all
// acks waits for the next such call, at most ackLinger (5ms), and commits
// with it under one sync; lazy calls that come meanwhile wait with it. So
// a consumer acking as it delivers shares its producers' syncs instead of
// adding its own between theirs. Once producers stop, at most one batch
// lingers. An ack still returns only once it is on disk.
//
// # Writes of the caller's own, in the queue's transaction
//
// EnqueueWith and AckWith apply the caller's key writes (outside the
// queue's prefix: a reliable driver's engine records, a kept backend
// reply) in the same transaction as the enqueue or ack, under the same
// group commit and the same rule: nothing returns before it is synced. So
// a caller's records and the queue change together or not at all (the
// reliable driver stores an engine's records with the deliveries they
// cause, closing the window in which a crash left one without the other).
// One EnqueueWith is bounded by what one badger transaction takes
// (DB.MaxBatchSize) rather than by MaxBatchBytes.
//
// # Large messages
//
// Sizes are counted as badger counts a transaction: a body or write value
// at or over the DB's ValueThreshold goes to the value log and costs the
// transaction a pointer; smaller ones are in the tree and count whole.
// MaxBatchBytes bounds what one EnqueueBatch puts in the tree, so a
// message may be larger than MaxBatchBytes (up to MaxMessageBytes) when it
// goes to the value log; Open refuses a MaxMessageBytes over MaxBatchBytes
// when such a message would stay in the tree.
//
// Open the DB with SyncWrites true. Then each committed transaction is
// synced by badger itself, and since the queue commits one transaction per
// group, that is one sync per group. With SyncWrites false the queue calls
// db.Sync after each durable transaction, which costs the same but syncs
// only the active memtable's log and the newest value-log file: if another
// writer of the same DB makes badger rotate its memtable between the
// queue's commit and its Sync, the queue's writes sit in a log that is not
// synced until the memtable is flushed, and an operating-system crash in
// that window can lose them (a killed process loses nothing: its writes
// are in the page cache). Measured on the development VM (bench_test.go),
// both modes cost the same, one fsync per group commit (0.2 to 3 ms there,
// depending on the shared disk's load). Sequential Enqueue runs at one
// message per fsync; 64 concurrent callers share each fsync about 31 ways.
//
// IDs come from a badger sequence, are increasing in commit order and are
// never reused, also after a crash. Delivery is at least once: a message
// whose lease runs out is delivered again, with its attempt count raised,
// until it is acked or goes to the dead letters after Options.MaxAttempts
// deliveries.
package badgerq
