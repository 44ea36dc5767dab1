package badgerstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/storage/badgerstore"
	"github.com/wsgw/wsgw/wsnotify"
)

var _ wsnotify.Queue = (*badgerstore.SubscriptionQueue)(nil)

// TestSubscriptionQueue_AppendMarksAndSplits: an Append records its mark
// with its messages; one larger than a part is written in parts and is
// all there, each subscription's group in order; a restart keeps both.
func TestSubscriptionQueue_AppendMarksAndSplits(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir, true)
	ctx := context.Background()
	open := func() *badgerstore.SubscriptionQueue {
		q, err := badgerstore.OpenSubscriptionQueue(ctx, db, badgerstore.SubscriptionQueueOptions{
			Queue: queueing.Options{MaxBatch: 10, SweepInterval: -1}, MarkTTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	q := open()
	var msgs []queueing.Message
	for i := range 25 {
		msgs = append(msgs, queueing.Message{Group: fmt.Sprint("sub", i%5), Body: []byte(fmt.Sprint(i))})
	}
	if err := q.Append(ctx, msgs, "rm:s1#1"); err != nil {
		t.Fatal(err)
	}
	if ok, err := q.Marked(ctx, "rm:s1#1"); !ok || err != nil {
		t.Fatalf("Marked after Append: got %v, %v, want true", ok, err)
	}
	if ok, _ := q.Marked(ctx, "rm:s1#2"); ok {
		t.Fatal("Marked of a mark never recorded: got true")
	}
	q.Close()
	db.Close()
	db = openDB(t, dir, true)
	defer db.Close()
	q = open()
	defer q.Close()
	if ok, _ := q.Marked(ctx, "rm:s1#1"); !ok {
		t.Fatal("Marked after a restart: got false")
	}
	if got := q.Stats().Length; got != 25 {
		t.Fatalf("got %d messages, want 25", got)
	}
	for g := range 5 {
		gi, err := q.Group(ctx, fmt.Sprint("sub", g))
		if err != nil || gi.Messages != 5 {
			t.Fatalf("group sub%d: got %+v, %v, want 5 messages", g, gi, err)
		}
	}
}
