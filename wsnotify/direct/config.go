package direct

import (
	"time"

	"github.com/wsgw/wsgw/internal/fielderr"
)

// Rand is the source of randomness the receiver's NAK back-off draws from
// (math/rand/v2's *rand.Rand is one). It is injected so that the engine
// stays deterministic under test; each receiver needs its own, seeded
// differently, or their back-offs coincide and suppression fails.
type Rand interface{ Float64() float64 }

// Timing defaults shared by both sides. A receiver uses them until the
// sender's first heartbeat tells it the sender's values.
const (
	DefaultMTU       = 1200
	DefaultRTT       = 10 * time.Millisecond // (choice) a LAN; NORM's default GRTT estimate is 0.25 s
	MinRTT           = 2 * time.Millisecond
	MaxRTT           = 10 * time.Second // (choice) bounds the RTT configured or heard in a heartbeat
	DefaultBackoff   = 4.0              // K, RFC 5740 default for multicast feedback
	MaxBackoff       = 100.0            // (choice) bounds K likewise
	DefaultGroupSize = 1000             // NORM's default group size estimate
)

// Mode is how the sender reaches its receivers.
type Mode uint8

// Modes.
const (
	// Multicast: one datagram to the group reaches every receiver.
	Multicast Mode = iota
	// Unicast: every group datagram (data, repair, NCF, heartbeat) is
	// copied to each joined receiver, at most MaxReceivers of them; repair
	// works the same way.
	Unicast
)

func (m Mode) String() string {
	if m == Unicast {
		return "unicast"
	}
	return "multicast"
}

// SenderConfig configures a Sender. A zero field takes the default named in
// its comment.
type SenderConfig struct {
	Session uint64 // required, non-zero
	Epoch   uint32 // grows at each restart of the session (the driver picks it, e.g. from the clock)
	Mode    Mode
	// To is the wsa:To of data datagrams, e.g. "soap.udp://239.192.0.17:7400".
	To  string // default "urn:wsgw:direct"
	MTU int    // largest datagram; default 1200, at least 576

	MaxMessageBytes int           // largest notification; default 1 MiB
	MaxQueueBytes   int           // published, not yet sent (Publish answers ErrFull beyond); default 4 MiB
	Window          time.Duration // repair window: how long a sent datagram can be repaired; default 30 s
	WindowBytes     int           // and how many bytes of them are kept; default 64 MiB

	HeartbeatMin time.Duration // heartbeat after data; default 100 ms
	HeartbeatMax time.Duration // idle heartbeats double up to this; default 2 s

	RTT       time.Duration // advertised round-trip time; default 10 ms, at least 2 ms
	Backoff   float64       // advertised NAK back-off factor K; default 4
	GroupSize int           // advertised group size; 0: the number of receivers heard from (at least 1)

	MaxRate        int64         // bytes/s of everything sent (data, repairs, control); default 10 MiB/s
	MaxBurst       int64         // token bucket depth of MaxRate; default 64 KiB
	RepairFraction float64       // repairs and NCFs at most this share of the data bytes sent; default 0.25
	RepairFloor    int64         // plus this many bytes/s whatever the data rate; default 64 KiB/s
	RepairBurst    int64         // depth of the repair budget; default 64 KiB
	Aggregate      time.Duration // NAKs for a sequence are gathered this long before the repair; default (Backoff+1)·RTT
	Linger         time.Duration // a repaired sequence is not repaired again for this long; default max(RTT, 5 ms)
	MaxRepairQueue int           // sequences waiting for repair budget (the oldest dropped beyond); default 4096

	DemoteLoss     float64       // a receiver NAKing more than this share of the sequences sent...; default 0.05
	DemoteInterval time.Duration // ...in two intervals in a row is demoted; default 10 s
	DemoteMinSeqs  int           // intervals with fewer sequences sent do not count; default 100
	DemoteHold     time.Duration // how long a demoted receiver's NAKs are ignored; default 60 s

	MaxReceivers int           // receivers tracked (Unicast: the fan-out bound); default 64 Unicast, 4096 Multicast
	PeerTimeout  time.Duration // a receiver not heard from for this long is forgotten; default 30 s
}

// ReceiverConfig configures a Receiver.
type ReceiverConfig struct {
	Session uint64 // the session to follow; 0 follows the first one heard
	Rand    Rand   // required
	// MaxNAKs is how many times one sequence is asked for before it is
	// reported as a gap; default 5.
	MaxNAKs int
	// NCFWait is how long a NAK waits for its confirmation, and RepairWait
	// how long a confirmed sequence waits for its repair, in round-trip
	// times of the sender; defaults 3 and 2K+4.
	NCFWait, RepairWait float64
	MaxPending          int           // sequences missing at once (the oldest become gaps beyond); default 16384
	MaxBufferBytes      int           // received out of order, waiting for a gap (bodies plus 128 bytes a datagram); default 16 MiB
	MaxMessageBytes     int           // largest reassembled notification; default 1 MiB
	JoinInterval        time.Duration // how often a Join is sent; default 5 s
	// RTT, Backoff and GroupSize stand in for the sender's values until
	// its first heartbeat; defaults 10 ms, 4, 1000.
	RTT       time.Duration
	Backoff   float64
	GroupSize int
}

func (c SenderConfig) withDefaults() SenderConfig {
	c.To = or(c.To, "urn:wsgw:direct")
	c.MTU = or(c.MTU, DefaultMTU)
	c.MaxMessageBytes = or(c.MaxMessageBytes, 1<<20)
	c.MaxQueueBytes = or(c.MaxQueueBytes, 4<<20)
	c.Window = or(c.Window, 30*time.Second)
	c.WindowBytes = or(c.WindowBytes, 64<<20)
	c.HeartbeatMin = or(c.HeartbeatMin, 100*time.Millisecond)
	c.HeartbeatMax = or(c.HeartbeatMax, 2*time.Second)
	c.RTT = max(or(c.RTT, DefaultRTT), MinRTT)
	c.Backoff = or(c.Backoff, DefaultBackoff)
	c.MaxRate = or(c.MaxRate, 10<<20)
	c.MaxBurst = or(c.MaxBurst, 64<<10)
	c.RepairFraction = or(c.RepairFraction, 0.25)
	c.RepairFloor = or(c.RepairFloor, 64<<10)
	c.RepairBurst = or(c.RepairBurst, 64<<10)
	c.Aggregate = or(c.Aggregate, time.Duration((c.Backoff+1)*float64(c.RTT)))
	c.Linger = or(c.Linger, max(c.RTT, 5*time.Millisecond))
	c.MaxRepairQueue = or(c.MaxRepairQueue, 4096)
	c.DemoteLoss = or(c.DemoteLoss, 0.05)
	c.DemoteInterval = or(c.DemoteInterval, 10*time.Second)
	c.DemoteMinSeqs = or(c.DemoteMinSeqs, 100)
	c.DemoteHold = or(c.DemoteHold, 60*time.Second)
	if c.Mode == Unicast {
		c.MaxReceivers = or(c.MaxReceivers, 64)
	} else {
		c.MaxReceivers = or(c.MaxReceivers, 4096)
	}
	c.PeerTimeout = or(c.PeerTimeout, 30*time.Second)
	return c
}

// Validate reports every invalid field as *fielderr.Error values (paths
// such as "MTU").
func (c SenderConfig) Validate() error {
	var l fielderr.List
	add := func(name, f string, a ...any) { l.Add(fielderr.Path{}.Field(name), f, a...) }
	if c.Session == 0 {
		add("Session", "required (non-zero)")
	}
	if c.Mode > Unicast {
		add("Mode", "unknown mode %d", c.Mode)
	}
	if c.MTU != 0 && (c.MTU < 576 || c.MTU > 65507) {
		add("MTU", "%d is outside 576..65507", c.MTU)
	} else if d := c.withDefaults(); d.MTU-dataOverhead(d.To, true) < 64 {
		add("To", "%d bytes leave no room for data in an MTU of %d", len(c.To), d.MTU)
	}
	if c.RepairFraction < 0 || c.RepairFraction > 1 {
		add("RepairFraction", "%v is outside 0..1", c.RepairFraction)
	}
	if c.DemoteLoss < 0 || c.DemoteLoss > 1 {
		add("DemoteLoss", "%v is outside 0..1", c.DemoteLoss)
	}
	if c.Backoff < 0 || c.Backoff > MaxBackoff {
		add("Backoff", "%v is outside 0..%v", c.Backoff, MaxBackoff)
	}
	if c.RTT > MaxRTT {
		add("RTT", "%v exceeds %v", c.RTT, MaxRTT)
	}
	if c.HeartbeatMin > 0 && c.HeartbeatMax > 0 && c.HeartbeatMin > c.HeartbeatMax {
		add("HeartbeatMin", "%v exceeds HeartbeatMax %v", c.HeartbeatMin, c.HeartbeatMax)
	}
	for _, f := range []struct {
		path string
		v    int64
	}{
		{"MaxMessageBytes", int64(c.MaxMessageBytes)}, {"MaxQueueBytes", int64(c.MaxQueueBytes)},
		{"Window", int64(c.Window)}, {"WindowBytes", int64(c.WindowBytes)},
		{"HeartbeatMin", int64(c.HeartbeatMin)}, {"HeartbeatMax", int64(c.HeartbeatMax)},
		{"RTT", int64(c.RTT)}, {"GroupSize", int64(c.GroupSize)}, {"MaxRate", c.MaxRate},
		{"MaxBurst", c.MaxBurst}, {"RepairFloor", c.RepairFloor}, {"RepairBurst", c.RepairBurst},
		{"Aggregate", int64(c.Aggregate)}, {"Linger", int64(c.Linger)}, {"MaxRepairQueue", int64(c.MaxRepairQueue)},
		{"DemoteInterval", int64(c.DemoteInterval)}, {"DemoteMinSeqs", int64(c.DemoteMinSeqs)},
		{"DemoteHold", int64(c.DemoteHold)}, {"MaxReceivers", int64(c.MaxReceivers)}, {"PeerTimeout", int64(c.PeerTimeout)},
	} {
		if f.v < 0 {
			add(f.path, "must not be negative")
		}
	}
	return l.Err()
}

func (c ReceiverConfig) withDefaults() ReceiverConfig {
	c.MaxNAKs = or(c.MaxNAKs, 5)
	c.NCFWait = or(c.NCFWait, 3)
	c.RTT = max(or(c.RTT, DefaultRTT), MinRTT)
	c.Backoff = or(c.Backoff, DefaultBackoff)
	c.RepairWait = or(c.RepairWait, 2*c.Backoff+4)
	c.MaxPending = or(c.MaxPending, 16384)
	c.MaxBufferBytes = or(c.MaxBufferBytes, 16<<20)
	c.MaxMessageBytes = or(c.MaxMessageBytes, 1<<20)
	c.JoinInterval = or(c.JoinInterval, 5*time.Second)
	c.GroupSize = or(c.GroupSize, DefaultGroupSize)
	return c
}

// Validate reports every invalid field as *fielderr.Error values (paths
// such as "Backoff").
func (c ReceiverConfig) Validate() error {
	var l fielderr.List
	add := func(name, f string, a ...any) { l.Add(fielderr.Path{}.Field(name), f, a...) }
	if c.Rand == nil {
		add("Rand", "required")
	}
	if c.Backoff < 0 || c.Backoff > MaxBackoff {
		add("Backoff", "%v is outside 0..%v", c.Backoff, MaxBackoff)
	}
	if c.RTT > MaxRTT {
		add("RTT", "%v exceeds %v", c.RTT, MaxRTT)
	}
	for _, f := range []struct {
		path string
		v    float64
	}{
		{"MaxNAKs", float64(c.MaxNAKs)}, {"NCFWait", c.NCFWait}, {"RepairWait", c.RepairWait},
		{"MaxPending", float64(c.MaxPending)}, {"MaxBufferBytes", float64(c.MaxBufferBytes)},
		{"MaxMessageBytes", float64(c.MaxMessageBytes)}, {"JoinInterval", float64(c.JoinInterval)},
		{"RTT", float64(c.RTT)}, {"GroupSize", float64(c.GroupSize)},
	} {
		if f.v < 0 {
			add(f.path, "must not be negative")
		}
	}
	return l.Err()
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
