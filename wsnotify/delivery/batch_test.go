package delivery

import (
	"testing"

	"github.com/wsgw/wsgw/internal/checkfor"
)

// TestDispatcher_BatchBoundedInBytes: a backlog of large messages is sent
// in batches of bounded size (at least one message each), not MaxBatch
// messages whatever their size in one request.
func TestDispatcher_BatchBoundedInBytes(t *testing.T) {
	r := newRecorder()
	d := New(Config{MaxBatch: 100}, r, Hooks{})
	d.Add("a", Target{}, false)
	big := make([]byte, maxBatchBytes/2+1)
	for range 4 {
		d.Enqueue("a", &Msg{Wrapped: big, Payload: big})
	}
	d.Enqueue("a", &Msg{Wrapped: make([]byte, 2*maxBatchBytes)})
	run(t, d)
	checkfor.True(t, waitTimeout, "5 delivered", func() bool { return r.total("a") == 5 })
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, n := range r.batches["a"] {
		if n != 1 {
			t.Fatalf("batch %d has %d messages of over half the byte bound, want 1 (batches %v)", i, n, r.batches["a"])
		}
	}
}
