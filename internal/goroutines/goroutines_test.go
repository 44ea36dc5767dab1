package goroutines

import (
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
)

func parkHere(stop chan struct{}) { <-stop }

func TestMatching_FindsAGoroutineByItsFrame(t *testing.T) {
	const frame = "goroutines.parkHere"
	if got := Matching(frame); len(got) != 0 {
		t.Fatalf("before: got %d goroutines in %s, want 0", len(got), frame)
	}
	stop := make(chan struct{})
	go parkHere(stop)
	checkfor.True(t, 5*time.Second, "the goroutine in "+frame, func() bool {
		got := Matching("no such frame", frame)
		return len(got) == 1 && strings.Contains(got[0], frame)
	})
	close(stop)
	checkfor.True(t, 5*time.Second, "the goroutine to end", func() bool { return len(Matching(frame)) == 0 })
}
