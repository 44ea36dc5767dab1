package natsstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/storage"
	"github.com/wsgw/wsgw/storage/natsnode/natstest"
	"github.com/wsgw/wsgw/storage/natsstore"
)

// taker runs Take on a store until the test ends (or stop), recording
// what it is given.
type taker struct {
	mu   sync.Mutex // guards got
	got  []string
	stop context.CancelFunc
	done chan struct{}
}

func take(t *testing.T, st *natsstore.BrokerStore) *taker {
	ctx, cancel := context.WithCancel(context.Background())
	tk := &taker{stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(tk.done)
		if err := st.Take(ctx, func(w storage.Work) {
			tk.mu.Lock()
			tk.got = append(tk.got, string(w.Value))
			tk.mu.Unlock()
		}); err != nil {
			t.Errorf("Take = %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-tk.done })
	return tk
}

func (tk *taker) count() int { tk.mu.Lock(); defer tk.mu.Unlock(); return len(tk.got) }

// TestHandoff_EachItemTakenOnceByOneNode: three nodes take; every item
// handed at any node is taken once, all of one shard by one node.
func TestHandoff_EachItemTakenOnceByOneNode(t *testing.T) {
	nodes := natstest.Cluster(t, 3)
	var stores []*natsstore.BrokerStore
	var takers []*taker
	for _, n := range nodes {
		st := newStore(t, n, "h")
		stores = append(stores, st)
		takers = append(takers, take(t, st))
	}
	const items = 200
	for i := range items {
		w := storage.Work{Shard: i % stores[0].Shards(), Value: []byte(fmt.Sprintf("%d/%d", i%stores[0].Shards(), i))}
		if err := stores[i%3].Hand(context.Background(), w); err != nil {
			t.Fatal(err)
		}
	}
	total := func() int { return takers[0].count() + takers[1].count() + takers[2].count() }
	checkfor.True(t, 30*time.Second, "every item taken", func() bool { return total() >= items })
	seen := map[string]int{}
	owner := map[string]int{} // shard -> node
	for i, tk := range takers {
		tk.mu.Lock()
		for _, v := range tk.got {
			seen[v]++
			shard := v[:1]
			if o, ok := owner[shard]; ok && o != i {
				t.Errorf("shard %s taken by nodes %d and %d, want one", shard, o, i)
			}
			owner[shard] = i
		}
		tk.mu.Unlock()
	}
	for v, n := range seen {
		if n != 1 {
			t.Fatalf("item %s taken %d times, want once", v, n)
		}
	}
	if len(seen) != items {
		t.Fatalf("got %d distinct items, want %d", len(seen), items)
	}
}
