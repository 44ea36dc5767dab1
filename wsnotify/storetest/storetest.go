// Package storetest checks that an implementation of wsnotify.Store keeps
// its contract, as testing/fstest does for fs.FS: an implementation's tests
// call Run (and, where the store can be reopened by another process,
// Crash), so that badger today and NATS JetStream later are held to the
// same rules: compare-and-set that loses no update, Create that refuses an
// existing key, ordered and bounded lists, and writes that survive a
// kill -9 of the writer once they have returned.
package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/wsgw/wsgw/storage"
	"github.com/wsgw/wsgw/wsnotify"
)

// Opener makes the stores the tests run against.
type Opener struct {
	// Open returns a new, empty store, released when t ends.
	Open func(t *testing.T) wsnotify.Store
	// Reopen returns a store over what st stored, as after a restart of
	// the process (st is not used again). Without it the restart tests are
	// skipped.
	Reopen func(t *testing.T, st wsnotify.Store) wsnotify.Store
	// Peer returns another store over what st stores, as another node
	// sharing it sees it (both stay in use). Nil for a store with one
	// writer (badger: one process owns the DB): the tests of changes made
	// by another writer are skipped.
	Peer func(t *testing.T, st wsnotify.Store) wsnotify.Store
}

// Run runs the contract tests, each against a store of its own.
func Run(t *testing.T, o Opener) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, Opener)
	}{
		{"Get_MissingIsNotFound", testGetMissing},
		{"Create_RefusesAnExistingKey", testCreateExists},
		{"Create_OneOfConcurrentWins", testCreateRace},
		{"Update_NeedsTheCurrentRevision", testUpdateConflict},
		{"Update_MissingIsNotFound", testUpdateMissing},
		{"Update_ConcurrentLoseNothing", testUpdateRace},
		{"Put_OverwritesWhateverIsThere", testPut},
		{"Delete_ConditionalOnRevision", testDelete},
		{"Scan_KindsAndKeysApart", testScan},
		{"Scan_StopsAtCallbackError", testScanStops},
		{"Lists_AppendReadInOrder", testListOrder},
		{"Lists_ReadBoundedInCountAndBytes", testListReadBounds},
		{"Lists_DeleteThroughAndDrop", testListDelete},
		{"Lists_IDsOfNonEmptyLists", testListIDs},
		{"Lists_BoundDropNew", testBoundDropNew},
		{"Lists_BoundDropOldest", testBoundDropOldest},
		{"Lists_AppendLargerThanOneTransaction", testListLarge},
		{"Restart_KeepsRecordsListsAndBounds", testRestart},
		{"Watch_CurrentRecordsThenLoaded", testWatchCurrent},
		{"Watch_ReportsAnotherNodesChangesInOrder", testWatchPeerChanges},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, o) })
	}
}

var ctx = context.Background()

func mustCreate(t *testing.T, st wsnotify.Store, kind, key, val string) uint64 {
	t.Helper()
	rev, err := st.Create(ctx, kind, key, []byte(val))
	if err != nil {
		t.Fatalf("Create(%s, %s) = %v, want nil", kind, key, err)
	}
	if rev == 0 {
		t.Fatalf("Create(%s, %s) returned revision 0, want non-zero", kind, key)
	}
	return rev
}

// wantRecord checks that key holds val with revision rev (0: any).
func wantRecord(t *testing.T, st wsnotify.Store, kind, key, val string, rev uint64) {
	t.Helper()
	r, err := st.Get(ctx, kind, key)
	if err != nil {
		t.Fatalf("Get(%s, %s) = %v, want %q", kind, key, err, val)
	}
	if string(r.Value) != val || r.Key != key || (rev != 0 && r.Rev != rev) {
		t.Fatalf("Get(%s, %s) = %q %q rev %d, want %q %q rev %d", kind, key, r.Key, r.Value, r.Rev, key, val, rev)
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

func testGetMissing(t *testing.T, o Opener) {
	st := o.Open(t)
	_, err := st.Get(ctx, "sub", "nope")
	wantErr(t, "Get of a missing key", err, storage.ErrNotFound)
}

func testCreateExists(t *testing.T, o Opener) {
	st := o.Open(t)
	rev := mustCreate(t, st, "sub", "a", "one")
	_, err := st.Create(ctx, "sub", "a", []byte("two"))
	wantErr(t, "second Create", err, storage.ErrExists)
	wantRecord(t, st, "sub", "a", "one", rev)
	mustCreate(t, st, "reg", "a", "other kind") // kinds are apart
}

func testUpdateConflict(t *testing.T, o Opener) {
	st := o.Open(t)
	rev1 := mustCreate(t, st, "sub", "a", "v1")
	rev2, err := st.Update(ctx, "sub", "a", []byte("v2"), rev1)
	if err != nil {
		t.Fatalf("Update with the current revision = %v, want nil", err)
	}
	if rev2 == 0 || rev2 == rev1 {
		t.Fatalf("Update returned revision %d after %d, want a new non-zero one", rev2, rev1)
	}
	wantRecord(t, st, "sub", "a", "v2", rev2)
	_, err = st.Update(ctx, "sub", "a", []byte("v3"), rev1)
	wantErr(t, "Update with a stale revision", err, storage.ErrConflict)
	wantRecord(t, st, "sub", "a", "v2", rev2)
	_, err = st.Update(ctx, "sub", "a", []byte("v3"), 0)
	wantErr(t, "Update with revision 0", err, storage.ErrConflict)
}

func testUpdateMissing(t *testing.T, o Opener) {
	st := o.Open(t)
	_, err := st.Update(ctx, "sub", "a", []byte("v"), 1)
	wantErr(t, "Update of a missing key", err, storage.ErrNotFound)
	rev := mustCreate(t, st, "sub", "b", "v")
	if err := st.Delete(ctx, "sub", "b", 0); err != nil {
		t.Fatal(err)
	}
	_, err = st.Update(ctx, "sub", "b", []byte("again"), rev)
	wantErr(t, "Update of a deleted key", err, storage.ErrNotFound)
}

func testPut(t *testing.T, o Opener) {
	st := o.Open(t)
	rev, err := st.Put(ctx, "cur", "{urn:x}a/b", []byte("p1"))
	if err != nil || rev == 0 {
		t.Fatalf("Put of a new key = %d, %v; want a revision", rev, err)
	}
	wantRecord(t, st, "cur", "{urn:x}a/b", "p1", rev)
	rev, err = st.Put(ctx, "cur", "{urn:x}a/b", []byte("p2"))
	if err != nil {
		t.Fatal(err)
	}
	wantRecord(t, st, "cur", "{urn:x}a/b", "p2", rev)
}

func testDelete(t *testing.T, o Opener) {
	st := o.Open(t)
	rev1 := mustCreate(t, st, "sub", "a", "v1")
	rev2, err := st.Update(ctx, "sub", "a", []byte("v2"), rev1)
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, "Delete with a stale revision", st.Delete(ctx, "sub", "a", rev1), storage.ErrConflict)
	wantRecord(t, st, "sub", "a", "v2", rev2)
	if err := st.Delete(ctx, "sub", "a", rev2); err != nil {
		t.Fatalf("Delete with the current revision = %v, want nil", err)
	}
	_, err = st.Get(ctx, "sub", "a")
	wantErr(t, "Get after Delete", err, storage.ErrNotFound)
	if err := st.Delete(ctx, "sub", "a", rev2); err != nil {
		t.Fatalf("Delete of what is gone = %v, want nil", err)
	}
	mustCreate(t, st, "sub", "b", "v")
	if err := st.Delete(ctx, "sub", "b", 0); err != nil {
		t.Fatalf("unconditional Delete = %v, want nil", err)
	}
	mustCreate(t, st, "sub", "b", "created again")
}

func testScan(t *testing.T, o Opener) {
	st := o.Open(t)
	want := map[string]string{"a": "1", "{urn:x}t/u": "2", "é ü": "3", "ab": "4"}
	revs := map[string]uint64{}
	for k, v := range want {
		revs[k] = mustCreate(t, st, "p", k, v)
	}
	mustCreate(t, st, "pq", "x", "another kind") // a kind whose name extends "p"
	if _, err := st.Append(ctx, storage.Add{List: storage.List{Kind: "pm", ID: "a"}, Value: []byte("a list")}); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	err := st.Scan(ctx, "p", func(r storage.Record) error {
		if _, dup := got[r.Key]; dup {
			t.Errorf("Scan returned %q twice", r.Key)
		}
		got[r.Key] = string(r.Value)
		if r.Rev != revs[r.Key] {
			t.Errorf("Scan: %q has revision %d, want %d (Create's)", r.Key, r.Rev, revs[r.Key])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("Scan(p) = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("Scan(p) = %v, want %v", got, want)
		}
	}
}

func testScanStops(t *testing.T, o Opener) {
	st := o.Open(t)
	for _, k := range []string{"a", "b", "c"} {
		mustCreate(t, st, "sub", k, k)
	}
	stop := errors.New("stop")
	n := 0
	err := st.Scan(ctx, "sub", func(storage.Record) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("Scan with a failing callback = %v after %d calls, want the callback's error after 1", err, n)
	}
}
