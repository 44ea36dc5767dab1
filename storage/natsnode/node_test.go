package natsnode_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/storage/natsnode"
	"github.com/wsgw/wsgw/storage/natsnode/natstest"
)

func TestNode_SingleEmbeddedOpens(t *testing.T) {
	n := natstest.Single(t)
	if _, err := n.JetStream().AccountInfo(context.Background()); err != nil {
		t.Fatalf("AccountInfo = %v, want nil", err)
	}
	if s := n.Status(); !s.Healthy() {
		t.Fatalf("status %v, want healthy", s)
	}
}

func TestNode_ClusterOfThreeOpens(t *testing.T) {
	start := time.Now()
	nodes := natstest.Cluster(t, 3)
	t.Logf("3 nodes up in %v", time.Since(start))
	// Open returns once JetStream has its quorum (2 of 3); the third
	// node's routes may still be forming, so the full mesh is awaited
	// while Run refreshes the status.
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	for _, n := range nodes {
		go n.Run(ctx)
	}
	for _, n := range nodes {
		checkfor.Until(t, 30*time.Second, func() error {
			if s := n.Status(); !s.Healthy() || len(s.Peers) != 3 || s.Routes != 2 {
				return fmt.Errorf("status %v, want healthy with 3 peers and 2 routes", s)
			}
			return nil
		})
	}
	_ = natsnode.Status{}
}
