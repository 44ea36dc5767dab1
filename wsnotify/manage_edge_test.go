package wsnotify

import (
	"testing"

	"github.com/wsgw/wsgw/soap"
)

// TestBroker_RenewRacingUnsubscribeDoesNotResurrect: a Renew (or Pause)
// that looked the subscription up just before an Unsubscribe (or the expiry
// sweep) deleted it must not store the record again: after a restart the
// subscription stays gone.
func TestBroker_RenewRacingUnsubscribeDoesNotResurrect(t *testing.T) {
	e := newEnv(t, testConfig(), "")
	c := newConsumer(t)
	id := subscribeID(t, e, soap.V11, subscribeXML(c.URL, "", ""))
	e.b.mu.RLock()
	s := e.b.subs[id]
	e.b.mu.RUnlock()
	if err := e.b.deleteSub(id); err != nil { // Unsubscribe wins the race
		t.Fatal(err)
	}
	e.b.updateSub(s, func(r *subRecord) { r.Paused = true }) //nolint:errcheck // the late Renew/Pause
	e.restart()
	if e.hasSub(id) {
		t.Fatalf("subscription %s is back after restart, want it gone", id)
	}
}
