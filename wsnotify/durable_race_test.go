package wsnotify

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/wsgw/wsgw/soap"
)

// gatedHold is a durable queue whose Hold(true) of group says it started
// (entered) and waits for release before it holds.
type gatedHold struct {
	Queue
	group            atomic.Pointer[string]
	entered, release chan struct{}
}

func (g *gatedHold) Hold(ctx context.Context, held bool, groups ...string) error {
	if p := g.group.Load(); held && p != nil && slices.Contains(groups, *p) {
		close(g.entered) // once: only the test's Pause holds it
		<-g.release
	}
	return g.Queue.Hold(ctx, held, groups...)
}

// TestDurable_PauseRacingUnsubscribeLeavesNoQueue: a Pause whose hold of
// the durable queue comes after an Unsubscribe dropped it leaves no held
// group behind (before: an empty held group record until the next
// restart).
func TestDurable_PauseRacingUnsubscribeLeavesNoQueue(t *testing.T) {
	g := &gatedHold{entered: make(chan struct{}), release: make(chan struct{})}
	e := newDurableEnvWith(t, testConfig(), func(e *env) {
		e.wrapQueue = func(q Queue) Queue { g.Queue = q; return g }
	})
	c := newRecorder(t)
	id, _ := e.subscribeID(soap.V11, subscribeXML(c.URL, simpleTopic("tns:t"), deliveryPolicy("", "")))
	g.group.Store(&id)
	paused := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, e.base+pathSubscriptions+id,
			strings.NewReader(envelope(soap.V11, `<wsnt:PauseSubscription xmlns:wsnt="`+NSB+`"/>`)))
		req.Header.Set("Content-Type", "text/xml; charset=utf-8")
		req.Header.Set("SOAPAction", `""`)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			paused <- 0
			return
		}
		resp.Body.Close()
		paused <- resp.StatusCode
	}()
	select { // the record says paused; the queue is not held yet
	case <-g.entered:
	case st := <-paused:
		t.Fatalf("Pause answered HTTP %d before it held the queue", st)
	}
	if r := e.post(pathSubscriptions+id, soap.V11, `<wsnt:Unsubscribe xmlns:wsnt="`+NSB+`"/>`); r.status != http.StatusOK {
		t.Fatalf("Unsubscribe: got HTTP %d, want 200\n%s", r.status, r.body)
	}
	close(g.release)
	if st := <-paused; st != http.StatusOK {
		t.Fatalf("Pause: got HTTP %d, want 200", st)
	}
	var groups []string
	if err := e.queue.Groups(context.Background(), func(gr string) error { groups = append(groups, gr); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(groups) != 0 {
		t.Fatalf("got durable groups %q after Unsubscribe, want none", groups)
	}
}
