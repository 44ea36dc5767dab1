package bench

import (
	"context"
	"testing"
)

// TestDirectPaths_EverySubscriberGetsEveryNotify: both paths deliver every
// Notify to every subscriber (publishNotifies fails otherwise), at
// saturation and paced, and report figures; the paced runs offer both
// paths half the lower saturation throughput; hubs run in this process
// have no CPU of their own.
func TestDirectPaths_EverySubscriberGetsEveryNotify(t *testing.T) {
	res, err := DirectPaths(context.Background(), DirectOptions{Load: Load{Messages: 30, Size: 300, Concurrency: 2}, Subscribers: []int{1, 3},
		DataDir: t.TempDir(), PacedFraction: 0.5, PacedMessages: 20, PacedConcurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 {
		t.Fatalf("got %d results, want 2", len(res))
	}
	for _, r := range res {
		for name, run := range map[string]PathRun{"broker": r.Broker, "direct": r.Direct, "broker paced": r.BrokerPaced, "direct paced": r.DirectPaced} {
			if run.Throughput <= 0 || run.P99 <= 0 || run.HubCPU != -1 || run.HubSustainable != 0 {
				t.Errorf("%d subscribers, %s: got %+v, want figures, no hub CPU (-1)", r.Subscribers, name, run)
			}
		}
		if want := 0.5 * min(r.Broker.Throughput, r.Direct.Throughput); r.OfferedRate != want {
			t.Errorf("%d subscribers: got an offered rate of %v, want half the lower of %v and %v", r.Subscribers, r.OfferedRate, r.Broker.Throughput, r.Direct.Throughput)
		}
		if r.Direct.DataBytes == 0 || r.Broker.DataBytes != 0 {
			t.Errorf("%d subscribers: got data bytes broker %d, direct %d, want the direct sender's only", r.Subscribers, r.Broker.DataBytes, r.Direct.DataBytes)
		}
	}
}

// TestDirectRepair_LossesRepairedOrReported: at 10% loss the receivers lose
// data datagrams, send NAKs, and end with every notification delivered or
// in a gap.
func TestDirectRepair_LossesRepairedOrReported(t *testing.T) {
	res, err := DirectRepair(context.Background(), RepairOptions{Losses: []float64{0.1}, Receivers: 3, Messages: 200, Size: 300})
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	if !r.Complete || r.LossEvents == 0 || r.NAKs == 0 || r.RepairBytes == 0 || r.DataBytes == 0 {
		t.Errorf("got %+v, want losses, NAKs, repairs, every notification delivered or in a gap", r)
	}
	if r.Sequences < 200 || r.Delivered+r.Gaps != 3*r.Sequences {
		t.Errorf("got %d sequences delivered and %d in gaps over 3 receivers, want 3 × the %d sent (at least 200)", r.Delivered, r.Gaps, r.Sequences)
	}
	var byReason int64
	for _, n := range r.GapsBy {
		byReason += n
	}
	if byReason != r.Gaps {
		t.Errorf("got %d gap sequences by reason (%v), want the %d given up", byReason, r.GapsBy, r.Gaps)
	}
	if r.KernelDrops < 0 || r.RelayBuffers.Read == 0 {
		t.Errorf("got kernel drops %d, relay buffers %+v, want both read", r.KernelDrops, r.RelayBuffers)
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
	res, err := DirectPaths(context.Background(), DirectOptions{Load: Load{Messages: 200, Size: 300, Concurrency: 4}, Subscribers: []int{subs}, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if got := res[0].Direct.Conns; got < 1 || got > subs {
		t.Errorf("got %d connections accepted on the direct path, want 1..%d", got, subs)
	}
}
