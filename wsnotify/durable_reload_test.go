package wsnotify

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/storage"
)

// renewedDuringSweep holds the sweep's delete of an expired subscription
// until release is closed, then renews the stored record (a Renew that
// won the race) and answers storage.ErrConflict, as a store does when the
// record changed since the sweep read it. It counts the reads of
// subscription records meanwhile.
type renewedDuringSweep struct {
	Store
	now      func() time.Time
	armed    atomic.Bool
	inDelete chan struct{}
	release  chan struct{}
	once     sync.Once
	reads    atomic.Int32
}

func (r *renewedDuringSweep) let() { r.once.Do(func() { close(r.release) }) }

func (r *renewedDuringSweep) Get(ctx context.Context, kind, key string) (storage.Record, error) {
	if kind == kindSub {
		r.reads.Add(1)
	}
	return r.Store.Get(ctx, kind, key)
}

func (r *renewedDuringSweep) Delete(ctx context.Context, kind, key string, rev uint64) error {
	if kind != kindSub || rev == 0 || !r.armed.CompareAndSwap(true, false) {
		return r.Store.Delete(ctx, kind, key, rev)
	}
	close(r.inDelete)
	<-r.release
	rec, err := r.Store.Get(ctx, kind, key)
	if err != nil {
		return err
	}
	var sr subRecord
	if err := json.Unmarshal(rec.Value, &sr); err != nil {
		return err
	}
	sr.Termination = r.now().Add(time.Hour)
	val, _ := json.Marshal(sr)
	if _, err := r.Store.Update(ctx, kind, key, val, rec.Rev); err != nil {
		return err
	}
	return storage.ErrConflict
}

// TestDurable_SubscriptionReloadedKeepsItsMessages: while the sweep takes
// out a subscription that a Renew then keeps (the delete conflicts and the
// record is loaded back), a durable delivery leased in that window is not
// acked as if the subscription had ended: the consumer gets it once the
// subscription is back.
func TestDurable_SubscriptionReloadedKeepsItsMessages(t *testing.T) {
	rs := &renewedDuringSweep{inDelete: make(chan struct{}), release: make(chan struct{})}
	e := newDurableEnvWith(t, testConfig(), func(e *env) {
		rs.now = e.clock.Now
		e.wrap = func(s Store) Store { rs.Store = s; return rs }
	})
	t.Cleanup(rs.let) // before the env's cleanup, which waits for the sweep
	c := newRecorder(t)
	c.SetDown(true)
	id, _ := e.subscribeID(soap.V11, subscribeXML(c.URL, simpleTopic("tns:t"),
		`<wsnt:InitialTerminationTime>PT60S</wsnt:InitialTerminationTime>`+deliveryPolicy("", "")))
	e.notifyN("k", 0, 1)
	checkfor.True(t, waitTimeout, "a failed delivery", func() bool { return c.Calls() > 0 })
	rs.armed.Store(true)
	e.clock.Add(2 * time.Minute) // the sweep finds it expired
	<-rs.inDelete
	// The subscription is out of memory; its message is leased again
	// (the consumer's backoff is short) and settled somehow.
	reads := rs.reads.Load()
	checkfor.True(t, waitTimeout, "the message settled while the subscription is out", func() bool {
		n, _ := e.group(id)
		return n == 0 || rs.reads.Load() > reads
	})
	if n, _ := e.group(id); n != 1 {
		t.Fatalf("the queue of a subscription being reloaded keeps %d, want 1", n)
	}
	rs.let()
	checkfor.True(t, waitTimeout, "the subscription back", func() bool { return e.hasSub(id) })
	c.SetDown(false)
	receives(t, c, "the consumer of the reloaded subscription", want("k", 0, 1))
}
