package wsreliable

import (
	"strings"
	"time"

	"github.com/wsgw/wsgw/internal/fielderr"
)

// Protocol names the wire protocol of a group.
type Protocol uint8

const (
	// RM is OASIS WS-ReliableMessaging 1.2 (sequences), with WS-MakeConnection 1.1.
	RM Protocol = iota + 1
	// Rel is OASIS WS-Reliability 1.1 (groups).
	Rel
	// RM200502 is WS-ReliableMessaging February 2005, the BEA/IBM/Microsoft/
	// TIBCO submission that Apache CXF, WCF and Sandesha2 speak by default:
	// sequences as in RM, ended by LastMessage and TerminateSequence
	// (rmversion.go says how the two differ).
	RM200502
)

func (p Protocol) String() string {
	switch p {
	case RM:
		return "wsrm"
	case Rel:
		return "wsrel"
	case RM200502:
		return "wsrm200502"
	}
	return "unknown"
}

// isRM reports whether p is a version of WS-ReliableMessaging.
func (p Protocol) isRM() bool { return p == RM || p == RM200502 }

// orRM is p, or RM when p is zero: events of a WS-RM sequence that leave
// Proto unset are WS-RM 1.2.
func (p Protocol) orRM() Protocol {
	if p == 0 {
		return RM
	}
	return p
}

// Assurance is a WS-RM 1.2 delivery assurance (WS-RM 1.2, 2.4), set per
// service. WS-Reliability 1.1 asks per message instead (DuplicateElimination,
// MessageOrder; guaranteed delivery is always on).
type Assurance uint8

const (
	// ExactlyOnce: each message delivered once; duplicates acknowledged and dropped.
	ExactlyOnce Assurance = iota
	// AtLeastOnce: every received copy is delivered (no duplicate elimination).
	AtLeastOnce
	// AtMostOnce: duplicates dropped. On the receiving side it behaves as
	// ExactlyOnce; the difference is the sender's (it may give up retrying).
	AtMostOnce
)

func (a Assurance) String() string {
	return [...]string{"ExactlyOnce", "AtLeastOnce", "AtMostOnce"}[a]
}

// Incomplete is the WS-RM 1.2 IncompleteSequenceBehavior (3.4) the receiving
// side applies to messages still held when a sequence ends with a gap.
type Incomplete uint8

const (
	// NoDiscard: held messages are delivered anyway, in number order
	// across the gaps.
	NoDiscard Incomplete = iota
	// DiscardFollowingFirstGap: held messages after the first gap are dropped.
	DiscardFollowingFirstGap
	// DiscardEntireSequence: nothing of an incomplete sequence is delivered
	// that has not already been.
	DiscardEntireSequence
)

func (b Incomplete) String() string {
	return [...]string{"NoDiscard", "DiscardFollowingFirstGap", "DiscardEntireSequence"}[b]
}

// Default lifetimes of inbound groups (Config.SequenceExpires,
// Config.IdleTimeout). (choice) Ten minutes of idleness is WCF's
// reliable-session InactivityTimeout; a day bounds what an unused sequence
// holds.
const (
	DefaultSequenceExpires = 24 * time.Hour
	DefaultIdleTimeout     = 10 * time.Minute
	// DefaultMaxGroupsPerCaller is Config.MaxGroupsPerCaller's default.
	DefaultMaxGroupsPerCaller = 100
)

// Config is the engine's per-service configuration. Every zero value is a
// usable default, given in each field's comment.
type Config struct {
	// Assurance for inbound WS-RM sequences. Zero: ExactlyOnce.
	Assurance Assurance
	// InOrder holds inbound WS-RM messages back until every lower number has
	// been delivered. Zero: delivery in arrival order.
	InOrder bool
	// Incomplete is announced in CreateSequenceResponse and applied to the
	// messages held back when a sequence is closed, terminated or expires.
	// DiscardFollowingFirstGap holds back what follows a gap, as InOrder
	// does (it must never be delivered if the gap stays);
	// DiscardEntireSequence holds every message of a sequence until it is
	// complete (so a sequence longer than MaxHeld cannot complete). Zero:
	// NoDiscard.
	Incomplete Incomplete
	// SequenceExpires is the longest lifetime of an inbound group: granted
	// to WS-RM sequences (CreateSequenceResponse/Expires; a shorter Expires
	// asked for is granted), the lifetime of a WS-Reliability group that
	// asks none (groupExpiryTime) and the cap of one that asks longer.
	// Zero: 24h.
	SequenceExpires time.Duration
	// IdleTimeout ends an inbound group with no traffic for this long: a
	// WS-RM sequence is terminated, a WS-Reliability group that asks no
	// shorter groupMaxIdleDuration aborted. Zero: 10m.
	IdleTimeout time.Duration
	// MaxGroups bounds the open inbound groups and sequences; beyond it
	// CreateSequence is refused and a new WS-Reliability group gets
	// MessageProcessingFailure. It bounds separately the ended ones kept to
	// recognise late duplicates: beyond it the one due to be forgotten
	// first is forgotten at once. It bounds as well the WS-MakeConnection
	// anonymous addresses with messages waiting for a MakeConnection
	// (pending.go): beyond it the oldest address's are dropped. Zero:
	// 10000.
	MaxGroups int
	// MaxGroupsPerCaller bounds the open inbound groups and sequences one
	// caller (CreateSequence.Caller, Message.Caller) holds, with the same
	// answers as MaxGroups, so that one caller cannot take every place of
	// MaxGroups from the others. Zero: 100.
	MaxGroupsPerCaller int
	// MaxKeep caps how long an ended group is kept to recognise late
	// duplicates, whatever ExpiryTime a WS-Reliability sender chose, and
	// how long an acknowledged Submit token waits for its Forget.
	// Zero: 24h (or DupWindow, when longer).
	MaxKeep time.Duration
	// MaxHeld bounds the hold-back buffer of one ordered group; a message
	// that would exceed it is not accepted (not acknowledged, so the sender
	// retries it later). It bounds as well the gaps in any group's received
	// numbers: a message that would open one more is not accepted either.
	// Zero: 1024.
	MaxHeld int
	// MaxHeldBytes bounds the payload bytes held back for ordering across
	// every group of the engine (they are kept in memory until
	// delivered). A message that would be held beyond it is refused as one
	// beyond MaxHeld is (WS-RM: not acknowledged; WS-Reliability:
	// MessageProcessingFailure, which the sender may resend later); the
	// next message in order is always accepted, and delivering frees the
	// room. Zero: 64 MiB.
	MaxHeldBytes int64
	// MaxRelease and MaxReleaseBytes bound one Ready: held messages that
	// become deliverable (a gap filled, a sequence closed or terminated
	// with NoDiscard) are released only while the Ready holds fewer than
	// MaxRelease deliveries and fewer than MaxReleaseBytes of payload
	// (deliveries and held messages stored); the rest follow in the next
	// Ready. So one Ready's records and deliveries fit one atomic write.
	// Zero: 512 and 4 MiB.
	MaxRelease      int
	MaxReleaseBytes int64
	// MaxMessageNumber is the highest message number accepted; above it
	// WS-RM answers MessageNumberRollover. Zero: 9223372036854775807 (WS-RM
	// 1.2, 3.7).
	MaxMessageNumber uint64
	// RefuseCallback and RefusePoll refuse those WS-Reliability reply
	// patterns (InvalidReplyPattern). Zero: allowed.
	RefuseCallback, RefusePoll bool
	// RefuseOrdering refuses WS-Reliability MessageOrder
	// (FeatureNotSupported). Zero: allowed.
	RefuseOrdering bool
	// DupWindow is how long a WS-Reliability group's duplicate elimination
	// state is kept after its last ExpiryTime when that is not given, and the
	// lifetime of a WS-RM sequence's state after termination. Zero: 1h.
	DupWindow time.Duration

	// Sending side. RetransmitBase is the first retransmission interval,
	// doubled after each try up to RetransmitMax. Zero: 2s and 64s.
	RetransmitBase, RetransmitMax time.Duration
	// MaxRetransmits: after this many tries a message is given up and
	// reported (Failed). Zero: 20.
	MaxRetransmits int
	// SendWindow bounds unacknowledged messages per outbound sequence; more
	// wait in the engine's backlog. Zero: 64.
	SendWindow int
	// MaxBacklog bounds the messages an outbound sequence holds (sent or
	// waiting); a Submit beyond it fails at once (FateFailed). It bounds as
	// well the acknowledged tokens waiting for Forget: beyond, a Submit of
	// a new token fails at once too (none is forgotten early: its
	// caller's retry would send the message again). Zero: 10000.
	MaxBacklog int
	// OutboundIdle closes and terminates an outbound sequence that has
	// nothing unacknowledged and had no Submit for this long (WS-RM 1.2,
	// 3.5, 3.6); the next Submit to its destination creates a new one.
	// Zero: never.
	OutboundIdle time.Duration
	// LocalPrefix begins the engine's names of its outbound sequences, so
	// that engines sharing records (several nodes; one adopts what
	// another made: scope.go) never name two sequences alike: each node
	// gives its own name. Letters, digits, '-', '_' and '.'. Zero: none.
	LocalPrefix string
}

// Validate reports every invalid field as *fielderr.Error values (paths
// such as "MaxHeld"), in field order.
func (c Config) Validate() error {
	var l fielderr.List
	var root fielderr.Path
	negD := func(name string, d time.Duration) {
		if d < 0 {
			l.Add(root.Field(name), "negative duration %v", d)
		}
	}
	negN := func(name string, n int64) {
		if n < 0 {
			l.Add(root.Field(name), "negative %d", n)
		}
	}
	if c.Assurance > AtMostOnce {
		l.Add(root.Field("Assurance"), "unknown value %d", c.Assurance)
	}
	if c.Incomplete > DiscardEntireSequence {
		l.Add(root.Field("Incomplete"), "unknown value %d", c.Incomplete)
	}
	negD("SequenceExpires", c.SequenceExpires)
	negD("IdleTimeout", c.IdleTimeout)
	negN("MaxGroups", int64(c.MaxGroups))
	negN("MaxGroupsPerCaller", int64(c.MaxGroupsPerCaller))
	negD("MaxKeep", c.MaxKeep)
	negN("MaxHeld", int64(c.MaxHeld))
	negN("MaxHeldBytes", c.MaxHeldBytes)
	negN("MaxRelease", int64(c.MaxRelease))
	negN("MaxReleaseBytes", c.MaxReleaseBytes)
	negD("DupWindow", c.DupWindow)
	negD("RetransmitBase", c.RetransmitBase)
	if c.RetransmitMax != 0 && c.RetransmitBase > c.RetransmitMax {
		l.Add(root.Field("RetransmitBase"), "greater than RetransmitMax")
	}
	negD("RetransmitMax", c.RetransmitMax)
	negN("MaxRetransmits", int64(c.MaxRetransmits))
	negN("SendWindow", int64(c.SendWindow))
	negN("MaxBacklog", int64(c.MaxBacklog))
	negD("OutboundIdle", c.OutboundIdle)
	if strings.IndexFunc(c.LocalPrefix, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.", r))
	}) >= 0 {
		l.Add(root.Field("LocalPrefix"), "%q: only letters, digits, '-', '_' and '.' are allowed", c.LocalPrefix)
	}
	return l.Err()
}

func (c Config) withDefaults() Config {
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	def(&c.MaxGroups, 10000)
	def(&c.MaxGroupsPerCaller, DefaultMaxGroupsPerCaller)
	def(&c.MaxHeld, 1024)
	def(&c.MaxRetransmits, 20)
	def(&c.SendWindow, 64)
	def(&c.MaxBacklog, 10000)
	def(&c.MaxRelease, 512)
	if c.MaxHeldBytes == 0 {
		c.MaxHeldBytes = 64 << 20
	}
	if c.MaxReleaseBytes == 0 {
		c.MaxReleaseBytes = 4 << 20
	}
	if c.MaxMessageNumber == 0 {
		c.MaxMessageNumber = 1<<63 - 1
	}
	if c.SequenceExpires == 0 {
		c.SequenceExpires = DefaultSequenceExpires
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.DupWindow == 0 {
		c.DupWindow = time.Hour
	}
	if c.MaxKeep == 0 {
		c.MaxKeep = max(24*time.Hour, c.DupWindow)
	}
	if c.RetransmitBase == 0 {
		c.RetransmitBase = 2 * time.Second
	}
	if c.RetransmitMax == 0 {
		c.RetransmitMax = 64 * time.Second
	}
	return c
}
