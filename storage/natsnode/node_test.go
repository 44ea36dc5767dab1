package natsnode_test

import (
	"context"
	"testing"
	"time"

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
	for _, n := range nodes {
		s := n.Status()
		if !s.Healthy() || len(s.Peers) != 3 || s.Routes != 2 {
			t.Fatalf("status %v, want healthy with 3 peers", s)
		}
	}
	_ = natsnode.Status{}
}
