package driver

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"

	"github.com/wsgw/wsgw/wsreliable"
)

// A message over MaxMessageBytes can never be stored: it is the sender's
// fault, not a "retry later" Receiver fault that makes it retransmit
// forever.
func TestDriver_MessageTooBigIsSenderFault(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	d := startWith(t, db, Config{Name: "Orders", MaxMessageBytes: 256 << 10, Backoff: testBackoff,
		TickInterval: 20 * time.Millisecond}, Options{Backend: &fakeBackend{}})
	defer d.stop()
	seq := createSequence(t, d.Driver)
	st, body := sendOrder(t, d.Driver, seq, 1, strings.Repeat("x", 300<<10))
	if st < 400 || !strings.Contains(body, "Client") || !strings.Contains(body, "too large") {
		t.Fatalf("message of 300 KiB over 256 KiB: got %d %.400s, want a Client (Sender) fault", st, body)
	}
	if st, body := sendOrder(t, d.Driver, seq, 1, "small"); st != 200 {
		t.Fatalf("next message: got %d %.300s, want 200", st, body)
	}
}

// Messages as large as MaxMessageBytes are stored and delivered whole: the
// queue takes them whatever its batch bound (issue 13: 300 KiB was refused
// by the queue's undocumented 256 KiB default).
func TestDriver_LargeMessagesAreDelivered(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	b := &sizeBackend{}
	d := startWith(t, db, Config{Name: "Orders", MaxMessageBytes: 10 << 20, Backoff: testBackoff,
		TickInterval: 20 * time.Millisecond}, Options{Backend: b})
	defer d.stop()
	seq := createSequence(t, d.Driver)
	// Text runs are bounded (MaxTextLen): 6 MiB in elements of 1 MiB.
	mib := "<p>" + strings.Repeat("x", 1<<20) + "</p>"
	for n, pad := range []string{strings.Repeat("x", 300<<10), strings.Repeat(mib, 6)} {
		if st, body := sendOrder(t, d.Driver, seq, n+1, pad); st != 200 {
			t.Fatalf("message of %d bytes: got %d %.300s, want 200", len(pad), st, body)
		}
	}
	checkfor.Until(t, 10*time.Second, func() error {
		got := b.sizes()
		if len(got) != 2 || got[0] < 300<<10 || got[1] < 6<<20 {
			return fmt.Errorf("delivered sizes: got %v, want two of at least 300 KiB and 6 MiB", got)
		}
		return nil
	})
}

func TestDeliverySize_MatchesEncoding(t *testing.T) {
	for _, n := range []int{0, 100, 300 << 10} {
		dl := wsreliable.Delivery{Proto: wsreliable.Rel, Group: "g\"<&", Number: 7, Payload: make([]byte, n)}
		if got, want := deliverySize(dl), len(encodeDelivery(dl)); got != want {
			t.Errorf("deliverySize of a %d-byte payload: got %d, want %d", n, got, want)
		}
	}
}

// sizeBackend records the size of each message delivered.
type sizeBackend struct {
	mu  sync.Mutex // guards got
	got []int
}

func (b *sizeBackend) Deliver(_ context.Context, msg []byte, _ http.Header) ([]byte, int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.got = append(b.got, len(msg))
	return nil, http.StatusAccepted, nil
}

func (b *sizeBackend) sizes() []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.got)
}
