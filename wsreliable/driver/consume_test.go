package driver

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/wsreliable"
)

// holdingBackend holds every delivery whose payload has <o:Pad>hold</o:Pad>
// until release is closed; it takes the others at once.
type holdingBackend struct {
	fakeBackend
	release chan struct{}
	holding chan struct{} // gets a value when a delivery is held
}

func (b *holdingBackend) Deliver(ctx context.Context, msg []byte, hdr http.Header) ([]byte, int, error) {
	if strings.Contains(string(msg), "<o:Pad>hold</o:Pad>") {
		b.holding <- struct{}{}
		select {
		case <-b.release:
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		}
	}
	return b.fakeBackend.Deliver(ctx, msg, hdr)
}

// A delivery that takes long holds one worker slot only: the other
// groups' deliveries go on through the others, rather than wait for the
// slowest delivery of a lease.
func TestConsumer_SlowDeliveryHoldsOneSlot(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	b := &holdingBackend{release: make(chan struct{}), holding: make(chan struct{}, 1)}
	r := startWith(t, db, Config{Name: "Orders", Workers: 2, Backoff: testBackoff, TickInterval: 20 * time.Millisecond},
		Options{Backend: b})
	defer r.stop()
	defer close(b.release)
	slow, fast := createSequence(t, r.Driver), createSequence(t, r.Driver)
	if st, body := sendOrder(t, r.Driver, slow, 1, "hold"); st != 200 {
		t.Fatalf("slow message: got %d %s", st, body)
	}
	<-b.holding
	for n := 2; n <= 5; n++ {
		if st, body := sendOrder(t, r.Driver, fast, n, ""); st != 200 {
			t.Fatalf("message %d: got %d %s", n, st, body)
		}
	}
	waitReceived(t, &b.fakeBackend, []string{"2", "3", "4", "5"})
}

// A message the backend keeps failing goes to the dead letters after the
// queue's MaxAttempts deliveries (its default when Config.MaxAttempts is
// zero), and only then is its WS-Reliability sender told
// (PermanentProcessingFailure).
func TestConsumer_DeadLettersAfterTheQueuesMaxAttempts(t *testing.T) {
	for _, maxAttempts := range []int{2, 0} {
		t.Run(fmt.Sprint("MaxAttempts=", maxAttempts), func(t *testing.T) {
			db := openDB(t, t.TempDir())
			defer db.Close()
			b := &countingDownBackend{}
			r := startWith(t, db, Config{Name: "Orders", MaxAttempts: maxAttempts, Backoff: testBackoff,
				TickInterval: 20 * time.Millisecond}, Options{Backend: b})
			defer r.stop()
			group := "urn:uuid:dead-" + fmt.Sprint(maxAttempts)
			hdr := fmt.Sprintf(`<r:Request xmlns:r="%s" s:mustUnderstand="1"><r:MessageId groupId="%s"/>`+
				`<r:ExpiryTime>%s</r:ExpiryTime><r:ReplyPattern><r:Value>Poll</r:Value></r:ReplyPattern></r:Request>`,
				wsreliable.NSRel, group, time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
			if st, body := call(t, r.Driver, hdr, `<o:Order xmlns:o="urn:order"><o:Id>1</o:Id></o:Order>`); st >= 300 {
				t.Fatalf("message: got %d %s", st, body)
			}
			want := r.qopts.MaxAttempts
			checkfor.True(t, 15*time.Second, "the message dead-lettered", func() bool { return r.Stats().DeadLetters == 1 })
			if got := b.calls(); got != want {
				t.Fatalf("deliveries before the dead letters: got %d, want %d", got, want)
			}
			poll := fmt.Sprintf(`<r:PollRequest xmlns:r="%s"><r:RefToMessageIds groupId="%s"/></r:PollRequest>`, wsreliable.NSRel, group)
			checkfor.True(t, 5*time.Second, "PermanentProcessingFailure in a PollRequest answer", func() bool {
				_, body := call(t, r.Driver, poll, "")
				return strings.Contains(body, "PermanentProcessingFailure")
			})
			if s := r.Stats(); s.DeadLettered != 1 {
				t.Fatalf("dead-lettered: got %d, want 1", s.DeadLettered)
			}
		})
	}
}

// countingDownBackend fails every delivery and counts them.
type countingDownBackend struct {
	mu sync.Mutex // guards n
	n  int
}

func (b *countingDownBackend) Deliver(context.Context, []byte, http.Header) ([]byte, int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n++
	return nil, 0, fmt.Errorf("backend down (call %d)", b.n)
}

func (b *countingDownBackend) calls() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n
}
