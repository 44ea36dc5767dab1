package driver

import (
	"context"
	"testing"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/wsreliable"
)

// The loop steps up to maxBatch requests before one Ready and persists its
// records in one badger transaction. Held messages are records: 64 held
// messages of 200 KiB arriving together exceed what one transaction takes
// (badger ErrTxnTooBig), and then every request of the batch fails, again
// on each retransmission while the load lasts. Each must be stored.
func TestDriver_BatchOfBigHeldMessagesStored(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	d, closeStore := newDriver(t, db, Config{Name: "Orders", Engine: wsreliable.Config{InOrder: true}, Backoff: testBackoff},
		Options{Backend: &fakeBackend{}})
	defer closeStore()
	ctx := context.Background()
	newReq := func(ev wsreliable.Event, ref uint64) *request {
		return &request{ref: ref, v: soap.V11, evs: []wsreliable.Event{ev}, done: make(chan []wsreliable.Reply, 1)}
	}
	c := newReq(wsreliable.CreateSequence{Ref: 1, NewID: "urn:s", AcksTo: soap.WSAAnonymous}, 1)
	d.step(ctx, []*request{c})
	if <-c.done; c.err != nil {
		t.Fatal(c.err)
	}
	var batch []*request
	for n := uint64(2); n <= 65; n++ {
		ref := n
		batch = append(batch, newReq(wsreliable.Message{Ref: ref, Proto: wsreliable.RM, Group: "urn:s", Number: n,
			Payload: make([]byte, 200<<10)}, ref))
	}
	d.step(ctx, batch)
	for _, r := range batch {
		<-r.done
		if r.err != nil {
			t.Fatalf("request %d: got %v, want stored", r.ref, r.err)
		}
	}
}
