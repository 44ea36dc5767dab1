package badgerq

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/queueing"
)

// A message over MaxBatchBytes is taken when it goes to badger's value
// log (at or over the DB's ValueThreshold): it costs a transaction a
// pointer. Bodies kept in the tree are still bounded by MaxBatchBytes.
func TestQueue_LargeMessagesGoThroughTheValueLog(t *testing.T) {
	e := newEnv(t, queueing.Options{MaxMessageBytes: 11 << 20})
	big := bytes.Repeat([]byte("x"), 10<<20)
	if _, err := e.q.Enqueue(context.Background(), queueing.Message{Body: big}); err != nil {
		t.Fatalf("Enqueue of 10 MiB: %v, want it stored", err)
	}
	ids, err := e.q.EnqueueWith(context.Background(), []queueing.Message{{Body: big}},
		[]Write{{Key: []byte("rec/1"), Value: big}})
	if err != nil || len(ids) != 1 {
		t.Fatalf("EnqueueWith of 10 MiB and a 10 MiB write: %v, want stored", err)
	}
	ls, err := e.q.Lease(context.Background(), 1, time.Minute)
	if err != nil || len(ls) != 1 || !bytes.Equal(ls[0].Body, big) {
		t.Fatalf("Lease: got %d leases, %v; want the 10 MiB message back", len(ls), err)
	}
	// Under the threshold (1 MB by default) bodies are in the tree: five
	// of them are over the default MaxBatchBytes (4 MiB).
	small := make([]queueing.Message, 5)
	for i := range small {
		small[i].Body = bytes.Repeat([]byte("y"), 1<<20-100)
	}
	if _, err := e.q.EnqueueBatch(context.Background(), small); !errors.Is(err, queueing.ErrTooLarge) {
		t.Fatalf("EnqueueBatch of 5 bodies just under the value threshold: got %v, want ErrTooLarge", err)
	}
}

// A queue whose largest message would stay in the tree and fit no batch
// does not open.
func TestOpen_RefusesMessagesThatFitNoBatch(t *testing.T) {
	db, err := badger.Open(badger.DefaultOptions(t.TempDir()).WithLogger(nil).WithValueThreshold(1 << 20))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = Open(db, "q/", queueing.Options{MaxMessageBytes: 2 << 20, MaxBatchBytes: 512 << 10})
	if err == nil || !strings.Contains(err.Error(), "ValueThreshold") {
		t.Fatalf("Open: got %v, want a refusal naming the ValueThreshold", err)
	}
}

// LargestMessage says what a queue takes: any body up to MaxMessageBytes
// when large bodies go to the value log; at most MaxBatchBytes when the
// DB keeps every value in its tree (an in-memory DB).
func TestLargestMessage(t *testing.T) {
	opts := queueing.Options{MaxMessageBytes: 11 << 20}
	disk := openDB(t, t.TempDir())
	defer disk.Close()
	if got := LargestMessage(disk, opts); got != 11<<20 {
		t.Errorf("on disk: got %d, want MaxMessageBytes (%d)", got, 11<<20)
	}
	mem, err := badger.Open(badger.DefaultOptions("").WithInMemory(true).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	if got := LargestMessage(mem, opts); got != 4<<20 {
		t.Errorf("in memory: got %d, want MaxBatchBytes (%d)", got, 4<<20)
	}
	q, err := Open(mem, "q/", queueing.Options{MaxMessageBytes: LargestMessage(mem, opts)})
	if err != nil {
		t.Fatalf("Open with LargestMessage in memory: %v", err)
	}
	q.Close() // before the DB: its committer runs until then
}
