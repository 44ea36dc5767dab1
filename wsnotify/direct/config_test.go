package direct

import (
	"strings"
	"testing"
	"time"
)

// TestConfig_EveryLimitBounded: sizes, counts and lifetimes beyond their
// upper bounds are refused, each with its field path. Before, only
// negative values were: a WindowBytes of 1 TiB or a unicast fan-out to
// 100,000 receivers was accepted.
func TestConfig_EveryLimitBounded(t *testing.T) {
	s := SenderConfig{Session: 1, Key: testKey, Mode: Unicast, WindowBytes: 1 << 40, MaxQueueBytes: 1 << 40, Window: 48 * time.Hour,
		MaxReceivers: 100000, DemoteHold: 30 * 24 * time.Hour, PeerTimeout: 48 * time.Hour, MaxRepairQueue: 1 << 30}
	r := ReceiverConfig{Key: testKey, Rand: fixedRand(0), MaxBufferBytes: 1 << 40, MaxPending: 1 << 30, MaxNAKs: 1 << 20, RepairWait: 1e9}
	for _, tc := range []struct {
		err  error
		want []string
	}{
		{s.Validate(), []string{"WindowBytes: 1099511627776 exceeds", "MaxQueueBytes:", "Window: 48h0m0s exceeds 1h0m0s",
			"MaxReceivers: 100000 exceeds 1024", "DemoteHold: 720h0m0s exceeds", "PeerTimeout:", "MaxRepairQueue:"}},
		{r.Validate(), []string{"MaxBufferBytes:", "MaxPending:", "MaxNAKs: 1048576 exceeds 100", "RepairWait: 1e+09 is outside"}},
	} {
		if tc.err == nil {
			t.Errorf("got no error, want %v", tc.want)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(tc.err.Error(), w) {
				t.Errorf("got %q, want it to contain %q", tc.err, w)
			}
		}
	}
}
