package badgerstore_test

import (
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"slices"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/storage"
	"github.com/wsgw/wsgw/storage/badgerstore"
	"github.com/wsgw/wsgw/wsnotify"
	"github.com/wsgw/wsgw/wsnotify/storetest"
)

var _ wsnotify.Store = (*badgerstore.BrokerStore)(nil)

func openDB(t *testing.T, dir string, syncWrites bool) *badger.DB {
	t.Helper()
	db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil).WithSyncWrites(syncWrites))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// opener opens broker stores over badger in t.TempDir(), closing each DB
// when its test ends or when the store is reopened.
func opener(syncWrites bool) storetest.Opener {
	type open struct {
		db  *badger.DB
		dir string
	}
	dbs := map[wsnotify.Store]open{}
	start := func(t *testing.T, dir string) wsnotify.Store {
		db := openDB(t, dir, syncWrites)
		st := badgerstore.NewBroker(db, "wsn/")
		dbs[st] = open{db, dir}
		t.Cleanup(func() {
			if _, ok := dbs[st]; ok {
				delete(dbs, st)
				db.Close()
			}
		})
		return st
	}
	return storetest.Opener{
		Open: func(t *testing.T) wsnotify.Store { return start(t, t.TempDir()) },
		Reopen: func(t *testing.T, st wsnotify.Store) wsnotify.Store {
			o := dbs[st]
			delete(dbs, st)
			if err := o.db.Close(); err != nil {
				t.Fatal(err)
			}
			return start(t, o.dir)
		},
	}
}

// TestBrokerStore_Contract runs wsnotify's store contract against badger,
// opened as `wsgw serve` opens it (SyncWrites) and as tests do (the store
// syncs after each commit).
func TestBrokerStore_Contract(t *testing.T) {
	t.Run("SyncWrites", func(t *testing.T) { storetest.Run(t, opener(true)) })
	t.Run("SyncAfterCommit", func(t *testing.T) { storetest.Run(t, opener(false)) })
}

// TestBrokerStore_CrashWriterHelper is the writer process of
// TestBrokerStore_KillLosesNothingAcknowledged.
func TestBrokerStore_CrashWriterHelper(t *testing.T) {
	dir := os.Getenv("BADGERSTORE_CRASH_DIR")
	if dir == "" {
		t.Skip("helper process only")
	}
	db := openDB(t, dir, true)
	if err := storetest.CrashWriter(badgerstore.NewBroker(db, "wsn/"), os.Stdout); err != nil {
		t.Fatal(err)
	}
}

// TestBrokerStore_KillLosesNothingAcknowledged kills a writer process
// with SIGKILL at random points, ten times, and checks that every write it
// saw return is in the store.
func TestBrokerStore_KillLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	storetest.Crash(t, 10,
		func(t *testing.T, dir string) *exec.Cmd {
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokerStore_CrashWriterHelper$")
			cmd.Env = append(os.Environ(), "BADGERSTORE_CRASH_DIR="+dir)
			return cmd
		},
		func(t *testing.T, dir string) wsnotify.Store {
			db := openDB(t, dir, true)
			t.Cleanup(func() { db.Close() })
			return badgerstore.NewBroker(db, "wsn/")
		})
}

// TestBrokerStore_ReadsTheLayoutOfBefore: a store written by the broker
// before the store seam (keys written directly by wsnotify) is read as it
// was: records, pull-point messages numbered from 0, held messages, and
// dead letters keyed by time and subscription, which new ones follow.
func TestBrokerStore_ReadsTheLayoutOfBefore(t *testing.T) {
	db := openDB(t, t.TempDir(), false)
	defer db.Close()
	seqKey := func(k string, seq uint64) []byte { return binary.BigEndian.AppendUint64([]byte(k), seq) }
	old := map[string][]byte{
		"wsn/sub/s1":           []byte(`{"id":"s1"}`),
		"wsn/cur/{urn:t}a/b":   []byte("<m/>"),
		"wsn/pp/p1":            []byte(`{"id":"p1"}`),
		"other/sub/not-broker": []byte("x"),
	}
	err := db.Update(func(txn *badger.Txn) error {
		for k, v := range old {
			if err := txn.Set([]byte(k), v); err != nil {
				return err
			}
		}
		for i, v := range []string{"m0", "m1"} {
			if err := txn.Set(seqKey("wsn/ppm/p1/", uint64(i)), []byte(v)); err != nil {
				return err
			}
		}
		if err := txn.Set(seqKey("wsn/held/s1/", 4), []byte("h4")); err != nil {
			return err
		}
		for i, sub := range []string{"aaaa", "bbbb"} {
			k := append(seqKey("wsn/dl/", uint64(1_800_000_000_000_000_000+i)), sub...)
			if err := txn.Set(k, []byte("dead "+sub)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st := badgerstore.NewBroker(db, "wsn/")
	var subs []string
	st.Scan(ctx, "sub", func(r storage.Record) error { subs = append(subs, r.Key+"="+string(r.Value)); return nil }) //nolint:errcheck // checked by the result
	if !slices.Equal(subs, []string{`s1={"id":"s1"}`}) {
		t.Fatalf("Scan(sub) = %q, want the one subscription under the prefix", subs)
	}
	if r, err := st.Get(ctx, "cur", "{urn:t}a/b"); err != nil || string(r.Value) != "<m/>" {
		t.Fatalf("Get(cur) = %q, %v; want <m/>", r.Value, err)
	}
	read := func(l storage.List) []string {
		es, err := st.Read(ctx, l, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var vs []string
		for _, e := range es {
			vs = append(vs, string(e.Value))
		}
		return vs
	}
	pp := storage.List{Kind: "ppm", ID: "p1"}
	if _, err := st.Append(ctx, storage.Add{List: pp, Value: []byte("m2")}); err != nil {
		t.Fatal(err)
	}
	es, _ := st.Read(ctx, pp, 1, 0)
	if len(es) != 1 || es[0].Seq != 0 {
		t.Fatalf("first pull-point message: got %v, want the one numbered 0", es)
	}
	if err := st.DeleteThrough(ctx, pp, 0); err != nil {
		t.Fatal(err)
	}
	if got := read(pp); !slices.Equal(got, []string{"m1", "m2"}) {
		t.Fatalf("pull point after taking message 0 holds %q, want [m1 m2]", got)
	}
	if got := read(storage.List{Kind: "held", ID: "s1"}); !slices.Equal(got, []string{"h4"}) {
		t.Fatalf("held messages: got %q, want [h4]", got)
	}
	dl := storage.List{Kind: "dl"}
	if n, err := st.Append(ctx, storage.Add{List: dl, Value: []byte("dead new"), Bound: storage.Bound{Max: 2}}); err != nil || n != 1 {
		t.Fatalf("Append to the dead letters (bound 2, 2 of before) = %d dropped, %v; want 1", n, err)
	}
	if got := read(dl); !slices.Equal(got, []string{"dead bbbb", "dead new"}) {
		t.Fatalf("dead letters hold %q, want [dead bbbb, dead new]", got)
	}
}
