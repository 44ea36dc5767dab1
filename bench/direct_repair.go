package bench

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsgw/wsgw/internal/udprelay"
	"github.com/wsgw/wsgw/internal/udpstat"
	"github.com/wsgw/wsgw/wsnotify/direct"
	"github.com/wsgw/wsgw/wsnotify/direct/driver"
)

// DirectLoss is one loss rate of the repair measure.
type DirectLoss struct {
	Loss      float64 // the fraction of the datagrams to each receiver dropped
	Receivers int
	// DataBytes and RepairBytes are what the sender sent (every copy of
	// its unicast fan-out); Ratio is RepairBytes / DataBytes.
	DataBytes, RepairBytes int64
	Ratio                  float64
	// LossEvents are the data datagrams (originals and repairs) the relays
	// dropped towards a receiver; NAKs the NAKs the receivers sent,
	// NAKsPerLoss their quotient.
	LossEvents, NAKs int64
	NAKsPerLoss      float64
	// KernelDrops are the datagrams the kernel dropped at this process's
	// sockets (relays, receivers, sender) during the run: losses the seed
	// did not make, which also cost NAKs and repairs (-1: not readable).
	KernelDrops int64
	// RelayBuffers is what the kernel granted each relay socket (Linux
	// reports twice the size asked for).
	RelayBuffers udprelay.Granted
	// RepairsDropped are repairs the sender did not make (the storm cap:
	// repairs at most a fraction of the data rate, its queue bound) and
	// NAKsBelowWindow the ranges asked for after they left the window:
	// what turns a loss into a gap.
	RepairsDropped, NAKsBelowWindow int64
	// Sequences are the sequence numbers the sender sent (a notification
	// is one or more); Delivered and Gaps the sequences delivered and given
	// up (explicit gap events), over all receivers; Complete is whether
	// every receiver had every sequence delivered or in a gap (within a
	// minute).
	Sequences, Delivered int64
	Gaps                 int64
	// GapsBy is the sequences given up by reason (direct.GapReason):
	// unrecovered (MaxNAKs asked, no repair), window, demoted...
	GapsBy   map[string]int64
	Complete bool
	// Network says where the loss was made.
	Network string
}

// RepairOptions is what DirectRepair measures.
type RepairOptions struct {
	Losses              []float64 // loss rates, each a run
	Receivers, Messages int
	Size                int   // bytes per Notify (about)
	MaxRate             int64 // the sender's rate ceiling, bytes/s of every copy; default 1 GiB/s
	// Rate is the notifications/s published, 0 as fast as the sender takes
	// them. The repair budget is earned as data is sent (a fraction of it)
	// into a bucket of bounded depth: a burst published at once earns a
	// bucket's worth, and the repairs of its losses then wait for the
	// floor rate, past the window; a steady rate earns as it goes.
	Rate float64
}

// DirectRepair measures repair under loss: a sender in unicast fan-out mode
// and receivers each behind a lossy relay on loopback (internal/udprelay,
// seeded), o.Messages notifications published as fast as the sender takes
// them, for each loss rate.
func DirectRepair(ctx context.Context, o RepairOptions) ([]DirectLoss, error) {
	if o.MaxRate == 0 {
		o.MaxRate = 1 << 30
	}
	var out []DirectLoss
	for _, loss := range o.Losses {
		r, err := directRepair(ctx, o, loss)
		if err != nil {
			return out, fmt.Errorf("loss %v: %w", loss, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func directRepair(ctx context.Context, o RepairOptions, loss float64) (DirectLoss, error) {
	receivers := o.Receivers
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	key := benchKey()
	s, err := newSender(HubConfig{Key: key, MaxRate: o.MaxRate})
	if err != nil {
		return DirectLoss{}, err
	}
	go s.Run(ctx) //nolint:errcheck // ends with ctx
	control, err := s.Addr(ctx)
	if err != nil {
		return DirectLoss{}, err
	}
	res := DirectLoss{Loss: loss, Receivers: receivers, Network: "real UDP sockets on loopback, loss made by a seeded relay in front of each receiver (internal/udprelay)"}
	var lossEvents atomic.Int64
	var gapsMu sync.Mutex
	gapsBy := map[string]int64{} // guarded by gapsMu: every receiver's loop adds
	onGap := func(g direct.Gap) {
		gapsMu.Lock()
		defer gapsMu.Unlock()
		gapsBy[g.Reason.String()] += int64(g.To - g.From + 1)
	}
	var rs []*driver.Receiver
	for i := range receivers {
		rng := rand.New(rand.NewPCG(uint64(i)+1, 7))
		relay, err := udprelay.New(control, func(b []byte) bool {
			if rng.Float64() >= loss {
				return false
			}
			if len(b) > 0 && b[0] == '<' { // a data datagram (an envelope); control ones begin "WD"
				lossEvents.Add(1)
			}
			return true
		})
		if err != nil {
			return DirectLoss{}, err
		}
		go relay.Run(ctx)
		if g, err := relay.Buffers(); err == nil && (res.RelayBuffers == udprelay.Granted{} || g.Read < res.RelayBuffers.Read) {
			res.RelayBuffers = g
		}
		r, err := newReceiver(ctx, DirectOptions{}, key, uint64(i), relay.Addr(), driver.Handlers{Deliver: func(direct.Delivery) {}, Gap: onGap})
		if err != nil {
			return DirectLoss{}, err
		}
		rs = append(rs, r)
	}
	if err := waitSenderJoined(ctx, s, receivers); err != nil {
		return DirectLoss{}, err
	}
	drops, derr := udpstat.Drops()
	start := time.Now()
	for k := 1; k <= o.Messages; k++ {
		if o.Rate > 0 {
			select {
			case <-time.After(time.Until(start.Add(time.Duration(float64(k-1) / o.Rate * float64(time.Second))))):
			case <-ctx.Done():
				return DirectLoss{}, ctx.Err()
			}
		}
		for {
			_, err := s.Publish([]byte(notifyBody(k, o.Size)))
			if err == nil {
				break
			}
			if !errors.Is(err, direct.ErrFull) {
				return DirectLoss{}, err
			}
			time.Sleep(time.Millisecond) // the send queue is full: the sender's pace
		}
	}
	// Every receiver is done when each sequence number sent is delivered
	// or in a gap. Before, this compared sequences with notifications
	// (each is several datagrams): the measure ended with the receivers
	// about half way, and their gaps and NAKs were those of half a run.
	sm, _ := s.Metrics()
	res.Sequences = sm.DataPackets
	deadline := time.Now().Add(time.Minute)
	for {
		res.Complete, res.NAKs, res.Gaps, res.Delivered = true, 0, 0, 0
		for _, r := range rs {
			m, _ := r.Metrics()
			res.NAKs += m.Total.NAKsSent
			res.Gaps += m.Total.GapSeqs
			res.Delivered += m.Total.DeliveredSeqs
			if m.Total.DeliveredSeqs+m.Total.GapSeqs < res.Sequences {
				res.Complete = false
			}
		}
		if res.Complete || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if after, aerr := udpstat.Drops(); derr == nil && aerr == nil {
		res.KernelDrops = after - drops
	} else {
		res.KernelDrops = -1
	}
	gapsMu.Lock()
	res.GapsBy = maps.Clone(gapsBy)
	gapsMu.Unlock()
	sm, _ = s.Metrics()
	res.DataBytes, res.RepairBytes = sm.DataBytes, sm.RepairBytes
	res.RepairsDropped, res.NAKsBelowWindow = sm.RepairsDropped, sm.NAKsBelowWindow
	if res.DataBytes > 0 {
		res.Ratio = float64(res.RepairBytes) / float64(res.DataBytes)
	}
	res.LossEvents = lossEvents.Load()
	if res.LossEvents > 0 {
		res.NAKsPerLoss = float64(res.NAKs) / float64(res.LossEvents)
	}
	return res, nil
}
