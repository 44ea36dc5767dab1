package wsreliable

import "time"

// Ready is what the engine asks the driver to do, in this order:
//
//  1. Persist every Record and hand every Deliver entry to the delivery
//     queue, in one atomic write, synced (Value nil means delete Key): the
//     delivered mark and the delivery belong together. A store that cannot
//     write both at once must write the deliveries first and drop repeats
//     by Delivery.ID. One Ready's deliveries are bounded (Config.MaxRelease)
//     so that they fit one write.
//  2. Then, and only then, answer Replies, make Sends, act on Fates and
//     hand over Deliver (in slice order: it is the delivery order).
//  3. Call Advance.
type Ready struct {
	Persist []Record
	Replies []Reply
	Send    []Outbound
	Deliver []Delivery
	// Fates say what became of submitted messages, by Submit.Token.
	Fates []Fate
}

// Empty reports whether r holds nothing to do.
func (r Ready) Empty() bool {
	return len(r.Persist)+len(r.Replies)+len(r.Send)+len(r.Deliver)+len(r.Fates) == 0
}

// Record is one key/value the engine persists; the driver stores it under
// its own key prefix and hands every stored record back to Restore after a
// restart. Value nil deletes Key. The Value encoding is the engine's own.
type Record struct {
	Key   string
	Value []byte
	// Scope says what the record belongs to, for a driver that keeps the
	// records of several engines apart (scope.go): an inbound group's
	// identifier, the Key of an outbound sequence and of the tokens sent
	// on it (the offering group's identifier for an offered sequence), or
	// "" for what is the engine's own. Restore and Adopt do not need it.
	Scope string
}

// ReplyKind says what answers a request.
type ReplyKind uint8

const (
	// ReplyAccepted: nothing to say on the wire beyond Acks (if any); HTTP
	// 202 when Acks is empty.
	ReplyAccepted ReplyKind = iota
	// ReplyCreated: CreateSequenceResponse (Group, Expires, Incomplete, AcceptOffer).
	ReplyCreated
	// ReplyClosed: CloseSequenceResponse, with the Final acknowledgement.
	ReplyClosed
	// ReplyTerminated: TerminateSequenceResponse, with the Final acknowledgement.
	ReplyTerminated
	// ReplyPoll: the WS-Reliability Response header answering a PollRequest.
	ReplyPoll
	// ReplyPending: a MakeConnection answer; Pending is the message (nil:
	// nothing pending, HTTP 202).
	ReplyPending
	// ReplyFault: Fault is the answer (a SOAP fault).
	ReplyFault
)

var replyKindNames = [...]string{"accepted", "created", "closed", "terminated", "poll", "pending", "fault"}

func (k ReplyKind) String() string { return replyKindNames[k] }

// Reply answers the request the driver numbered Ref.
type Reply struct {
	Ref   uint64
	Kind  ReplyKind
	Proto Protocol
	Group string
	// Meta is the driver's metadata of Group (see Message.Meta), nil when
	// the engine does not know the group.
	Meta []byte
	// Acks are acknowledgements to carry (WS-RM SequenceAcknowledgement
	// headers; WS-Reliability Response header).
	Acks  []Ack
	Fault *Fault
	// ReplyCreated.
	Expires     time.Duration
	Incomplete  Incomplete
	AcceptOffer bool
	// ReplyPending.
	Pending     *Outbound
	MorePending bool
}

// Ack is the acknowledgement state of one group: a WS-RM
// SequenceAcknowledgement (3.9) or a WS-Reliability NonSequenceReply /
// SequenceReplies element.
type Ack struct {
	Proto  Protocol
	Group  string
	Ranges RangeSet
	Nacks  []uint64
	None   bool // WS-RM: nothing received
	Final  bool // WS-RM: the sequence is closed or terminated
	// WS-Reliability.
	NonSequence bool         // the group has no sequence numbers (NonSequenceReply)
	Faults      []RangeFault // numbers answered with a fault
}

// RangeFault is a WS-Reliability ReplyRange with a fault attribute.
type RangeFault struct {
	Range Range
	Code  FaultCode
}

// OutKind is the kind of an Outbound message.
type OutKind uint8

const (
	// OutAck: acknowledgements (WS-RM SequenceAcknowledgement to AcksTo;
	// WS-Reliability Response header to a Callback ReplyTo).
	OutAck OutKind = iota
	// OutCreate: a CreateSequence for the outbound sequence Local.
	OutCreate
	// OutMessage: a sequence message (first try or retransmission).
	OutMessage
	// OutClose, OutTerminate: CloseSequence, TerminateSequence.
	OutClose
	OutTerminate
)

var outKindNames = [...]string{"ack", "create", "message", "close", "terminate"}

func (k OutKind) String() string { return outKindNames[k] }

// Outbound is a message the gateway sends on its own initiative. To is an
// address a client supplied (AcksTo, ReplyTo) or a configured peer: the
// driver checks it against the egress allow-list before sending. To in the
// WS-MakeConnection anonymous form is never sent: such messages wait for a
// MakeConnection (Reply.Pending).
type Outbound struct {
	Kind   OutKind
	Proto  Protocol
	To     string
	Group  string // sequence Identifier ("" for OutCreate)
	Local  string // the engine's name of an outbound sequence
	Number uint64
	// Meta is the driver's metadata of the group or outbound sequence the
	// message is about (Message.Meta, Submit.Meta), or of the event that
	// caused it when there is no group (a PollRequest's ReplyTo answer).
	Meta []byte
	// Token is the Submit.Token of an OutMessage.
	Token string
	// Last is set on the highest message of a sequence being finished.
	Last         bool
	AckRequested bool
	// Action is the wsa:Action of an OutMessage.
	Action  string
	Payload []byte
	Acks    []Ack
	// Fault is set on an OutAck that reports a WS-RM fault to AcksTo.
	Fault *Fault
	// LastMsgNumber for OutClose / OutTerminate.
	LastMsgNumber uint64
	// Attempt counts tries of an OutMessage, 1 for the first.
	Attempt int
}

// Delivery is one message for the application, in delivery order.
type Delivery struct {
	Proto   Protocol
	Group   string
	Number  uint64
	Payload []byte
}

// DeliveryIDHeader is the HTTP header that carries a delivery's stable
// identifier (Delivery.ID, a Submit's Token, a WS-Notification durable
// delivery's id) to whoever receives it, so that a receiver can drop the
// repeats that at-least-once delivery leaves possible.
const DeliveryIDHeader = "Wsgw-Delivery-Id"

// ID is a stable identifier of the delivery (group and number), for a queue
// that drops repeats.
func (d Delivery) ID() string { return d.Proto.String() + ":" + d.Group + "#" + u64(d.Number) }

// FateKind says what became of a submitted message.
type FateKind uint8

const (
	// FateNumbered: the message has its number on an outbound sequence (Local,
	// Number). A Submit of a token in flight reports its number again.
	FateNumbered FateKind = iota + 1
	// FateAcknowledged: the destination acknowledged the message. The
	// token is remembered (a Submit of it is answered FateAcknowledged at
	// once) until Forget, at most MaxKeep.
	FateAcknowledged
	// FateFailed: given up (Reason): backlog full, retransmissions
	// exhausted, sequence refused or faulted. A later Submit of the token
	// numbers it anew.
	FateFailed
)

var fateKindNames = [...]string{"", "numbered", "acknowledged", "failed"}

func (k FateKind) String() string { return fateKindNames[k] }

// Fate is what became of the message submitted with Token.
type Fate struct {
	Token  string
	Kind   FateKind
	To     string
	Local  string // the outbound sequence (FateNumbered)
	Number uint64 // its message number (FateNumbered; FateFailed when it had one)
	Reason string // FateFailed
}
