package badgerq

import (
	"context"
	"testing"
	"time"

	"github.com/wsgw/wsgw/queueing"
)

func TestQueue_ReleaseLeases(t *testing.T) {
	e := newEnv(t, queueing.Options{MaxBatch: 2})
	ctx := context.Background()
	for _, g := range []string{"a", "a", "b", "", "", ""} {
		if _, err := e.q.Enqueue(ctx, queueing.Message{Body: []byte("x"), Group: g}); err != nil {
			t.Fatal(err)
		}
	}
	leased, err := e.q.Lease(ctx, 2, time.Minute) // a#1, b
	if err != nil || len(leased) != 2 {
		t.Fatalf("Lease: got %d, %v", len(leased), err)
	}
	more, err := e.q.Lease(ctx, 2, time.Minute)
	if err != nil || len(more) != 2 {
		t.Fatalf("Lease: got %d, %v", len(more), err)
	}
	// One leased message nacked with a delay: not a lease any more.
	if err := e.q.Nack(ctx, more[1].ID, time.Hour); err != nil {
		t.Fatal(err)
	}
	// A restart: the leases of the earlier process are released.
	e.q.Close()
	e.q = e.open()
	n, err := e.q.ReleaseLeases(ctx)
	if err != nil || n != 3 {
		t.Fatalf("ReleaseLeases: got %d, %v; want 3", n, err)
	}
	got, err := e.q.Lease(ctx, 2, time.Minute)
	if err != nil || len(got) != 2 || got[0].ID != leased[0].ID || got[0].Attempts != 2 {
		t.Fatalf("Lease after release: got %+v, %v; want %d first, attempt 2", got, err, leased[0].ID)
	}
	again, err := e.q.Lease(ctx, 2, time.Minute)
	if err != nil || len(again) != 2 { // the third released one, and the last never leased
		t.Fatalf("Lease after release: got %d, %v; want 2", len(again), err)
	}
	if rest, _ := e.q.Lease(ctx, 2, time.Minute); len(rest) != 0 {
		t.Fatalf("Lease: got %d more, want none (a#2 waits for a#1, one waits an hour)", len(rest))
	}
}
