package driver

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/wsreliable"
)

// WS-Reliability 1.1 ExpiryTime is the time after which the message must
// not be delivered (the engine drops a held message whose ExpiryTime
// passes). A message stored while the backend is down must not reach it
// after its ExpiryTime either.
func TestDriver_WSReliabilityExpiredNotDelivered(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	b := &fakeBackend{down: true}
	r := startWith(t, Config{Name: "Orders", MaxAttempts: -1, Backoff: testBackoff, TickInterval: 20 * time.Millisecond},
		Options{DB: db, Backend: b})
	defer r.stop()
	d := r.Driver
	expiry := time.Now().Add(2 * time.Second).UTC().Truncate(time.Second).Add(time.Second)
	hdr := fmt.Sprintf(`<r:Request xmlns:r="%s" s:mustUnderstand="1"><r:MessageId groupId="urn:uuid:expiry-test"/>`+
		`<r:ExpiryTime>%s</r:ExpiryTime><r:ReplyPattern><r:Value>Response</r:Value></r:ReplyPattern><r:AckRequested/></r:Request>`,
		wsreliable.NSRel, expiry.Format(time.RFC3339))
	st, body := call(t, d, hdr, `<o:Order xmlns:o="urn:order"><o:Id>1</o:Id></o:Order>`)
	if st != 200 || !strings.Contains(body, "NonSequenceReply") {
		t.Fatalf("message: got %d %s, want 200 with NonSequenceReply", st, body)
	}
	time.Sleep(time.Until(expiry) + 300*time.Millisecond)
	b.setDown(false)
	for deadline := time.Now().Add(5 * time.Second); d.Stats().QueueDepth != 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("queue depth: got %d, want 0", d.Stats().QueueDepth)
		}
	}
	if got := b.received(); len(got) != 0 {
		t.Fatalf("backend received %v after the message's ExpiryTime, want nothing", got)
	}
}
