package driver

import (
	"strings"
	"testing"

	"github.com/wsgw/wsgw/wsreliable"
)

// A message too big for the delivery queue can never be stored: it is the
// sender's fault, not a "retry later" Receiver fault that makes it
// retransmit forever.
func TestDriver_MessageTooBigForQueueIsSenderFault(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	d := start(t, db, &fakeBackend{})
	defer d.stop()
	seq := createSequence(t, d.Driver)
	st, body := sendOrder(t, d.Driver, seq, 1, strings.Repeat("x", 300<<10))
	if st < 400 || !strings.Contains(body, "Client") {
		t.Fatalf("message of 300 KiB: got %d %.400s, want a Client (Sender) fault", st, body)
	}
	if st, body := sendOrder(t, d.Driver, seq, 1, "small"); st != 200 {
		t.Fatalf("next message: got %d %.300s, want 200", st, body)
	}
}

func TestDeliverySize_MatchesEncoding(t *testing.T) {
	for _, n := range []int{0, 100, 300 << 10} {
		dl := wsreliable.Delivery{Proto: wsreliable.Rel, Group: "g\"<&", Number: 7, Payload: make([]byte, n)}
		if got, want := deliverySize(dl), len(encodeDelivery(dl)); got != want {
			t.Errorf("deliverySize of a %d-byte payload: got %d, want %d", n, got, want)
		}
	}
}
