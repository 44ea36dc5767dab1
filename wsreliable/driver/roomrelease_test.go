package driver

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/wsreliable"
)

// When a gap fills while the delivery queue is nearly full, the held
// messages it releases must wait for room, not fail the write of the
// gap-filling message (which would refuse it, and every request batched
// with it, and reload the engine, on every retransmission and every tick
// until the queue drains): the gap-filling message is acknowledged, and
// everything is delivered in order once the backend takes it.
func TestDriver_ReleaseWaitsForQueueRoom(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	b := &fakeBackend{down: true}
	d := startWith(t, db, Config{Name: "Orders", Engine: wsreliable.Config{InOrder: true}, MaxQueue: 3,
		Backoff: testBackoff, TickInterval: 20 * time.Millisecond}, Options{Backend: b})
	defer d.stop()
	seq := createSequence(t, d.Driver)
	const n = 6
	for i := 2; i <= n; i++ {
		send(t, d.Driver, seq, i) // held: nothing in the queue yet
	}
	st, body := sendOrder(t, d.Driver, seq, 1, "")
	if st != 200 || !strings.Contains(body, fmt.Sprintf(`Upper="%d" Lower="1"`, n)) {
		t.Fatalf("gap-filling message with the queue's room for 3 of its %d deliveries: got %d %.300s, want 200 acknowledging 1-%d", n, st, body, n)
	}
	if depth := d.Stats().QueueDepth; depth != 3 {
		t.Fatalf("queue depth: got %d, want 3 (its bound)", depth)
	}
	b.setDown(false)
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprint(i + 1)
	}
	waitReceived(t, b, want)
}
