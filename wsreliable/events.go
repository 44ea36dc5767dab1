package wsreliable

import (
	"time"

	"github.com/wsgw/wsgw/caller"
)

// Event is an input to Engine.Step. Every event that came in on a request
// carries the driver's Ref for it; the answer to that request is the Reply
// with the same Ref in a later Ready (after the records it depends on are
// persisted). Ref 0 means no request is waiting (nothing is answered).
type Event interface{ isEvent() }

// ReplyPattern is the WS-Reliability 1.1 ReplyPattern value (4.2.3? see doc.go).
type ReplyPattern uint8

const (
	// Response: the acknowledgement rides on the response to the request.
	Response ReplyPattern = iota
	// Callback: the acknowledgement is sent in a separate request to ReplyTo.
	Callback
	// Poll: the acknowledgement is kept until a PollRequest asks for it.
	Poll
)

func (p ReplyPattern) String() string { return [...]string{"Response", "Callback", "Poll"}[p] }

// Message is one reliable message received: a WS-RM message with a
// Sequence header (1.2, 3.7; February 2005, 3.1) or a WS-Reliability 1.1
// message with a Request header (MessageId, SequenceNum, ExpiryTime,
// ReplyPattern, ...).
type Message struct {
	Ref   uint64
	Proto Protocol
	// Group is the WS-RM sequence Identifier or the WS-Reliability groupId.
	Group string
	// Number is the MessageNumber / SequenceNum number; WS-Reliability
	// messages without SequenceNum have 0 (a group of one message).
	Number uint64
	// Last is WS-Reliability SequenceNum/@last, or WS-RM February 2005
	// Sequence/LastMessage (3.1). (WS-RM 1.2 has no LastMessage.)
	Last bool
	// Control: a WS-RM February 2005 message with the LastMessage action
	// and an empty Body (3.1; WCF B1202), which carries nothing for the
	// application: it is numbered and acknowledged, never delivered.
	Control bool
	// NoSequenceNum: a WS-Reliability message without SequenceNum, alone
	// in its group (NonSequenceReply). WS-Reliability numbers start at 0,
	// WS-RM message numbers at 1.
	NoSequenceNum bool
	// AckRequested: WS-RM AckRequested header for this sequence or
	// WS-Reliability AckRequested.
	AckRequested bool
	// Payload is what is delivered (the driver's choice, typically the raw
	// envelope bytes).
	Payload []byte
	// Meta is the driver's own data about the group (wsgw: the SOAP version
	// and WS-Addressing namespace the client spoke), opaque to the engine: it is stored with the group
	// (the latest a message of the group carried) and handed back on every
	// Reply and Outbound about it, also after a restart. A message for a
	// group the engine refuses leaves nothing behind.
	Meta []byte
	// Caller is who sent the message: a WS-Reliability group it creates
	// counts against the caller's MaxGroupsPerCaller.
	Caller caller.ID

	// WS-Reliability 1.1 only.
	Expiry       time.Time     // ExpiryTime (required by the schema)
	GroupExpiry  time.Time     // SequenceNum/@groupExpiryTime; zero when absent
	GroupMaxIdle time.Duration // SequenceNum/@groupMaxIdleDuration; 0 when absent
	ReplyPattern ReplyPattern
	ReplyTo      string // ReplyPattern/ReplyTo (BareURI), for Callback (and Poll)
	DupElim      bool   // DuplicateElimination
	Ordered      bool   // MessageOrder
}

// CreateSequence is a WS-RM CreateSequence (1.2 and February 2005, 3.4).
// NewID is the Identifier the driver generated for the sequence (the
// engine makes no random numbers).
type CreateSequence struct {
	Ref uint64
	// Proto is the version of WS-RM: the sequence speaks it for its whole
	// life. Zero is RM (1.2).
	Proto   Protocol
	NewID   string
	AcksTo  string
	Expires time.Duration // 0: none asked
	// Offer is the offered Identifier of the reverse sequence; "" when none.
	// OfferEndpoint is its Endpoint (WS-RM 1.2; February 2005 has none).
	Offer         string
	OfferEndpoint string
	// Meta is stored with the new sequence (and the offered one): see
	// Message.Meta.
	Meta []byte
	// Caller is who asks: the sequence counts against its
	// MaxGroupsPerCaller while it is open.
	Caller caller.ID
}

// AckRequest is a WS-RM AckRequested header (1.2, 3.8; February 2005,
// 3.3) for Group, sent without a message of that sequence.
type AckRequest struct {
	Ref    uint64
	Proto  Protocol // zero: RM
	Group  string
	Caller caller.ID // who asks (rmGroup: only the creator may)
}

// Close is a WS-RM 1.2 CloseSequence (3.5).
type Close struct {
	Ref           uint64
	Group         string
	LastMsgNumber uint64    // 0: absent
	Caller        caller.ID // who asks (rmGroup: only the creator may)
}

// Terminate is a WS-RM TerminateSequence (1.2, 3.6; February 2005, 3.5).
type Terminate struct {
	Ref           uint64
	Proto         Protocol // zero: RM
	Group         string
	LastMsgNumber uint64    // 0: absent (always, in February 2005)
	Caller        caller.ID // who asks (rmGroup: only the creator may)
}

// PollRef names the messages of one group a WS-Reliability PollRequest
// asks about (RefToMessageIds with SequenceNumRange children; no range for
// a group without sequence numbers).
type PollRef struct {
	Group  string
	Ranges RangeSet
}

// PollRequest is a WS-Reliability 1.1 PollRequest. With ReplyTo the answer
// is sent there, otherwise it is the reply.
type PollRequest struct {
	Ref     uint64
	Refs    []PollRef
	ReplyTo string
	// Meta is handed back on the answer sent to ReplyTo.
	Meta []byte
	// Caller is who asks: another authenticated caller's groups are
	// answered as unknown (foreign).
	Caller caller.ID
}

// MakeConnection is a WS-MakeConnection 1.1 MakeConnection (3.1) for the
// anonymous address Address (wsmc anonymous URI with id). The reply carries
// the oldest pending message for it, if any, with MorePending.
type MakeConnection struct {
	Ref     uint64
	Address string
}

// NotReliable is a message without RM headers sent to a service that
// requires them: the reply is a WSRMRequired fault (WS-RM 1.2, 4.9).
type NotReliable struct{ Ref uint64 }

// ProcessingFailed reports that the application (the backend behind the
// delivery queue) failed a delivered WS-Reliability message. Permanent
// selects PermanentProcessingFailure, otherwise MessageProcessingFailure;
// the fault is reported where the group's acknowledgements go.
type ProcessingFailed struct {
	Group     string
	Number    uint64
	Permanent bool
}

// Sending side.

// Submit asks the engine to send Payload reliably over WS-RM 1.2 to To.
// Messages to one To with one Key share one sequence, in submission order
// (Key "" is the destination's default sequence; a WS-Notification
// subscription has its own). Token names
// the message (the driver's delivery ID; required): Ready.Fates report
// what becomes of it. A Submit of a token in flight is not numbered again
// (its number is reported again); one of a token acknowledged and not yet
// forgotten is answered FateAcknowledged at once. So a caller that gave up
// waiting and submits again never sends the message twice.
type Submit struct {
	Token string
	To    string
	// Key names the sequence to To (see above); stored with it.
	Key string
	// Action is the message's wsa:Action (WS-RM 1.2 runs over WS-Addressing).
	Action  string
	Payload []byte
	// Meta is stored with a sequence this Submit creates and handed back
	// on its Outbound messages.
	Meta []byte
}

// Forget tells the engine that the caller no longer resubmits Token (its
// delivery is settled): the engine forgets that it was acknowledged.
type Forget struct{ Token string }

// Created is the CreateSequenceResponse for the outbound sequence the
// engine named Local in its Send; ID is the Identifier the peer chose.
// Refused reports a CreateSequenceRefused fault (or any fault).
type Created struct {
	Local   string
	ID      string
	Refused bool
}

// AckReceived is a SequenceAcknowledgement (3.9) received for an outbound
// sequence.
type AckReceived struct {
	Ref    uint64
	Proto  Protocol // the version it was written in; zero: RM
	Group  string
	Ranges RangeSet
	Nacks  []uint64
	None   bool
	Final  bool
	// Caller is who sent it, when it came in a request (Ref set): an
	// offered sequence takes acknowledgements from its creator only.
	Caller caller.ID
}

// PeerFault reports a WS-RM fault received about an outbound sequence
// (SequenceTerminated, UnknownSequence, ...): the sequence fails.
type PeerFault struct {
	Group string
	Code  FaultCode
}

// Finish asks the engine to close and terminate the outbound sequence to
// (To, Key) once everything submitted is acknowledged.
type Finish struct{ To, Key string }

func (Message) isEvent()          {}
func (CreateSequence) isEvent()   {}
func (AckRequest) isEvent()       {}
func (Close) isEvent()            {}
func (Terminate) isEvent()        {}
func (PollRequest) isEvent()      {}
func (MakeConnection) isEvent()   {}
func (NotReliable) isEvent()      {}
func (ProcessingFailed) isEvent() {}
func (Submit) isEvent()           {}
func (Created) isEvent()          {}
func (AckReceived) isEvent()      {}
func (PeerFault) isEvent()        {}
func (Finish) isEvent()           {}
func (Forget) isEvent()           {}
