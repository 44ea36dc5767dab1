package badgerq

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/queueing"
)

func (e *env) value(key string) (string, bool) {
	e.t.Helper()
	var v []byte
	err := e.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get([]byte(key))
		if err != nil {
			return err
		}
		v, err = item.ValueCopy(nil)
		return err
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return "", false
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return string(v), true
}

func TestQueue_EnqueueWithWritesAtomically(t *testing.T) {
	e := newEnv(t, queueing.Options{MaxLength: 2})
	ctx := context.Background()
	msg := func(b string) []queueing.Message { return []queueing.Message{{Body: []byte(b)}} }
	if _, err := e.q.EnqueueWith(ctx, msg("a"), []Write{{Key: []byte("rec/1"), Value: []byte("one")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.q.EnqueueWith(ctx, nil, []Write{{Key: []byte("rec/1")}, {Key: []byte("rec/2"), Value: []byte("two")}}); err != nil {
		t.Fatalf("writes without messages: %v", err)
	}
	if v, ok := e.value("rec/1"); ok {
		t.Errorf("rec/1 after its deletion: got %q, want none", v)
	}
	if v, _ := e.value("rec/2"); v != "two" {
		t.Errorf("rec/2: got %q, want two", v)
	}
	e.enqueue("b", "")
	_, err := e.q.EnqueueWith(ctx, msg("c"), []Write{{Key: []byte("rec/3"), Value: []byte("three")}})
	if !errors.Is(err, queueing.ErrQueueFull) {
		t.Fatalf("EnqueueWith over MaxLength: got %v, want ErrQueueFull", err)
	}
	if v, ok := e.value("rec/3"); ok {
		t.Errorf("the writes of a refused EnqueueWith: got rec/3=%q, want nothing written", v)
	}
	if _, err := e.q.EnqueueWith(ctx, nil, []Write{{Key: []byte("q/test/m"), Value: []byte("x")}}); err == nil {
		t.Errorf("a write under the queue's prefix: got nil, want refused")
	}
	e.reopen()
	if got := bodies(e.lease(10, time.Minute)); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("after reopening: got %q, want [a b]", got)
	}
}

func TestQueue_AckWithWritesAtomically(t *testing.T) {
	e := newEnv(t, queueing.Options{})
	ctx := context.Background()
	e.enqueue("a", "")
	ls := e.lease(1, time.Minute)
	if err := e.q.AckWith(ctx, ids(ls), []Write{{Key: []byte("reply/a"), Value: []byte("<r/>"), TTL: time.Hour}}); err != nil {
		t.Fatal(err)
	}
	if v, _ := e.value("reply/a"); v != "<r/>" {
		t.Errorf("reply/a: got %q, want <r/>", v)
	}
	if s := e.q.Stats(); s.Length != 0 {
		t.Errorf("length after AckWith: got %d, want 0", s.Length)
	}
}
