package natsstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/storage/natsnode/natstest"
)

// TestReliable_SubSecondNodeTTLWritesHeartbeats: JetStream takes a
// per-message TTL of whole seconds, at least one, and refuses a shorter
// one (err_code 10165, "invalid per-message TTL"); a NodeTTL under a
// second still writes heartbeats, with the TTL rounded up, so the node
// becomes available.
func TestReliable_SubSecondNodeTTLWritesHeartbeats(t *testing.T) {
	n := natstest.Single(t)
	o := reliableOptions(n, "subsecond", queueing.Options{})
	o.Heartbeat, o.NodeTTL = 100*time.Millisecond, 500*time.Millisecond
	st := openReliable(t, n, o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); st.Run(ctx) }() //nolint:errcheck // it returns nil
	t.Cleanup(func() { cancel(); <-done })
	checkfor.Until(t, 10*time.Second, func() error { return st.Available() })
}
