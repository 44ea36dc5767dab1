package badgerstore_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/internal/fakeclock"
	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/storage/badgerstore"
	"github.com/wsgw/wsgw/wsreliable"
	"github.com/wsgw/wsgw/wsreliable/driver"
)

var _ driver.Store = (*badgerstore.Reliable)(nil)

func openReliable(t *testing.T, db *badger.DB, c *fakeclock.Clock, maxLength int) *badgerstore.Reliable {
	t.Helper()
	r, err := badgerstore.OpenReliable(context.Background(), db, "Orders", badgerstore.ReliableOptions{
		Queue: queueing.Options{MaxLength: maxLength, Now: c.Now, SweepInterval: -1}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestReliable_RecordsAndDeliveriesCommittedTogether(t *testing.T) {
	db := openDB(t, t.TempDir(), true)
	defer db.Close()
	r := openReliable(t, db, fakeclock.New(time.Unix(1e9, 0)), 2)
	defer r.Close()
	ctx := context.Background()
	err := r.Commit(ctx, []wsreliable.Record{{Key: "in/s1", Value: []byte("a")}, {Key: "held/s1\n2", Value: []byte("h")}},
		[]queueing.Message{{Body: []byte("d1"), Group: "g"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Commit(ctx, []wsreliable.Record{{Key: "held/s1\n2"}}, nil); err != nil {
		t.Fatalf("records alone: %v", err)
	}
	err = r.Commit(ctx, []wsreliable.Record{{Key: "in/s2", Value: []byte("b")}},
		[]queueing.Message{{Body: []byte("d2")}, {Body: []byte("d3")}})
	if !errors.Is(err, queueing.ErrQueueFull) {
		t.Fatalf("commit beyond the queue's length: got %v, want ErrQueueFull", err)
	}
	recs, err := r.Records(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []wsreliable.Record{{Key: "in/s1", Value: []byte("a")}}; !slices.EqualFunc(recs, want, func(a, b wsreliable.Record) bool {
		return a.Key == b.Key && string(a.Value) == string(b.Value)
	}) {
		t.Fatalf("records: got %q, want %q (the refused commit's not written)", recs, want)
	}
	if waiting, _ := r.Len(); waiting != 1 {
		t.Fatalf("deliveries waiting: got %d, want 1", waiting)
	}
}

func TestReliable_ReplyKeptWithAckPickedUpAtLeastOnce(t *testing.T) {
	db := openDB(t, t.TempDir(), true)
	defer db.Close()
	c := fakeclock.New(time.Unix(1e9, 0))
	r := openReliable(t, db, c, 0)
	defer r.Close()
	ctx := context.Background()
	if err := r.Commit(ctx, nil, []queueing.Message{{Body: []byte("d1")}, {Body: []byte("d2")}}); err != nil {
		t.Fatal(err)
	}
	ls, err := r.Lease(ctx, 2, time.Minute)
	if err != nil || len(ls) != 2 {
		t.Fatalf("lease: got %d, %v", len(ls), err)
	}
	if err := r.Ack(ctx, ls[0].ID, "box", []byte("<r1/>")); err != nil {
		t.Fatal(err)
	}
	if err := r.Ack(ctx, ls[1].ID, "box", []byte("<r2/>")); err != nil {
		t.Fatal(err)
	}
	take := func(want string) string {
		t.Helper()
		key, reply, ok, err := r.TakeReply(ctx, "box", 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(reply); !ok && want != "" || ok && got != want {
			t.Fatalf("TakeReply: got %q (%v), want %q", got, ok, want)
		}
		return key
	}
	k1 := take("<r1/>")
	take("<r2/>") // r1 is out
	take("")
	if err := r.SettleReply(ctx, k1, false); err != nil { // the answer was lost
		t.Fatal(err)
	}
	take("<r1/>")
	c.Advance(11 * time.Second) // nobody settled r1 nor r2 in time: offered again, oldest first
	if err := r.SettleReply(ctx, take("<r1/>"), true); err != nil {
		t.Fatal(err)
	}
	if err := r.SettleReply(ctx, take("<r2/>"), true); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Minute)
	take("")
	if waiting, _ := r.Len(); waiting != 0 {
		t.Fatalf("deliveries waiting after the acks: got %d, want 0", waiting)
	}
}

func TestReliable_OpenReleasesLeasesAndDropsLegacyKeys(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir, true)
	c := fakeclock.New(time.Unix(1e9, 0))
	r := openReliable(t, db, c, 0)
	ctx := context.Background()
	if err := r.Commit(ctx, []wsreliable.Record{{Key: "in/s1", Value: []byte("a")}}, []queueing.Message{{Body: []byte("d1")}}); err != nil {
		t.Fatal(err)
	}
	if ls, err := r.Lease(ctx, 1, time.Hour); err != nil || len(ls) != 1 {
		t.Fatalf("lease: got %d, %v", len(ls), err)
	}
	r.Close()
	legacy := []string{"rm/Orders/e/\x00v/s1", "rm/Orders/d/wsrm:s1#1"}
	err := db.Update(func(txn *badger.Txn) error {
		for _, k := range legacy {
			if err := txn.Set([]byte(k), []byte{1}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db = openDB(t, dir, true)
	defer db.Close()
	r = openReliable(t, db, c, 0)
	defer r.Close()
	if ls, err := r.Lease(ctx, 1, time.Hour); err != nil || len(ls) != 1 {
		t.Fatalf("lease after reopening: got %d, %v, want the earlier process's lease released", len(ls), err)
	}
	recs, err := r.Records(ctx)
	if err != nil || len(recs) != 1 || recs[0].Key != "in/s1" {
		t.Fatalf("records after reopening: got %q, %v, want in/s1 alone", recs, err)
	}
	err = db.View(func(txn *badger.Txn) error {
		for _, k := range legacy {
			if _, err := txn.Get([]byte(k)); !errors.Is(err, badger.ErrKeyNotFound) {
				t.Errorf("legacy key %q: got %v, want deleted", k, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
