package wsnotify

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/soap"
)

// gatedLease is a durable queue whose first Lease of a message of group
// says so (leased) and waits for release before it hands it over; it
// records the attempt count of every lease of that group, and says when
// a lease is given back unacked (returned: Nack or Defer).
type gatedLease struct {
	Queue
	group                     string
	leased, release, returned chan struct{}
	once, onceReturned        sync.Once
	mu                        sync.Mutex // guards attempts
	attempts                  []int
}

func (g *gatedLease) Nack(ctx context.Context, id uint64, delay time.Duration) error {
	defer g.onceReturned.Do(func() { close(g.returned) })
	return g.Queue.Nack(ctx, id, delay)
}

func (g *gatedLease) Defer(ctx context.Context, id uint64, delay time.Duration) error {
	defer g.onceReturned.Do(func() { close(g.returned) })
	return g.Queue.Defer(ctx, id, delay)
}

func (g *gatedLease) Lease(ctx context.Context, n int, visibility time.Duration) ([]queueing.Lease, error) {
	ls, err := g.Queue.Lease(ctx, n, visibility)
	for _, l := range ls {
		if l.Group != g.group {
			continue
		}
		g.mu.Lock()
		g.attempts = append(g.attempts, l.Attempts)
		g.mu.Unlock()
		g.once.Do(func() {
			close(g.leased)
			<-g.release
		})
	}
	return ls, err
}

func (g *gatedLease) seen() []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]int(nil), g.attempts...)
}

// TestDurable_PauseAfterTheLeaseCountsNoAttempt: a subscription paused
// between its message's lease and the worker's look at it gets the
// message back unattempted: resumed, its consumer gets it on the lease's
// first attempt (before: the lease was returned with Nack, counted as an
// attempt that never was, bringing the subscription's maxAttempts nearer
// at every pause that met a lease).
func TestDurable_PauseAfterTheLeaseCountsNoAttempt(t *testing.T) {
	g := &gatedLease{leased: make(chan struct{}), release: make(chan struct{}), returned: make(chan struct{})}
	e := newDurableEnvWith(t, testConfig(), func(e *env) {
		e.wrapQueue = func(q Queue) Queue { g.Queue = q; return g }
	})
	c := newRecorder(t)
	id, _ := e.subscribeID(soap.V11, subscribeXML(c.URL, simpleTopic("tns:t"), deliveryPolicy("", "")))
	g.group = id // before any message of it
	e.notifyN("p", 0, 1)
	<-g.leased
	if r := e.post(pathSubscriptions+id, soap.V11, `<wsnt:PauseSubscription xmlns:wsnt="`+NSB+`"/>`); r.status != http.StatusOK {
		t.Fatalf("Pause: got HTTP %d, want 200\n%s", r.status, r.body)
	}
	close(g.release)
	<-g.returned // the worker saw the subscription paused: the held group keeps it
	if r := e.post(pathSubscriptions+id, soap.V11, `<wsnt:ResumeSubscription xmlns:wsnt="`+NSB+`"/>`); r.status != http.StatusOK {
		t.Fatalf("Resume: got HTTP %d, want 200\n%s", r.status, r.body)
	}
	receives(t, c, "the resumed consumer", want("p", 0, 1))
	if got := g.seen(); len(got) != 2 || got[0] != 1 || got[1] != 1 {
		t.Fatalf("attempts of the message's leases: got %v, want [1 1] (the paused one not counted)", got)
	}
}
