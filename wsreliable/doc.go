// Package wsreliable is wsgw's reliable messaging engine: one deterministic
// engine with protocol-neutral core concepts, three protocol front-ends
// (two versions of WS-ReliableMessaging, WS-Reliability), and their wire
// codecs. It decides; a driver (not in this package) owns
// goroutines, time, persistence, HTTP and delivery to backends.
//
// # Specifications
//
//   - OASIS WS-ReliableMessaging 1.2 (OASIS Standard, 2 February 2009;
//     namespace http://docs.oasis-open.org/ws-rx/wsrm/200702), RM
//     Destination and RM Source: 2.4 delivery assurances (ExactlyOnce,
//     AtLeastOnce, AtMostOnce, InOrder, per service: Config), 3.4
//     CreateSequence/Response with Offer, Expires, Accept and
//     IncompleteSequenceBehavior, 3.5 CloseSequence, 3.6 TerminateSequence,
//     3.7 Sequence (MessageNumber 1..MaxMessageNumber), 3.8 AckRequested,
//     3.9 SequenceAcknowledgement (AcknowledgementRange, None, Final, Nack);
//     4.1-4.9 faults with their detail (SequenceFault header in SOAP 1.1):
//     SequenceTerminated, UnknownSequence, InvalidAcknowledgement,
//     MessageNumberRollover, CreateSequenceRefused, SequenceClosed,
//     WSRMRequired.
//   - WS-ReliableMessaging February 2005 (BEA, IBM, Microsoft, TIBCO;
//     namespace http://schemas.xmlsoap.org/ws/2005/02/rm, over WS-Addressing
//     2004/08 or 1.0), the version Apache CXF, WCF and most Sandesha2
//     samples speak by default, RM Destination: 3.1 Sequence with
//     LastMessage (and the empty-bodied message of the LastMessage action),
//     3.2 SequenceAcknowledgement (ranges, Nack; no None, no Final), 3.3
//     AckRequested, 3.4 CreateSequence/Response with Offer (no Endpoint)
//     and Accept, 3.5 TerminateSequence (no response); 4 faults with the
//     4.1 SequenceFault header in SOAP 1.1: 4.2 SequenceTerminated, 4.3
//     UnknownSequence, 4.4 InvalidAcknowledgement, 4.5
//     MessageNumberRollover, 4.6 LastMessageNumberExceeded, 4.7
//     CreateSequenceRefused. The schema is the one CXF ships
//     (wsrm-1.0.xsd); where the text leaves a choice open, wsgw does what
//     WCF documents for it ("Reliable Messaging Protocol version 1.0",
//     rules Bnnnn cited where used). rmversion.go tabulates how the two
//     WS-RM versions differ; a sequence speaks the version of its
//     CreateSequence all its life.
//   - OASIS WS-MakeConnection 1.1 (2 February 2009; namespace
//     http://docs.oasis-open.org/ws-rx/wsmc/200702): 3.1 MakeConnection with
//     Address and the anonymous URI template, 3.2 MessagePending; faults
//     UnsupportedSelection and MissingSelection.
//   - OASIS WS-Reliability 1.1 (OASIS Standard, 15 November 2004; namespace
//     http://docs.oasis-open.org/wsrm/2004/06/ws-reliability-1.1.xsd, ReplyTo
//     of type reference-1.1.xsd ServiceRefType), receiving side: the Request
//     header (MessageId/@groupId, SequenceNum/@number/@last/@groupExpiryTime/
//     @groupMaxIdleDuration, ExpiryTime, ReplyPattern Response|Callback|Poll
//     with ReplyTo, AckRequested, DuplicateElimination, MessageOrder), the
//     Response header (NonSequenceReply, SequenceReplies/ReplyRange with the
//     fault attribute), PollRequest (RefToMessageIds/SequenceNumRange,
//     ReplyTo), and every fault code of the schema's FaultCodeEnum. The
//     element, attribute and fault names follow the schema as bound by
//     gSOAP's import/wsrm4.h; the spec's prose was not at hand while this was
//     written, so section numbers are not cited for it and the choices below
//     that depend on it are marked "(choice)".
//
// # The engine
//
// Engine follows etcd raft's RawNode: Step(Event) feeds an input, Tick(now)
// advances time, Ready() returns what to do, Advance() says it is done.
// The engine makes no I/O, starts no goroutine, reads no clock and makes no
// random numbers (the driver supplies new sequence identifiers). Core
// concepts are shared: a group (WS-RM sequence or WS-Reliability group) has
// message numbers, a received set (RangeSet: the duplicate elimination
// window and the acknowledgement ranges, bounded by the gaps), a hold-back
// buffer for ordered delivery, expiry and idle limits, and a life: open,
// closed (WS-RM), ended (kept until KeepUntil to recognise late duplicates,
// then forgotten).
//
// Events: Message, CreateSequence, AckRequest, Close, Terminate,
// PollRequest, MakeConnection, NotReliable, ProcessingFailed (receiving);
// Submit, Created, AckReceived, PeerFault, Finish, Forget (sending). Every
// event from a request carries the driver's Ref; its answer is the Reply
// with that Ref.
//
// Ready holds, in the order the driver must honour: Persist (key/value
// records) and Deliver (to the application, in order), written together
// in one atomic, synced write — "a message acknowledged is on disk before
// the ack is sent", and a delivery is stored with the mark that it was
// delivered; then Replies (answers on the request's own connection), Send
// (messages to addresses: acknowledgements to AcksTo and Callback ReplyTo,
// CreateSequence, sequence messages, Close, Terminate — every address goes
// through the driver's egress allow-list) and Fates. One Ready releases at
// most MaxRelease held messages (MaxReleaseBytes), so that it fits one
// write, and never more deliveries than the driver's delivery queue has
// room for (SetDeliveryRoom); the rest follow in the next Ready. After a
// crash, Restore(records) on a New engine rebuilds everything; held
// messages stay held, nothing is delivered twice, unacknowledged outbound
// messages are resent at the first Tick. Messages waiting for a
// MakeConnection are kept in memory only, at most MaxHeld per address and
// MaxGroups addresses (pending.go): acknowledgements are regenerated by
// the next message or AckRequested, sequence messages by retransmission.
//
// Engines may share records (several nodes running one service, each
// holding part of it: scope.go): every record names its scope (an inbound
// group, or the Key of an outbound sequence), Release drops the state of
// some scopes from a running engine without writing anything, and Adopt
// adds the state of some scopes from their records, as Restore would.
// Config.LocalPrefix keeps the engines' names of outbound sequences apart.
//
// The driver never reads the records: they are opaque. What it needs comes
// typed: Fates, per Submit token (numbered with its sequence and number,
// acknowledged, failed with a reason; a token in flight is not numbered
// again, an acknowledged one is answered at once until the driver sends
// Forget, at most MaxKeep: so a caller that gave up waiting and retries
// never sends a message twice); Meta, the driver's opaque data about a
// group (the SOAP version and WS-Addressing namespace its client spoke),
// given on the events that create or carry messages of a group, stored
// with the group and handed back on every Reply and Outbound about it;
// OutboundSequences, the open outbound sequences. The WS-RM version of a
// sequence is not Meta but the engine's own (Protocol): it decides how
// the engine behaves.
//
// # Codecs
//
// DecodeRM and DecodeRel turn a soap.Message into events (xmldoc.Element
// navigation, no other XML parser); EncodeReplies writes the HTTP answer
// for one request's replies (202 without body when there is nothing to
// say), EncodeOutbound a message the gateway sends. Faults are soap.Fault
// values in the request's SOAP version; the RM subcode QNames live in this
// package's one fault table (faults.go).
//
// # Choices
//
// WS-RM February 2005 is a different protocol, not a namespace alias
// (rmversion.go): its sequences are the engine's sequences with Proto
// RM200502, so they share duplicate elimination, ordering, hold-back
// bounds, expiry, idleness and the crash rules with 1.2's. A LastMessage
// fixes the sequence's last number; a later number, a LastMessage below a
// number received, or a second LastMessage of another number is
// LastMessageNumberExceeded (choice for the last two: one of the two
// messages is beyond the other's end). The empty-bodied message of the
// LastMessage action is numbered and acknowledged, never delivered (WCF
// B1202, B1203); with a body it is malformed (choice: nothing is dropped
// unseen). An acknowledgement of nothing is the range 0-0 (WCF B1402). A
// TerminateSequence is answered 202 with no body (the version has no
// TerminateSequenceResponse; WCF treats it as one-way). The Expires of an
// Offer is not used (WCF B1102). A number above MaxMessageNumber is
// MessageNumberRollover in both versions (choice for February 2005, whose
// numbers are xs:unsignedLong: the engine's limit). A WSRMRequired fault
// names every version the engine takes.
//
// Nothing a stranger can use up (choice): every inbound group has a
// lifetime and an idle limit whatever its sender asks (SequenceExpires,
// default 24h; IdleTimeout, default 10m: a WS-RM sequence is granted at
// most the former in CreateSequenceResponse/Expires; a WS-Reliability
// group's groupExpiryTime and groupMaxIdleDuration are capped by them and
// default to them), and the open groups are bounded in all (MaxGroups)
// and per caller (MaxGroupsPerCaller: the driver names the caller of each
// CreateSequence and message, package caller; the engine stores it with
// the group, so the counts are rebuilt by Restore). At a bound
// CreateSequence is refused (CreateSequenceRefused, WS-RM 1.2, 4.6) and a
// message that would open a WS-Reliability group gets
// MessageProcessingFailure; other callers are not affected. A WS-RM
// sequence created by an authenticated caller is bound to it (WS-RM 1.2,
// 5.1.3 Sequence Spoofing; 5.2): another caller's message, CloseSequence,
// TerminateSequence or AckRequested for it gets UnknownSequence (choice:
// not an access fault, so that nothing tells a stranger the sequence
// exists); one created by a client address alone is not bound (rmGroup).
// The same rule (foreign) binds the sequence a CreateSequence offered
// (another caller's SequenceAcknowledgement for it gets UnknownSequence)
// and a WS-Reliability 1.1 group: another caller's message to it gets
// InvalidMessageId (wsrm:FaultCodeEnum; choice: the fault of a groupId
// that names no group of the caller's, as for a groupId used by a WS-RM
// sequence), and a PollRequest about it leaves it out, as unknown.
//
// WS-RM: acknowledgements go in the reply when AcksTo is anonymous, to
// AcksTo otherwise (one per Ready), or wait for MakeConnection when AcksTo
// is a WS-MC anonymous URI. A message that would overflow the hold-back
// buffer (MaxHeld messages per sequence, MaxHeldBytes of payload across
// the engine) is neither accepted nor acknowledged, so the sender retries
// it. (Held payloads are bounded and refused beyond the bound rather than
// spilled: they are on disk already, but a spill would make every drain a
// read; the simpler bound is enough.) The WS-Reliability equivalent is a
// MessageProcessingFailure for that message. After CloseSequence, retransmissions are acknowledged (Final)
// and new numbers get SequenceClosed. A terminated sequence answers
// SequenceTerminated for DupWindow, then UnknownSequence.
//
// WS-Reliability: numbers start at 0 (choice, after ebXML messaging, which
// it derives from). MessageOrder implies duplicate elimination (choice: a
// copy delivered twice breaks the order). Faults about a message are
// reported in the Response header's fault attribute, routed like its
// acknowledgement by reply pattern; InvalidReplyPattern and faults raised
// before a group exists go in the reply. A message with no groupId, or a
// Request or PollRequest the codec cannot read, is a SOAP fault with the
// WS-Reliability subcode (no group to answer in). An ExpiryTime already past
// on arrival is InvalidExpiryTime (choice). A held message whose ExpiryTime
// passes is dropped (MessageProcessingFailure recorded for Poll) and its
// gap skipped. A group ends when its last message and every number before
// it have arrived, or is aborted at groupExpiryTime or after
// groupMaxIdleDuration (later new messages: GroupAborted); duplicate
// elimination state lasts until the group's last ExpiryTime plus DupWindow
// (so that a message found expired in the delivery queue can still be
// reported through its group; at least DupWindow after an abort), but no longer than MaxKeep after the group
// ended, and only while at most MaxGroups ended groups are kept (beyond,
// the one due first is forgotten early). So the guarantee is bounded
// (choice): a duplicate arriving after its group was forgotten is a new
// message of a new group and is delivered again; senders that resend
// that late should use expiry times within MaxKeep. Both group attributes at once are
// InvalidMessageParameters (choice). PollRequest for a group the engine
// does not know is left out of the answer. PermanentProcessingFailure and
// MessageProcessingFailure come from the driver (ProcessingFailed).
//
// # Not implemented
//
//   - WS-Reliability sending side (the gateway sends only WS-RM 1.2).
//   - Fetching a business reply for WS-Reliability Poll/Callback (the
//     documented extension of issue 4 is the driver's).
//   - WS-RM: the offered sequence is created (open, with the Offer's
//     Identifier; it lives as long as the sequence that offered it) but
//     nothing is sent on it: Submit picks the gateway's own sequences by
//     destination, never an offered one (its Identifier is the client's
//     choice, whatever its Endpoint); a SequenceAcknowledgement that comes
//     in a request is taken only for an offered sequence (the gateway's
//     own are acknowledged on the destination's answers);
//     UsesSequenceSTR/SSL; WS-RM Policy assertions; MakeConnection for the
//     sending side's own messages is supported only through the
//     anonymous-URI queue (no selection by sequence Identifier).
//   - Sending side: WS-RM 1.2 only (no February 2005 RM Source: the
//     gateway's outbound sequences to backends speak 1.2); CreateSequence
//     carries no Offer and asks no Expires;
//     one sequence per destination at a time. A sequence with nothing
//     unacknowledged and no Submit for OutboundIdle is closed and
//     terminated (choice: peers free their state; the next Submit opens a
//     new sequence).
package wsreliable
