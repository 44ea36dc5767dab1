package badgerstore_test

import (
	"context"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/storage/badgerstore"
)

// TestOptions_StoreTakesTheQueuesOfItsUses: a store sized by Options for
// a broker alone opens the broker's durable subscription queue and its
// reliable store (each a badgerq queue whose full batch must fit a
// transaction), as wsgw serve opens them; so does one for a reliable
// service.
func TestOptions_StoreTakesTheQueuesOfItsUses(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		uses badgerstore.Uses
	}{
		{"broker", badgerstore.Uses{Broker: true}},
		{"reliable service", badgerstore.Uses{Reliable: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := badger.Open(badgerstore.Options(t.TempDir(), tc.uses).WithLogger(nil))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			q, err := badgerstore.OpenSubscriptionQueue(ctx, db, badgerstore.SubscriptionQueueOptions{Queue: queueing.Options{SweepInterval: -1}})
			if err != nil {
				t.Fatalf("opening the subscription queue: got %v, want nil", err)
			}
			defer q.Close()
			r, err := badgerstore.OpenReliable(ctx, db, "wsn", badgerstore.ReliableOptions{Prefix: "wsn-rm/"})
			if err != nil {
				t.Fatalf("opening the reliable store: got %v, want nil", err)
			}
			r.Close()
		})
	}
}
