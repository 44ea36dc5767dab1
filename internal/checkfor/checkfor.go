// Package checkfor is the tests' one way to wait for a condition: poll it
// until it holds or a deadline passes, instead of sleeping a fixed time
// (nats-server's checkFor). It is for tests only.
package checkfor

import (
	"testing"
	"time"
)

// Interval is the pause between two polls.
const Interval = 10 * time.Millisecond

// Until calls cond until it returns nil, failing t with cond's last error
// once timeout has passed.
func Until(t testing.TB, timeout time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met after %v: %v", timeout, err)
		}
		time.Sleep(Interval)
	}
}

// True calls cond until it returns true, failing t after timeout with
// "timed out waiting for <what>".
func True(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(Interval)
	}
}
