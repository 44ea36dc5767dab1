package driver

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/wsreliable"
)

// A WS-Reliability message whose ExpiryTime passes while it waits in the
// delivery queue is not delivered, and its sender learns of it: a
// MessageProcessingFailure for its number, here through PollRequest (the
// Poll reply pattern; Callback sends it to ReplyTo).
func TestDriver_WSReliabilityExpiredInQueueReported(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	b := &fakeBackend{down: true}
	r := startWith(t, Config{Name: "Orders", MaxAttempts: -1, Backoff: testBackoff, TickInterval: 20 * time.Millisecond},
		Options{DB: db, Backend: b})
	defer r.stop()
	d := r.Driver
	expiry := time.Now().Add(time.Second).UTC().Truncate(time.Second).Add(time.Second)
	hdr := fmt.Sprintf(`<r:Request xmlns:r="%s" s:mustUnderstand="1"><r:MessageId groupId="urn:uuid:expiry-poll"/>`+
		`<r:ExpiryTime>%s</r:ExpiryTime><r:ReplyPattern><r:Value>Poll</r:Value></r:ReplyPattern><r:AckRequested/></r:Request>`,
		wsreliable.NSRel, expiry.Format(time.RFC3339))
	if st, body := call(t, d, hdr, `<o:Order xmlns:o="urn:order"><o:Id>1</o:Id></o:Order>`); st >= 300 {
		t.Fatalf("message: got %d %s", st, body)
	}
	time.Sleep(time.Until(expiry) + 300*time.Millisecond)
	b.setDown(false)
	poll := fmt.Sprintf(`<r:PollRequest xmlns:r="%s"><r:RefToMessageIds groupId="urn:uuid:expiry-poll"/></r:PollRequest>`, wsreliable.NSRel)
	var body string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, body = call(t, d, poll, ""); strings.Contains(body, "MessageProcessingFailure") {
			break
		}
	}
	if !strings.Contains(body, "MessageProcessingFailure") {
		t.Fatalf("PollRequest after the message expired in the queue: got %s, want MessageProcessingFailure", body)
	}
	if got := b.received(); len(got) != 0 {
		t.Fatalf("backend received %v, want nothing", got)
	}
}
