package wsnotify

import (
	"context"
	"encoding/json"

	"github.com/wsgw/wsgw/storage"
)

// Store is what the broker keeps across restarts: its resources as
// records, and its messages in ordered lists. Every write returns only
// once it is synced (storage's durability rule), so an operation whose
// answer follows a write has it on disk. storage/badgerstore implements it
// for one node; the package doc says how NATS JetStream maps onto it.
type Store interface {
	Resources
	Lists
}

// Resources is a key-value view of the broker's resources, by kind
// (kindSub, kindReg, ...), with revisions and compare-and-set.
type Resources interface {
	// Get returns the record of key, or storage.ErrNotFound.
	Get(ctx context.Context, kind, key string) (storage.Record, error)
	// Create stores a new record and returns its revision, or
	// storage.ErrExists when key has one.
	Create(ctx context.Context, kind, key string, value []byte) (rev uint64, err error)
	// Update replaces the record of key if its revision is rev and returns
	// the new revision; storage.ErrNotFound when there is none,
	// storage.ErrConflict when its revision is another.
	Update(ctx context.Context, kind, key string, value []byte, rev uint64) (uint64, error)
	// Put stores value under key whatever is there and returns its
	// revision (last writer wins: current messages).
	Put(ctx context.Context, kind, key string, value []byte) (rev uint64, err error)
	// Delete deletes the record of key; with rev != 0 only if its
	// revision is rev (storage.ErrConflict otherwise). Deleting what is
	// not there is not an error.
	Delete(ctx context.Context, kind, key string, rev uint64) error
	// Scan calls fn with every record of kind, in no particular order,
	// until fn returns an error (which Scan returns).
	Scan(ctx context.Context, kind string, fn func(storage.Record) error) error
	// Watch calls fn with every record of kind as it is when the watch
	// starts (storage.ChangeCurrent), then once with storage.ChangeLoaded,
	// then with each record another writer (another node sharing the
	// store) puts or deletes (ChangePut, ChangeDelete), in the store's
	// order (a value overwritten or deleted before the watch reported it
	// may be skipped; a key's last change never is), until ctx ends; it returns nil then, or the error that
	// stopped it. A store may report the caller's own writes too: the
	// broker applies a change by reading the stored record again when its
	// revision is not the one it holds (sync.go). fn runs on Watch's
	// goroutine, one call at a time.
	Watch(ctx context.Context, kind string, fn func(storage.Change)) error
}

// Lists are the broker's ordered message lists: a pull point's messages,
// what a paused pull-point subscription holds, the dead letters.
type Lists interface {
	// Append adds each value at the end of its list, in order, within its
	// bound, and returns how many values were dropped: refused by a full
	// DropNew list, or deleted as the oldest beyond the bound. The adds
	// are not atomic together: on an error some may be stored. Every add
	// of a kind carries the same bound (the broker's kinds each have one
	// configured limit): a store may keep the bound per kind, as NATS
	// JetStream keeps per-subject limits per stream.
	Append(ctx context.Context, adds ...storage.Add) (dropped int, err error)
	// Read returns the oldest entries of l, at most max (max <= 0: no
	// bound) and, beyond the first, at most maxBytes value bytes in all
	// (maxBytes <= 0: no bound). It removes nothing.
	Read(ctx context.Context, l storage.List, max int, maxBytes int64) ([]storage.Entry, error)
	// DeleteThrough deletes the entries of l whose Seq is at most seq.
	DeleteThrough(ctx context.Context, l storage.List, seq uint64) error
	// Drop deletes list l whole.
	Drop(ctx context.Context, l storage.List) error
	// IDs calls fn with the ID of every non-empty list of kind (a kind of
	// lists with IDs), in no particular order.
	IDs(ctx context.Context, kind string, fn func(id string) error) error
}

// Kinds of the broker's records and lists. They are part of the stored
// layout: renaming one loses what was stored under the old name.
const (
	kindSub       = "sub"    // subscription record (subRecord, JSON), by id
	kindReg       = "reg"    // publisher registration (regRecord, JSON), by id
	kindOrphan    = "orphan" // a publisher subscription still to end (orphan, JSON), by {reg}-{id}
	kindPullPoint = "pp"     // pull point record (ppRecord, JSON), by id
	kindCurrent   = "cur"    // the current message of a topic (payload), by topic.Path.String
	kindChannel   = "dch"    // a direct channel (channelRecord, JSON), by topic.Path.String

	listPullPoint = "ppm"  // a pull point's NotificationMessages, by pull point id
	listHeld      = "held" // what a paused pull-point subscription keeps for Resume, by subscription id
	listDead      = "dl"   // the dead letters (deadLetter, JSON): one list
)

// deadLetters is the broker's one dead-letter list.
var deadLetters = storage.List{Kind: listDead}

func createJSON(ctx context.Context, st Resources, kind, key string, v any) (uint64, error) {
	val, err := json.Marshal(v)
	if err != nil {
		return 0, err
	}
	return st.Create(ctx, kind, key, val)
}

func updateJSON(ctx context.Context, st Resources, kind, key string, v any, rev uint64) (uint64, error) {
	val, err := json.Marshal(v)
	if err != nil {
		return 0, err
	}
	return st.Update(ctx, kind, key, val, rev)
}
