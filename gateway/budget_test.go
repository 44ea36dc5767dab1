package gateway

import (
	"testing"
	"time"
)

func TestRetryBudget_CapsRetriesToRatioOfRequests(t *testing.T) {
	now := time.Unix(0, 0)
	b := newRetryBudget()
	b.now = func() time.Time { return now }
	for range 100 {
		b.request()
	}
	allowed := 0
	for range 100 {
		if b.allowRetry() {
			allowed++
		}
	}
	if want := 10 + 20; allowed != want {
		t.Errorf("got %d retries allowed, want %d", allowed, want)
	}
	// Two periods later the window is empty again: only the floor remains.
	now = now.Add(2 * b.period)
	allowed = 0
	for range 100 {
		if b.allowRetry() {
			allowed++
		}
	}
	if allowed != 10 {
		t.Errorf("after the window: got %d retries allowed, want 10", allowed)
	}
}
