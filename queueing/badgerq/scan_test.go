package badgerq

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/wsgw/wsgw/queueing"
)

// TestScan_SeesOwnTransaction leases twice in one transaction, as the
// committer does when two Lease calls share a group commit: the second
// must see the first's deletes and not hand out the same message.
func TestScan_SeesOwnTransaction(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	e.enqueue("a", "")
	e.enqueue("b", "")
	b := e.q.newBatch() // the committer is idle: no sweep, no calls
	defer b.txn.Discard()
	var got []string
	for range 3 {
		ls, err := b.lease(1, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, bodies(ls)...)
	}
	if !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("got %q from three leases in one transaction, want [a b]", got)
	}
}

// TestScan_NewestVersionCounts re-creates a deleted index key (a nack
// without delay at the same instant as the lease), so that the key has a
// live, a deleted and a live version: it must be leased once.
func TestScan_NewestVersionCounts(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	id := e.enqueue("a", "")
	for attempt := 1; attempt <= 3; attempt++ {
		ls := e.lease(10, time.Minute)
		if len(ls) != 1 || ls[0].Attempts != attempt {
			t.Fatalf("attempt %d: got %+v, want the message once", attempt, ls)
		}
		if err := e.q.Nack(context.Background(), id, 0); err != nil {
			t.Fatal(err)
		}
	}
}
