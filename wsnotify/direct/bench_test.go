package direct

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkSimLoss measures the storm cap on the simulated network: 1,000
// receivers each losing 1%, 5% or 20% of datagrams (independently), a
// steady stream of 1,000 notifications at 1,000/s, then 2 s to finish
// repairs. It reports NAKs per lost sequence and per loss event, and repair
// bytes per data byte: deterministic counts for the seed, whatever the
// machine (the time per op is the simulator's, not the protocol's).
func BenchmarkSimLoss(b *testing.B) {
	for _, loss := range []float64{0.01, 0.05, 0.20} {
		b.Run(fmt.Sprintf("loss=%v", loss), func(b *testing.B) {
			var f simFigures
			var events int64
			for range b.N {
				sm := newSim(b, 5, 1000, SenderConfig{}, ReceiverConfig{}, lossyLinks(loss, 1))
				sm.runUntil(sm.now.Add(3*time.Second), sm.publisher(1000, time.Millisecond, 300))
				f, events = sm.figures(), sm.lostData
			}
			b.ReportMetric(f.naksPerSeq, "naks/lost-seq")
			b.ReportMetric(float64(f.naks)/float64(max(1, events)), "naks/loss-event")
			b.ReportMetric(f.repairRatio, "repair/data")
			b.ReportMetric(float64(f.gaps), "receivers-with-gaps")
		})
	}
}
