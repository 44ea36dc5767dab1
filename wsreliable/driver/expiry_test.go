package driver

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/internal/fakeclock"
	"github.com/wsgw/wsgw/wsreliable"
)

// relRequest is a WS-Reliability Request header of a message alone in
// group, with the reply pattern and ExpiryTime given.
func relRequest(group, pattern string, expiry time.Time) string {
	return fmt.Sprintf(`<r:Request xmlns:r="%s" s:mustUnderstand="1"><r:MessageId groupId="%s"/>`+
		`<r:ExpiryTime>%s</r:ExpiryTime><r:ReplyPattern><r:Value>%s</r:Value></r:ReplyPattern><r:AckRequested/></r:Request>`,
		wsreliable.NSRel, group, expiry.Format(time.RFC3339), pattern)
}

// startExpiring runs a driver whose clock the test moves, in front of a
// backend that is down, for the test's duration.
func startExpiring(t *testing.T) (*Driver, *fakeclock.Clock, *fakeBackend) {
	t.Helper()
	db := openDB(t, t.TempDir())
	clock := newTestClock()
	b := &fakeBackend{down: true}
	r := startWith(t, db, Config{Name: "Orders", MaxAttempts: -1, Backoff: testBackoff, TickInterval: 20 * time.Millisecond},
		Options{Backend: b, Now: clock.Now})
	t.Cleanup(func() { r.stop(); db.Close() })
	return r.Driver, clock, b
}

// WS-Reliability 1.1 ExpiryTime is the time after which the message must
// not be delivered (the engine drops a held message whose ExpiryTime
// passes). A message stored while the backend is down must not reach it
// after its ExpiryTime either.
func TestDriver_WSReliabilityExpiredNotDelivered(t *testing.T) {
	d, clock, b := startExpiring(t)
	st, body := call(t, d, relRequest("urn:uuid:expiry-test", "Response", clock.Now().Add(2*time.Second)),
		`<o:Order xmlns:o="urn:order"><o:Id>1</o:Id></o:Order>`)
	if st != 200 || !strings.Contains(body, "NonSequenceReply") {
		t.Fatalf("message: got %d %s, want 200 with NonSequenceReply", st, body)
	}
	clock.Advance(3 * time.Second)
	b.setDown(false)
	// Time goes on while the test waits (a delivery nacked after the step
	// above waits for its backoff on this clock).
	checkfor.True(t, 10*time.Second, "the queue settled", func() bool {
		clock.Advance(100 * time.Millisecond)
		return d.Stats().QueueDepth == 0
	})
	if got := b.received(); len(got) != 0 {
		t.Fatalf("backend received %v after the message's ExpiryTime, want nothing", got)
	}
}

// A WS-Reliability message whose ExpiryTime passes while it waits in the
// delivery queue is not delivered, and its sender learns of it: a
// MessageProcessingFailure for its number, here through PollRequest (the
// Poll reply pattern; Callback sends it to ReplyTo).
func TestDriver_WSReliabilityExpiredInQueueReported(t *testing.T) {
	d, clock, b := startExpiring(t)
	if st, body := call(t, d, relRequest("urn:uuid:expiry-poll", "Poll", clock.Now().Add(2*time.Second)),
		`<o:Order xmlns:o="urn:order"><o:Id>1</o:Id></o:Order>`); st >= 300 {
		t.Fatalf("message: got %d %s", st, body)
	}
	clock.Advance(3 * time.Second)
	b.setDown(false)
	poll := fmt.Sprintf(`<r:PollRequest xmlns:r="%s"><r:RefToMessageIds groupId="urn:uuid:expiry-poll"/></r:PollRequest>`, wsreliable.NSRel)
	var body string
	checkfor.True(t, 10*time.Second, "MessageProcessingFailure in a PollRequest answer", func() bool {
		clock.Advance(100 * time.Millisecond) // see TestDriver_WSReliabilityExpiredNotDelivered
		_, body = call(t, d, poll, "")
		return strings.Contains(body, "MessageProcessingFailure")
	})
	if got := b.received(); len(got) != 0 {
		t.Fatalf("backend received %v, want nothing", got)
	}
}
