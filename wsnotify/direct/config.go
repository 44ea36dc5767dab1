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

// Upper bounds of the configuration (choice): every size, count and
// lifetime has one, so that a slip of the pen cannot configure unbounded
// memory or waits; the receiver holds what a datagram says to the same
// bounds (MaxWindow bounds an NCF's wait, MaxDemoteHold a Demote's hold).
const (
	MaxWindow        = time.Hour
	MaxDemoteHold    = time.Hour
	maxLifetime      = time.Hour   // DemoteInterval, PeerTimeout
	maxInterval      = time.Minute // heartbeats, joins, NAK gathering, linger
	maxMemoryBytes   = 1 << 30     // queues, windows, buffers, bucket depths
	maxMessageBytes  = 64 << 20
	maxCount         = 1 << 20 // repair queue, pending sequences
	maxGroupSize     = 1 << 24
	maxFanout        = 1024 // Unicast MaxReceivers: every datagram is copied to each
	maxReceivers     = 1 << 16
	maxNAKs          = 100
	maxRTTMultiple   = 1000.0 // NCFWait, RepairWait
	maxDemoteMinSeqs = 1 << 30
)

// limit is one field of a configuration and its bound (0: none above).
type limit struct {
	path   string
	v, max int64
	dur    bool // print as durations
}

// checkLimits reports each negative value, and each above its bound.
func checkLimits(add func(path, f string, a ...any), ls []limit) {
	for _, l := range ls {
		switch {
		case l.v < 0:
			add(l.path, "must not be negative")
		case l.max > 0 && l.v > l.max && l.dur:
			add(l.path, "%v exceeds %v", time.Duration(l.v), time.Duration(l.max))
		case l.max > 0 && l.v > l.max:
			add(l.path, "%d exceeds %d", l.v, l.max)
		}
	}
}

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
	Key     []byte // required: the channel's key, KeySize random bytes (mac.go)
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
	Key     []byte // required: the channel's key, KeySize bytes
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
	if err := checkKey(c.Key); err != nil {
		add("Key", "%v", err)
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
	if c.HeartbeatMin > 0 && c.HeartbeatMax > 0 && c.HeartbeatMin > c.HeartbeatMax {
		add("HeartbeatMin", "%v exceeds HeartbeatMax %v", c.HeartbeatMin, c.HeartbeatMax)
	}
	fanout := int64(maxReceivers)
	if c.Mode == Unicast {
		fanout = maxFanout
	}
	d := func(path string, v, max time.Duration) limit { return limit{path, int64(v), int64(max), true} }
	checkLimits(add, []limit{
		{"MaxMessageBytes", int64(c.MaxMessageBytes), maxMessageBytes, false}, {"MaxQueueBytes", int64(c.MaxQueueBytes), maxMemoryBytes, false},
		d("Window", c.Window, MaxWindow), {"WindowBytes", int64(c.WindowBytes), maxMemoryBytes, false},
		d("HeartbeatMin", c.HeartbeatMin, maxInterval), d("HeartbeatMax", c.HeartbeatMax, maxInterval),
		d("RTT", c.RTT, MaxRTT), {"GroupSize", int64(c.GroupSize), maxGroupSize, false}, {"MaxRate", c.MaxRate, 0, false},
		{"MaxBurst", c.MaxBurst, maxMemoryBytes, false}, {"RepairFloor", c.RepairFloor, 0, false}, {"RepairBurst", c.RepairBurst, maxMemoryBytes, false},
		d("Aggregate", c.Aggregate, maxInterval), d("Linger", c.Linger, maxInterval), {"MaxRepairQueue", int64(c.MaxRepairQueue), maxCount, false},
		d("DemoteInterval", c.DemoteInterval, maxLifetime), {"DemoteMinSeqs", int64(c.DemoteMinSeqs), maxDemoteMinSeqs, false},
		d("DemoteHold", c.DemoteHold, MaxDemoteHold), {"MaxReceivers", int64(c.MaxReceivers), fanout, false}, d("PeerTimeout", c.PeerTimeout, maxLifetime),
	})
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
	if err := checkKey(c.Key); err != nil {
		add("Key", "%v", err)
	}
	if c.Rand == nil {
		add("Rand", "required")
	}
	if c.Backoff < 0 || c.Backoff > MaxBackoff {
		add("Backoff", "%v is outside 0..%v", c.Backoff, MaxBackoff)
	}
	for _, f := range []struct {
		path string
		v    float64
	}{{"NCFWait", c.NCFWait}, {"RepairWait", c.RepairWait}} {
		if f.v < 0 || f.v > maxRTTMultiple {
			add(f.path, "%v is outside 0..%v", f.v, maxRTTMultiple)
		}
	}
	checkLimits(add, []limit{
		{"MaxNAKs", int64(c.MaxNAKs), maxNAKs, false}, {"MaxPending", int64(c.MaxPending), maxCount, false},
		{"MaxBufferBytes", int64(c.MaxBufferBytes), maxMemoryBytes, false}, {"MaxMessageBytes", int64(c.MaxMessageBytes), maxMessageBytes, false},
		{"JoinInterval", int64(c.JoinInterval), int64(maxInterval), true}, {"RTT", int64(c.RTT), int64(MaxRTT), true},
		{"GroupSize", int64(c.GroupSize), maxGroupSize, false},
	})
	return l.Err()
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
