package direct

import (
	"fmt"
	"math"
	"net/netip"
	"time"
)

// Kind names a packet type.
type Kind uint8

// Packet kinds. Data travels as a SOAP-over-UDP envelope; the others are
// the compact binary control format (wire_ctl.go).
const (
	KindData      Kind = iota + 1 // sender -> group: a (fragment of a) notification, original or repair
	KindHeartbeat                 // sender -> group: window edges, RTT, back-off factor, group size
	KindNAK                       // receiver -> sender: sequence ranges it lacks
	KindNCF                       // sender -> group: NAK confirmation, suppresses other receivers' NAKs
	KindDemote                    // sender -> one receiver: its NAKs are ignored for a while
	KindJoin                      // receiver -> sender: membership (group size; unicast fan-out targets)
)

var kindNames = [...]string{"", "data", "heartbeat", "nak", "ncf", "demote", "join"}

func (k Kind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// MaxSeq is the largest sequence number a datagram may carry (choice): a
// sender would need 2^63 datagrams to reach it, and the decoders refuse
// anything above it, so that no sequence arithmetic of the engines (seq+1,
// lead+1, a range's end) can wrap around.
const MaxSeq = math.MaxUint64 >> 1

// Header identifies the session a packet belongs to. Epoch grows when a
// sender restarts a session (its sequence numbers start again at 1).
type Header struct {
	Session uint64
	Epoch   uint32
}

// Packet is one decoded datagram: *Data, *Heartbeat, *NAK, *NCF, *Demote
// or *Join.
type Packet interface {
	Kind() Kind
	header() Header
}

// Data is one datagram of a notification. A notification larger than one
// datagram is split into Frags fragments with consecutive sequence numbers;
// Frag is this one's index. Body is the wsnt:Notify element (unfragmented)
// or this fragment's share of its bytes.
type Data struct {
	Header
	Seq    uint64
	Frag   uint16
	Frags  uint16
	Repair bool
	Body   []byte
}

// Heartbeat advertises the sender's repair window [Trail, Lead] (Lead 0:
// nothing sent yet; Trail = Lead+1: the window is empty) and the timing
// parameters receivers use for their NAK back-off (RFC 5740, 5.3). A Final
// heartbeat is the last of the session (Sender.Close): nothing below its
// Trail will be sent or repaired.
type Heartbeat struct {
	Header
	Trail, Lead uint64
	RTT         time.Duration
	Backoff     float64 // the back-off factor K
	GroupSize   uint32
	Final       bool
}

// NAK asks for the sequence numbers in Ranges.
type NAK struct {
	Header
	Ranges []Range
}

// NCF confirms that the sender will repair Ranges (RFC 3208, 5.2), within
// about Wait: the sender's bound on how long its repair queue and budget
// hold the repairs back, so that receivers do not give up on a repair that
// is coming (choice).
type NCF struct {
	Header
	Wait   time.Duration
	Ranges []Range
}

// DemoteReason says why a receiver was demoted.
type DemoteReason uint8

// Demotion reasons.
const (
	DemoteLoss    DemoteReason = iota + 1 // its NAKed share of the sequences stayed above the threshold
	DemoteOutside                         // it NAKed sequences beyond the window's lead
)

var demoteNames = [...]string{"", "loss", "outside-window"}

func (r DemoteReason) String() string {
	if int(r) < len(demoteNames) && r != 0 {
		return demoteNames[r]
	}
	return fmt.Sprintf("reason(%d)", uint8(r))
}

// Demote tells one receiver that the sender ignores its NAKs for Hold: it
// recovers over HTTP instead. Lead is the sender's lead at the time.
type Demote struct {
	Header
	Reason DemoteReason
	Hold   time.Duration
	Lead   uint64
}

// Join announces a receiver (Leave: its departure).
type Join struct {
	Header
	Leave bool
}

func (*Data) Kind() Kind      { return KindData }
func (*Heartbeat) Kind() Kind { return KindHeartbeat }
func (*NAK) Kind() Kind       { return KindNAK }
func (*NCF) Kind() Kind       { return KindNCF }
func (*Demote) Kind() Kind    { return KindDemote }
func (*Join) Kind() Kind      { return KindJoin }

func (h Header) header() Header { return h }

// DestKind says where a Datagram goes.
type DestKind uint8

// Destinations.
const (
	ToGroup  DestKind = iota + 1 // the multicast group
	ToSender                     // the sender's control address (receiver side)
	ToPeer                       // one unicast address, Dest.Addr
)

// Dest is where a Datagram goes.
type Dest struct {
	Kind DestKind
	Addr netip.AddrPort // ToPeer
}

func (d Dest) String() string {
	switch d.Kind {
	case ToGroup:
		return "group"
	case ToSender:
		return "sender"
	default:
		return d.Addr.String()
	}
}

// Datagram is a packet to write. Copies of one packet to several peers
// (unicast fan-out) share Bytes.
type Datagram struct {
	To    Dest
	Kind  Kind
	Bytes []byte
}
