package bench

import (
	"context"
	"testing"
)

// TestDirectPaths_EverySubscriberGetsEveryNotify: both paths deliver every
// Notify to every subscriber (publishNotifies fails otherwise) and report
// figures.
func TestDirectPaths_EverySubscriberGetsEveryNotify(t *testing.T) {
	res, err := DirectPaths(context.Background(), Load{Messages: 30, Size: 300, Concurrency: 2}, []int{1, 3}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 {
		t.Fatalf("got %d results, want 2", len(res))
	}
	for _, r := range res {
		if r.Broker.Throughput <= 0 || r.Direct.Throughput <= 0 || r.Broker.P99 <= 0 || r.Direct.P99 <= 0 {
			t.Errorf("%d subscribers: got broker %+v, direct %+v, want figures", r.Subscribers, r.Broker, r.Direct)
		}
	}
}

// TestDirectRepair_LossesRepairedOrReported: at 10% loss the receivers lose
// data datagrams, send NAKs, and end with every notification delivered or
// in a gap.
func TestDirectRepair_LossesRepairedOrReported(t *testing.T) {
	res, err := DirectRepair(context.Background(), []float64{0.1}, 3, 200, 300)
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	if !r.Complete || r.LossEvents == 0 || r.NAKs == 0 || r.RepairBytes == 0 || r.DataBytes == 0 {
		t.Errorf("got %+v, want losses, NAKs, repairs, every notification delivered or in a gap", r)
	}
}

// TestDirectPaths_ReceiveAgentsKeepTheirConnections: each receive agent
// keeps its connection to its consumer alive, as a separate agent would:
// the consumers accept at most one connection per subscriber on the
// direct path. Before, the subscribers' posters shared one transport that
// kept 4 idle connections, so most posts to 10 consumers opened a new
// one, a cost the broker path (one pool of 16 per consumer) did not pay.
func TestDirectPaths_ReceiveAgentsKeepTheirConnections(t *testing.T) {
	const subs = 10
	res, err := DirectPaths(context.Background(), Load{Messages: 200, Size: 300, Concurrency: 4}, []int{subs}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if got := res[0].DirectConns; got < 1 || got > subs {
		t.Errorf("got %d connections accepted on the direct path, want 1..%d", got, subs)
	}
}
