// Package storage is the vocabulary that the packages which persist state
// share with the stores that keep it for them: the errors of conditional
// writes, and the values of key-value records and of ordered lists.
//
// It holds no interface and no implementation. Each user declares the
// small store interface it needs in its own package (wsnotify.Store, for
// the broker's resources and message lists); implementations live in
// sub-packages: badgerstore for one node, a NATS JetStream one (planned)
// for several. Because the shared types live here, an implementation
// satisfies its users' interfaces without importing them, and the users'
// own tests can run against a real store without an import cycle.
//
// One durability rule binds every implementation: a write returns only
// once it is synced (badger: committed and fsynced; JetStream: stored with
// SyncAlways and acknowledged by the stream's replicas), so whatever an
// operation acknowledges to a client after a write survives a crash.
package storage

import "errors"

// Errors of conditional writes. Implementations return them (wrapped or
// not); callers test with errors.Is.
var (
	// ErrNotFound: no record has that key.
	ErrNotFound = errors.New("storage: not found")
	// ErrExists: a Create found a record with that key.
	ErrExists = errors.New("storage: already exists")
	// ErrConflict: the record's revision is not the one the write was
	// conditioned on (another writer changed it).
	ErrConflict = errors.New("storage: revision conflict")
)

// Record is a stored value with its key and revision.
type Record struct {
	Key   string
	Value []byte
	// Rev names the stored value; a write conditioned on it succeeds only
	// while the value is unchanged. It is never 0. Revisions are opaque:
	// compare them for equality only.
	Rev uint64
}

// List names an ordered list: its kind and its ID within the kind. A kind
// holds either one list, whose ID is empty, or lists with non-empty IDs,
// never both. IDs contain no '/'.
type List struct {
	Kind string
	ID   string
}

// Entry is one value of a list with its sequence number, which increases
// along the list.
type Entry struct {
	Seq   uint64
	Value []byte
}

// Bound limits the length of a list.
type Bound struct {
	// Max is the number of entries the list keeps; 0: no bound.
	Max int
	// DropNew: a full list refuses the new value. Otherwise the list
	// takes it and deletes its oldest entries beyond Max.
	DropNew bool
}

// Add is one value to append to a list, within a bound.
type Add struct {
	List  List
	Value []byte
	Bound Bound
}

// ChangeOp says what a Change reports.
type ChangeOp int

// The changes a watch reports: first each record as it is when the watch
// starts (ChangeCurrent), then one ChangeLoaded, then every later write
// (ChangePut) and delete (ChangeDelete), in the store's order.
const (
	ChangeCurrent ChangeOp = iota + 1
	ChangeLoaded
	ChangePut
	ChangeDelete
)

// Change is one event of a watch over a kind of records. Key, Value and
// Rev are those of the record written (ChangeCurrent, ChangePut); a
// ChangeDelete has Key only; a ChangeLoaded has nothing.
type Change struct {
	Op    ChangeOp
	Key   string
	Value []byte
	Rev   uint64
}

// Work is a value handed to the one node that owns its shard (a sharded
// work queue; see wsnotify.Handoff).
type Work struct {
	Shard int
	Value []byte
}
