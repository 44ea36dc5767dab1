package badgerstore

import "github.com/dgraph-io/badger/v4"

// Uses says which parts of a node keep records in its store, for sizing
// the store's memory (Options).
type Uses struct {
	Broker   bool // the WS-Notification broker
	Reliable int  // reliable services (each a driver and a durable queue)
}

// Any reports whether any part needs the store: a node that needs none
// need not open one.
func (u Uses) Any() bool { return u.Broker || u.Reliable > 0 }

// Options returns badger options for the node's store in dir: SyncWrites
// (a write is on disk when its commit returns, what "acknowledged" means
// for every part that persists; db.Sync alone can miss a memtable badger
// has just rotated), and memory sized to what u needs rather than badger's
// defaults, which hold about 90 MB of Go heap in an idle process (a 64 MB
// memtable arena, a 256 MB block cache's bookkeeping, 5 memtables).
//
// (choice) The records of the broker and of reliable messaging are small
// and short-lived, written once and read back soon: an 8 MiB memtable
// (64 MiB with a reliable service or the broker, whose durable queues commit batches of
// up to 4.5 MiB), two of them, 8 MiB of block cache per part that uses
// the store, two compactors. Values over 64 KiB (large SOAP messages) go to the value
// log, so that a batch of them stays within a transaction's limit (15% of
// the memtable) and the LSM tree holds only their pointers; the value log
// grows in 256 MiB files instead of 1 GiB.
func Options(dir string, u Uses) badger.Options {
	parts := int64(u.Reliable)
	if u.Broker {
		parts++
	}
	parts = max(parts, 1)
	memtable := int64(8 << 20)
	if u.Reliable > 0 || u.Broker {
		// A durable queue's full batch (queueing/badgerq's defaults:
		// about 4.5 MiB estimated) must fit half a transaction, which is
		// 15% of the memtable: badger's default 64 MiB is the least. The
		// broker has one too (its durable subscriptions' queue, and the
		// reliable driver of publishers' WS-RM sequences).
		memtable = 64 << 20
	}
	return badger.DefaultOptions(dir).
		WithSyncWrites(true).
		WithMemTableSize(memtable).
		WithNumMemtables(2).
		WithBlockCacheSize(min(parts*8<<20, 256<<20)).
		WithIndexCacheSize(4 << 20).
		WithValueThreshold(64 << 10).
		WithValueLogFileSize(256 << 20).
		WithNumCompactors(2)
}
