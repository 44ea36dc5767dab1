// Package badgerstore keeps wsgw's durable state on one node in badger
// (github.com/dgraph-io/badger/v4): it implements the store interfaces
// that the packages which persist declare for themselves, with the
// vocabulary of package storage.
//
// # One DB per node
//
// `wsgw serve` opens one badger DB (cmd/wsgw openStore) and hands it to
// the gateway (gateway.Options.DB), which builds each part's store over it
// with a key prefix of its own. No prefix is a prefix of another. The
// store owns nothing: the opener of the DB closes it.
//
//	wsn/          the WS-Notification broker (BrokerStore, wsnotify.Store;
//	              gateway/broker.go)
//	rm/{service}/ a reliable service's driver: its records, and its
//	              durable queue under rm/{service}/q/ (queueing/badgerq)
//	wsnq/         the broker's durable subscriptions: one badgerq queue
//	              (wsnq/q/), a group per subscription, and the marks of
//	              Notifies published from WS-RM sequences (wsnq/m/);
//	              SubscriptionQueue, wsnotify.Queue (subqueue.go says why
//	              one queue)
//	wsn-rm/       the broker endpoint's reliable messaging driver (WS-RM
//	              publishers, and the RM source of durable WS-RM
//	              subscriptions): Reliable with that prefix
//
// The reliable driver's store is described with it (reliable*.go).
//
// # The broker: wsn/
//
// Records (wsnotify.Resources), a value per key, as the broker wrote them
// before it had a store of its own, so that an upgrade keeps every
// subscription:
//
//	wsn/sub/{id}         subscription record (JSON)
//	wsn/reg/{id}         publisher registration (JSON)
//	wsn/orphan/{reg}-{id} a publisher subscription still to end (JSON)
//	wsn/pp/{id}          pull point record (JSON)
//	wsn/cur/{topic}      the current message of a topic (its payload)
//
// Lists (wsnotify.Lists), one key per entry, the sequence number as 8
// bytes big-endian so that keys sort in list order:
//
//	wsn/ppm/{pp}/{seq}   a pull point's NotificationMessages
//	wsn/held/{sub}/{seq} what a paused pull-point subscription keeps
//	wsn/dl/{seq}         the dead letters (JSON), the kind's only list
//
// One change to the layout of before: dead letters were keyed
// wsn/dl/{unix nanoseconds}{subscription id}. Those are read as entries of
// the same list (their first 8 bytes as the sequence number, the id,
// which their JSON repeats, ignored) and new ones are numbered after them,
// so none is lost and the bound still counts them. Pull-point messages of
// before were numbered from 0; that is kept, new lists start at 1.
//
// # Revisions and compare-and-set
//
// (choice) A record's revision is stored before its value (8 bytes,
// marked by badger's user meta): the wall clock's nanoseconds at the
// write, or one more than the last this store gave (or than the one it
// replaces) when the clock is behind, so revisions only grow and a value changed and changed
// back (A, B, A) gets a revision it never had. (Badger's commit
// timestamp cannot serve: a transaction has no way to learn it.) Records
// written before this have their value's 64-bit xxhash as revision, until
// their next write. So an Update conditioned on revision r succeeds
// exactly when no write came after the one r was read from, which
// wsnotify's copies in memory rely on (updateSub: two Renews based on
// one read must not both succeed). Create, Update and
// conditional Delete read the key and write it in one transaction, and
// badger's conflict detection (serializable snapshot isolation) fails the
// commit when another transaction wrote the key in between; the store then
// runs the check again, so a compare-and-set is atomic.
//
// # Lists
//
// Every list write holds one mutex of the store, which knows the length
// and next sequence number of every list it has touched (counted from
// the keys on first use): so a bound (wsnotify's storage.Bound) is checked
// without counting keys on every append. Hence one BrokerStore per prefix.
// An Append whose values exceed one badger transaction (badger's limit is
// 15% of the memtable) is written in several, each synced: its adds are
// not atomic together, which the interface allows.
//
// # Durability
//
// One rule: a write returns only once it is synced. Open the DB with
// SyncWrites true, as `wsgw serve` does: then badger syncs each commit,
// and concurrent commits share one sync. With SyncWrites false (tests)
// the store calls db.Sync after each commit, which syncs the active
// memtable's log and the value log (see queueing/badgerq's doc for the one
// window this leaves when another writer makes badger rotate its memtable
// in between). A failed commit or sync is returned; the write's outcome
// is then unknown.
package badgerstore
