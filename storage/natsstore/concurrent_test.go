package natsstore_test

import (
	"context"
	"sync"
	"testing"

	"github.com/wsgw/wsgw/storage"
)

// TestBrokerStore_NodesOpenTogether: three nodes opening the same store at
// once (a cluster started together) all get its buckets and streams.
func TestBrokerStore_NodesOpenTogether(t *testing.T) {
	nodes := natstestCluster(t)
	var wg sync.WaitGroup
	errs := make([]error, len(nodes))
	for i, n := range nodes {
		st := newStore(t, n, "together")
		wg.Go(func() {
			for _, kind := range []string{"pp", "cur", "sub", "reg"} {
				if err := st.Scan(context.Background(), kind, func(storage.Record) error { return nil }); err != nil {
					errs[i] = err
					return
				}
			}
			errs[i] = st.IDs(context.Background(), "ppm", func(string) error { return nil })
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("node %d: %v", i, err)
		}
	}
}
