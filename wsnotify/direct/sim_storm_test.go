package direct

import (
	"fmt"
	"testing"
	"time"
)

// simFigures are what a run of the simulated network shows.
type simFigures struct {
	lossEvents  int64   // (receiver, original datagram) pairs lost
	lostSeqs    int     // data sequences lost by at least one receiver
	naks        int64   // NAK datagrams the receivers sent
	naksPerSeq  float64 // per sequence lost by anyone
	repairRatio float64 // repair bytes / data bytes
	gaps        int     // receivers with at least one gap
}

func (sm *sim) figures() simFigures {
	f := simFigures{lossEvents: sm.lostData, lostSeqs: len(sm.lostSeqs), naks: sm.naksSent}
	if f.lostSeqs > 0 {
		f.naksPerSeq = float64(f.naks) / float64(f.lostSeqs)
	}
	if sm.sentData > 0 {
		f.repairRatio = float64(sm.sentRepair) / float64(sm.sentData)
	}
	for i := range sm.gaps {
		if len(sm.gaps[i]) > 0 {
			f.gaps++
		}
	}
	return f
}

// checkCaps installs the check, after every burst of sending, that the
// sender stayed within its caps: everything within MaxBurst + MaxRate·t,
// repairs and NCFs (what NAKs cause) within RepairBurst +
// RepairFraction·data + RepairFloor·t (each plus one datagram: the buckets
// lend one).
func (sm *sim) checkCaps(cfg SenderConfig) {
	cfg = cfg.withDefaults()
	slack := int64(cfg.MTU)
	sm.capCheck = func() {
		el := sm.now.Sub(sm.start).Seconds()
		if limit := cfg.MaxBurst + int64(float64(cfg.MaxRate)*el) + slack; sm.sentAll > limit {
			sm.t.Fatalf("at %v: sent %d bytes, want at most %d (MaxRate)", sm.now.Sub(sm.start), sm.sentAll, limit)
		}
		limit := cfg.RepairBurst + int64(cfg.RepairFraction*float64(sm.sentData)+float64(cfg.RepairFloor)*el) + slack
		if sm.sentRepair+sm.sentNCF > limit {
			sm.t.Fatalf("at %v: sent %d repair and %d NCF bytes, want at most %d together (the repair cap)", sm.now.Sub(sm.start), sm.sentRepair, sm.sentNCF, limit)
		}
	}
}

// checkAll asserts, for every receiver not demoted, that it got every
// notification in order or an explicit gap covering each one it lacks
// (notification k is sequence k: one datagram each).
func (sm *sim) checkAll(count int) (complete int) {
	for i := range sm.rs {
		if sm.dem[i] {
			continue
		}
		got := sm.got[i]
		have := map[uint64]bool{}
		for j, k := range got {
			if j > 0 && k <= got[j-1] {
				sm.t.Fatalf("receiver %d: got %d after %d, want increasing order", i, k, got[j-1])
			}
			have[k] = true
		}
		// A receiver starts where it synchronised (sync-current): its
		// first delivery or gap; a lost first heartbeat makes that later
		// than 1.
		first := uint64(count + 1)
		if len(got) > 0 {
			first = got[0]
		}
		if len(sm.gaps[i]) > 0 {
			first = min(first, sm.gaps[i][0].From)
		}
		if first > 10 {
			sm.t.Fatalf("receiver %d: starts at %d, want it synchronised at the start", i, first)
		}
		for k := first; k <= uint64(count); k++ {
			if have[k] {
				continue
			}
			covered := false
			for _, g := range sm.gaps[i] {
				if g.From <= k && k <= g.To {
					covered = true
					break
				}
			}
			if !covered {
				sm.t.Fatalf("receiver %d: notification %d neither delivered nor in a gap (gaps %v)", i, k, sm.gaps[i])
			}
		}
		if len(sm.gaps[i]) == 0 {
			complete++
		}
	}
	return complete
}

func lossyLinks(loss float64, burst int) func(int) linkModel {
	return func(int) linkModel {
		return linkModel{loss: loss, burst: burst, delay: time.Millisecond, jitter: time.Millisecond, dup: 0.002, nakLoss: loss}
	}
}

// TestSim_ThousandReceivers: 1,000 receivers, each losing 1% of datagrams
// (independently, NCFs and repairs too), with reordering and duplication:
// every receiver gets every notification in order, the NAKs per lost
// sequence stay far below the receiver count, and the sender never exceeds
// its caps.
func TestSim_ThousandReceivers(t *testing.T) {
	const n = 1000
	count := scaled(300)
	cfg := SenderConfig{}
	sm := newSim(t, 1, n, cfg, ReceiverConfig{}, lossyLinks(0.01, 1))
	sm.checkCaps(cfg)
	sm.runUntil(sm.now.Add(5*time.Second), sm.publisher(count, 2*time.Millisecond, 300))
	complete := sm.checkAll(count)
	f := sm.figures()
	t.Logf("1000 receivers, 1%% loss: %d loss events over %d sequences, %d NAKs (%.2f per lost sequence), repair/data %.3f, %d receivers complete, %d with gaps",
		f.lossEvents, f.lostSeqs, f.naks, f.naksPerSeq, f.repairRatio, complete, f.gaps)
	if f.naksPerSeq > 20 {
		t.Errorf("got %.1f NAKs per lost sequence, want far below the %d receivers (at most 20)", f.naksPerSeq, n)
	}
	if complete != n {
		t.Errorf("got %d receivers with every notification, want all %d", complete, n)
	}
}

// TestSim_BurstReorderDuplicate: bursts of 5 lost datagrams, reordering
// and duplication on 100 receivers, with a repair budget that allows a
// full repair: every receiver gets every notification, in order, once.
func TestSim_BurstReorderDuplicate(t *testing.T) {
	const n = 100
	count := scaled(400)
	cfg := SenderConfig{RepairFraction: 1}
	sm := newSim(t, 2, n, cfg, ReceiverConfig{}, func(int) linkModel {
		return linkModel{loss: 0.004, burst: 5, delay: 2 * time.Millisecond, jitter: 3 * time.Millisecond, dup: 0.02, nakLoss: 0.02}
	})
	sm.checkCaps(cfg)
	sm.runUntil(sm.now.Add(10*time.Second), sm.publisher(count, time.Millisecond, 200))
	if complete := sm.checkAll(count); complete != n {
		t.Errorf("got %d receivers with every notification, want all %d", complete, n)
	}
	for i := range sm.rs {
		if got, want := int64(len(sm.got[i])), sm.rs[i].Metrics().Delivered; got != want || got != int64(count)-int64(sm.got[i][0])+1 {
			t.Fatalf("receiver %d: delivered %d (metrics %d) from %d, want each of %d..%d once", i, got, want, sm.got[i][0], sm.got[i][0], count)
		}
	}
	f := sm.figures()
	t.Logf("100 receivers, bursts of 5: %d loss events, %d NAKs (%.2f per lost sequence), repair/data %.3f", f.lossEvents, f.naks, f.naksPerSeq, f.repairRatio)
}

// TestSim_LossyReceiverDemoted: one receiver of 30 loses half of what is
// sent. The sender demotes it within two intervals (1 s each here), and
// the others keep getting everything in order; once it is demoted, as fast
// as without it: for notifications published after 3 s, their delivery
// latency is within 1 ms (mean) and 100 ms (worst) of the run without the
// bad receiver. (Before the demotion its repairs do slow them: the worst
// latency over the whole run is ~200 ms higher; that is the price of two
// intervals, logged.)
func TestSim_LossyReceiverDemoted(t *testing.T) {
	const n = 30
	count := 2000 // not scaled: the run must go on well past the two intervals before demotion
	cfg := SenderConfig{DemoteInterval: time.Second, DemoteMinSeqs: 50}
	link := func(bad bool) func(int) linkModel {
		return func(i int) linkModel {
			if bad && i == n-1 {
				return linkModel{loss: 0.5, delay: time.Millisecond, nakLoss: 0.5}
			}
			return lossyLinks(0.01, 1)(i)
		}
	}
	run := func(bad bool) *sim {
		sm := newSim(t, 3, n, cfg, ReceiverConfig{}, link(bad))
		sm.checkCaps(cfg)
		sm.runUntil(sm.now.Add(12*time.Second), sm.publisher(count, 4*time.Millisecond, 200))
		return sm
	}
	base, sm := run(false), run(true)
	if !sm.dem[n-1] {
		t.Fatalf("the 50%%-loss receiver was not demoted (sender metrics %+v)", sm.s.Metrics())
	}
	for i := range n - 1 {
		if sm.dem[i] {
			t.Errorf("receiver %d (1%% loss) was demoted", i)
		}
	}
	complete := sm.checkAll(count)
	baseComplete := base.checkAll(count)
	// Notification k is published at start + (k-1)·4ms in both runs.
	from := 0
	latency := func(sm *sim) (worst, total time.Duration, delivered int) {
		for i := range n - 1 {
			for j, k := range sm.got[i] {
				if k <= uint64(from) {
					continue
				}
				l := sm.gotAt[i][j].Sub(sm.start.Add(time.Duration(k-1) * 4 * time.Millisecond))
				worst, total, delivered = max(worst, l), total+l, delivered+1
			}
		}
		return worst, total, delivered
	}
	worst, total, delivered := latency(sm)
	baseWorst, baseTotal, baseDelivered := latency(base)
	mean, baseMean := total/time.Duration(max(1, delivered)), baseTotal/time.Duration(max(1, baseDelivered))
	t.Logf("with the bad receiver: %d of %d healthy complete (without it: %d), whole run: delivery latency mean %v worst %v (without it: %v, %v); bad receiver: %d delivered, %d gaps",
		complete, n-1, baseComplete-1, mean, worst, baseMean, baseWorst, len(sm.got[n-1]), len(sm.gaps[n-1]))
	from = int(3 * time.Second / (4 * time.Millisecond))
	worst, total, delivered = latency(sm)
	baseWorst, baseTotal, baseDelivered = latency(base)
	mean, baseMean = total/time.Duration(max(1, delivered)), baseTotal/time.Duration(max(1, baseDelivered))
	t.Logf("after 3s: mean %v worst %v (without it: %v, %v)", mean, worst, baseMean, baseWorst)
	if worst > baseWorst+100*time.Millisecond || mean > baseMean+time.Millisecond {
		t.Errorf("got healthy receivers' delivery latency mean %v, worst %v with the bad receiver, want within 1ms and 100ms of %v, %v without it",
			mean, worst, baseMean, baseWorst)
	}
	if complete < baseComplete-1 {
		t.Errorf("got %d healthy receivers complete with the bad one, want as many as without it (%d)", complete, baseComplete-1)
	}
	demotedGaps := 0
	for _, g := range sm.gaps[n-1] {
		if g.Reason == GapDemoted {
			demotedGaps++
		}
	}
	if m := sm.rs[n-1].Metrics(); demotedGaps == 0 || m.NAKsSent > 200 {
		t.Errorf("bad receiver: got %d gaps for demotion and %d NAKs sent, want gaps reported at once and few NAKs", demotedGaps, m.NAKsSent)
	}
}

// TestSim_LossFigures runs 1,000 receivers at 1%, 5% and 20% loss with the
// default caps and reports NAKs per lost sequence and repair/data bytes
// (deterministic: one seed). It asserts the invariants only: caps, order,
// explicit gaps, NAKs far below the receiver count.
func TestSim_LossFigures(t *testing.T) {
	if raceEnabled {
		t.Skip("figures of 3,000 simulated receivers: run without -race (TestSim_ThousandReceivers checks the invariants under it)")
	}
	for _, loss := range []float64{0.01, 0.05, 0.20} {
		t.Run(fmt.Sprintf("loss=%v", loss), func(t *testing.T) {
			const n = 1000
			count := scaled(200)
			cfg := SenderConfig{}
			sm := newSim(t, 4, n, cfg, ReceiverConfig{}, lossyLinks(loss, 1))
			sm.checkCaps(cfg)
			// 20 s: at 20% loss the repair budget (a quarter of the data
			// rate) is still working through the repairs 10 s in, and a
			// receiver waiting for a confirmed repair has neither the
			// notification nor a gap yet.
			sm.runUntil(sm.now.Add(20*time.Second), sm.publisher(count, 2*time.Millisecond, 300))
			complete := sm.checkAll(count)
			f := sm.figures()
			m := sm.s.Metrics()
			t.Logf("1000 receivers, %.0f%% loss: %d loss events on %d sequences; %d NAKs: %.2f per lost sequence, %.3f per loss event; repair/data bytes %.3f (%d/%d); %d complete, %d with gaps, %d demotions",
				loss*100, f.lossEvents, f.lostSeqs, f.naks, f.naksPerSeq, float64(f.naks)/float64(max(1, f.lossEvents)),
				f.repairRatio, sm.sentRepair, sm.sentData, complete, f.gaps, m.Demotions)
			if f.naksPerSeq > n/10 {
				t.Errorf("got %.1f NAKs per lost sequence, want far below the %d receivers (at most a tenth)", f.naksPerSeq, n)
			}
		})
	}
}

// scaled is count, or a fifth of it under the race detector (see
// raceEnabled).
func scaled(count int) int {
	if raceEnabled {
		return count / 5
	}
	return count
}
