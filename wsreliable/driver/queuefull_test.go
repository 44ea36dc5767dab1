package driver

import (
	"context"
	"strings"
	"testing"
	"time"
)

// A full delivery queue refuses only the message that does not fit, with a
// Receiver fault the client may retry (503, Retry-After), and keeps the
// engine as it is: what was accepted before is still known (a duplicate is
// acknowledged), not reloaded from disk on every step.
func TestDriver_QueueFullRefusesOnlyThatMessage(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	d, closeStore := newDriver(t, db, Config{Name: "Orders", MaxQueue: 2, Backoff: testBackoff, TickInterval: 20 * time.Millisecond},
		Options{Backend: &fakeBackend{down: true}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	defer closeStore()
	eng := d.eng
	seq := createSequence(t, d)
	send(t, d, seq, 1)
	send(t, d, seq, 2)
	st, body := sendOrder(t, d, seq, 3, "")
	if st != 503 || !strings.Contains(body, "soap:Server") {
		t.Fatalf("message beyond MaxQueue: got %d %.300s, want 503 Server (Receiver) fault", st, body)
	}
	if ack := send(t, d, seq, 2); !strings.Contains(ack, `Upper="2"`) || strings.Contains(ack, `Upper="3"`) {
		t.Fatalf("duplicate after the refusal: got %s, want 1-2 acknowledged", ack)
	}
	cancel()
	<-done
	if d.eng != eng {
		t.Fatalf("engine: reloaded from disk after a full queue, want kept")
	}
}
