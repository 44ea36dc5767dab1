package wsnotify

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/storage"
)

// newSubscribed returns a running broker with one subscription, its id and
// the live subscription.
func newSubscribed(t *testing.T) (*env, string, *subscription) {
	e := newEnv(t, testConfig(), "")
	c := newConsumer(t)
	id := subscribeID(t, e, soap.V11, subscribeXML(c.URL, "", ""))
	e.b.mu.RLock()
	defer e.b.mu.RUnlock()
	return e, id, e.b.subs[id]
}

// TestBroker_RenewRacingUnsubscribeDoesNotResurrect: a Renew (or Pause)
// that looked the subscription up just before an Unsubscribe (or the expiry
// sweep) deleted it must not store the record again: after a restart the
// subscription stays gone.
func TestBroker_RenewRacingUnsubscribeDoesNotResurrect(t *testing.T) {
	e, id, s := newSubscribed(t)
	ctx := context.Background()
	if err := e.b.deleteSub(ctx, id, 0); err != nil { // Unsubscribe wins the race
		t.Fatal(err)
	}
	if err := e.b.updateSub(ctx, s, func(r *subRecord) { r.Paused = true }); !errors.Is(err, errSubGone) { // the late Renew/Pause
		t.Fatalf("got updateSub error %v, want errSubGone", err)
	}
	e.restart()
	if e.hasSub(id) {
		t.Fatalf("subscription %s is back after restart, want it gone", id)
	}
}

// TestBroker_UpdateOfRecordDeletedInStoreIsGone: a subscription whose
// record was deleted from the store behind the broker's back (another
// node, issue 9) is not stored again by an update: the compare-and-set
// finds no record.
func TestBroker_UpdateOfRecordDeletedInStoreIsGone(t *testing.T) {
	e, id, s := newSubscribed(t)
	ctx := context.Background()
	if err := e.b.st.Delete(ctx, kindSub, id, 0); err != nil {
		t.Fatal(err)
	}
	if err := e.b.updateSub(ctx, s, func(r *subRecord) { r.Paused = true }); !errors.Is(err, errSubGone) {
		t.Fatalf("got updateSub error %v, want errSubGone", err)
	}
	if _, err := e.b.st.Get(ctx, kindSub, id); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("got Get error %v, want storage.ErrNotFound", err)
	}
}

// TestBroker_ConcurrentUpdatesKeepBoth: a Renew and a Pause of one
// subscription at the same time both reach the store; neither overwrites
// the other with a record that lacks its change.
func TestBroker_ConcurrentUpdatesKeepBoth(t *testing.T) {
	e, id, s := newSubscribed(t)
	ctx := context.Background()
	end := e.clock.Now().Add(5 * time.Hour).UTC()
	const n = 8
	errs := make(chan error, 2*n)
	for i := range n {
		go func() {
			errs <- e.b.updateSub(ctx, s, func(r *subRecord) { r.Termination = end.Add(time.Duration(i)) })
		}()
		go func() { errs <- e.b.updateSub(ctx, s, func(r *subRecord) { r.Paused = true }) }()
	}
	for range 2 * n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	r, err := e.b.st.Get(ctx, kindSub, id)
	if err != nil {
		t.Fatal(err)
	}
	var rec subRecord
	if err := json.Unmarshal(r.Value, &rec); err != nil {
		t.Fatal(err)
	}
	if !rec.Paused || rec.Termination.Before(end) {
		t.Fatalf("got stored paused=%v termination=%v, want paused and termination >= %v", rec.Paused, rec.Termination, end)
	}
	e.b.mu.RLock()
	mem, rev := s.rec, s.rev
	e.b.mu.RUnlock()
	if rev != r.Rev || !mem.Paused || !mem.Termination.Equal(rec.Termination) {
		t.Fatalf("got memory rev %d paused=%v termination=%v, want the store's rev %d and record", rev, mem.Paused, mem.Termination, r.Rev)
	}
}

// TestBroker_SweepKeepsRecordRenewedMeanwhile: the expiry sweep deletes
// only the revision it saw expire; a record renewed meanwhile (a Renew
// that started before the sweep, or another node) is loaded back live,
// not deleted with its renewal.
func TestBroker_SweepKeepsRecordRenewedMeanwhile(t *testing.T) {
	e, id, s := newSubscribed(t)
	ctx := context.Background()
	e.b.mu.RLock()
	rec, rev := s.rec, s.rev
	e.b.mu.RUnlock()
	expiry := rec.Termination
	rec.Termination = expiry.Add(time.Hour) // renewed in the store, not in memory
	if _, err := updateJSON(ctx, e.b.st, kindSub, id, rec, rev); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(expiry.Sub(e.clock.Now()) + time.Minute) // expired in memory
	e.b.sweep(ctx)                                       // Run sweeps too, at any moment
	checkfor.True(t, waitTimeout, "the renewed subscription live", func() bool {
		e.b.mu.RLock()
		defer e.b.mu.RUnlock()
		live := e.b.subs[id]
		return live != nil && live.rec.Termination.Equal(rec.Termination)
	})
	if _, err := e.b.st.Get(ctx, kindSub, id); err != nil {
		t.Fatalf("after the sweep: Get = %v, want the renewed record", err)
	}
}
