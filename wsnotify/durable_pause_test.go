package wsnotify

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/wsgw/wsgw/soap"
)

// slowUpdate holds the armed Update of a subscription record, once it is
// written, until release is closed.
type slowUpdate struct {
	Store
	armed    atomic.Bool
	inUpdate chan struct{}
	release  chan struct{}
	once     sync.Once
}

func (s *slowUpdate) let() { s.once.Do(func() { close(s.release) }) }

func (s *slowUpdate) Update(ctx context.Context, kind, key string, value []byte, rev uint64) (uint64, error) {
	n, err := s.Store.Update(ctx, kind, key, value, rev)
	if kind == kindSub && s.armed.CompareAndSwap(true, false) {
		close(s.inUpdate)
		<-s.release
	}
	return n, err
}

// TestDurable_PauseAndResumeRacingLeaveTheQueueAsTheRecord: a Pause and a
// Resume of one durable subscription at the same time, the Resume last to
// change the record: the subscription is not paused, and its queue is not
// held either (it was: Pause held the queue after Resume let it go, and
// nothing was delivered to a subscription that says it is not paused).
func TestDurable_PauseAndResumeRacingLeaveTheQueueAsTheRecord(t *testing.T) {
	su := &slowUpdate{inUpdate: make(chan struct{}), release: make(chan struct{})}
	e := newDurableEnvWith(t, testConfig(), func(e *env) { e.wrap = func(s Store) Store { su.Store = s; return su } })
	t.Cleanup(su.let)
	c := newRecorder(t)
	id, _ := e.subscribeID(soap.V11, subscribeXML(c.URL, simpleTopic("tns:t"), deliveryPolicy("", "")))
	su.armed.Store(true)
	paused := make(chan reply, 1)
	go func() {
		paused <- e.post(pathSubscriptions+id, soap.V11, `<wsnt:PauseSubscription xmlns:wsnt="`+NSB+`"/>`)
	}()
	<-su.inUpdate // Pause wrote the record
	if r := e.post(pathSubscriptions+id, soap.V11, `<wsnt:ResumeSubscription xmlns:wsnt="`+NSB+`"/>`); r.status != http.StatusOK {
		t.Fatalf("Resume: got HTTP %d, want 200\n%s", r.status, r.body)
	}
	su.let()
	if r := <-paused; r.status != http.StatusOK {
		t.Fatalf("Pause: got HTTP %d, want 200\n%s", r.status, r.body)
	}
	e.b.mu.RLock()
	recPaused := e.b.subs[id].rec.Paused
	e.b.mu.RUnlock()
	if _, held := e.group(id); recPaused || held {
		t.Fatalf("after Pause then Resume: got record paused %v, queue held %v, want both false", recPaused, held)
	}
	e.notifyN("r", 0, 2)
	receives(t, c, "the resumed consumer", want("r", 0, 2))
}
