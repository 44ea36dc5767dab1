package checkfor

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestUntil_ReturnsOnceTheConditionHolds(t *testing.T) {
	var n atomic.Int32
	Until(t, time.Second, func() error {
		if n.Add(1) < 3 {
			return errors.New("not yet")
		}
		return nil
	})
	if got := n.Load(); got != 3 {
		t.Fatalf("got %d polls, want 3", got)
	}
}

func TestTrue_ReturnsOnceTheConditionHolds(t *testing.T) {
	var n atomic.Int32
	True(t, time.Second, "three polls", func() bool { return n.Add(1) >= 3 })
	if got := n.Load(); got != 3 {
		t.Fatalf("got %d polls, want 3", got)
	}
}
