// Package driver runs a wsreliable.Engine for one reliable service: it
// owns the goroutines, the clock, the durable state, the delivery to the
// backend and the HTTP I/O that the deterministic engine leaves out (see
// wsreliable/doc.go; the split follows etcd raft's node over RawNode).
//
// # Lifecycle
//
// New(cfg, opts) restores the engine from the records in opts.Store and
// starts nothing. Run(ctx) runs the engine loop (one goroutine: it alone
// touches the engine) and the consumer that delivers to the backend, until
// ctx ends. The Store is the caller's: it opens it before New (its queue
// with Config.QueueOptions) and closes it after Run has returned.
// HandleRequest is the entry of the gateway: it decodes an already-read
// *soap.Message into events (WS-RM 1.2 or February 2005, answered in the
// version the client spoke; WS-MakeConnection 1.1; WS-Reliability 1.1), refuses client addresses the egress
// allow-list refuses (refusal.go), hands the events to the loop, and
// returns the HTTP answer once every record the answer depends on is on
// disk. The caller the gateway names in ctx (package caller) goes with
// each CreateSequence and message to the engine, which bounds the open
// sequences and groups per caller (wsreliable.Config.MaxGroupsPerCaller).
// A message over Config.MaxMessageBytes is refused with a Sender fault.
//
// # Storage seams
//
// The driver declares what it needs of storage (store.go), and
// storage/badgerstore implements it on the node's badger DB:
//
//	Journal  Records, Commit       the engine's records, opaque, written
//	                               with the deliveries they cause
//	Queue    Lease, Ready, Ack,    the durable delivery queue; Ack keeps the
//	         Nack, Len             backend's reply with the ack
//	Mailbox  TakeReply,            kept replies, picked up at least once
//	         SettleReply
//
// Every method returns once its writes are durable (synced). The engine's
// records are never read by the driver: what it needs comes typed from
// Ready (Fates for SubmitRM, Meta for the SOAP version of a group) and
// from Engine.OutboundSequences.
//
// NATS JetStream (issue 9) maps onto the same interfaces: Journal.Records
// lists a KV bucket of the service's engine records and Commit publishes
// the deliveries to a work-queue stream with Nats-Msg-Id set to the
// delivery ID, then writes the records to the bucket with compare-and-set
// on the revisions it read (a node that lost the race reloads and fails
// the step); since KV and stream cannot commit together, a crash between
// the two leaves deliveries without their records, and the engine,
// restored without the mark, delivers the client's retransmission again
// under the same ID, which the stream's de-duplication drops (within its
// duplicate window: wsreliable.Ready documents this fallback). Queue maps
// to a pull consumer with explicit acks: Lease fetches with AckWait as the
// visibility, Nack is Nak with a delay, MaxAttempts is MaxDeliver (a
// message past it is moved to a dead-letter stream by the adapter), and
// the per-group order is a subject per group with MaxAckPending 1 per
// subject, or one consumer per group. Ack with a reply writes the reply to
// a mailbox KV bucket under the box and the message's stream sequence
// first, then acks: a crash between writes the reply again under the same
// key when the delivery is repeated. Mailbox is
// that bucket: TakeReply moves the oldest reply of a box to a leased key
// with compare-and-set, SettleReply deletes it or clears its lease; a
// reply's lifetime is the bucket's TTL. Several gateway nodes then share
// a service: the engine's records are the unit of ownership (one node
// steps a service's engine at a time: a KV lease record).
//
// # Ready, in order
//
// For each Ready the loop (1) commits every Persist record and every
// Deliver entry in one atomic, synced write (Journal.Commit: badgerq
// EnqueueWith; one Ready's deliveries are bounded by the engine's
// MaxRelease so that they fit one transaction), (2) answers the waiting
// requests, (3) starts the Sends (acknowledgements to AcksTo,
// WS-Reliability Callback responses) through the egress client, in the
// SOAP version and WS-Addressing namespace of their group (its Meta,
// meta.go), (4) ends SubmitRM's waiters by
// their Fates. A crash therefore never leaves a delivery without the
// engine's mark that it was delivered, or the reverse: a client's
// retransmission is acknowledged, not delivered again. A failed step drops
// the answers (the requests get a Receiver fault) and rebuilds the engine
// from the store. A request whose new messages the delivery queue
// (MaxQueue) has no room for is refused alone before the engine sees it: a
// Receiver fault, 503 with Retry-After (for WS-RM the message stays
// unacknowledged, for WS-Reliability the sender resends it); the other
// requests of its batch proceed and nothing is reloaded. The engine is
// told the queue's room before each step (wsreliable.Engine.
// SetDeliveryRoom): held messages a filled gap or an ended sequence
// releases wait in the engine for room rather than fail the write.
//
// # Store-and-forward
//
// The consumer leases from the queue, Workers deliveries at a time (a
// finished delivery frees its slot at once), and calls Backend.Deliver
// with the stored envelope (the RM headers removed) and its original
// Content-Type and SOAPAction, plus the header Wsgw-Delivery-Id (the
// delivery's ID, so a backend can drop the one repeat this package cannot
// rule out: a crash after the backend answered and before the ack was
// written). Every message of a group (sequence) is in one queue group, so
// a group is delivered in order, one message at a time, while groups
// proceed in parallel. A failed delivery is nacked with the queue's
// backoff and dead-lettered after the queue's MaxAttempts; one the backend
// rejects (ErrRejected) is dropped at once, logged. Either way a
// WS-Reliability sender learns of it (PermanentProcessingFailure). A
// WS-Reliability message whose ExpiryTime has passed when its turn comes
// is dropped, logged and counted as dead-lettered, and its sender gets a
// MessageProcessingFailure where the reply pattern has a way (Callback:
// sent to ReplyTo; Poll: in PollRequest answers; for Response only a
// later PollRequest shows it). The queue's own expiry is not used for it:
// the queue would dead-letter the message without the driver seeing it.
// WS-RM has no message for it; WS-RM messages carry no ExpiryTime. A
// backend that is down therefore only delays delivery: messages are
// acknowledged to the client as soon as they are on disk.
//
// # Replies
//
// The backend's reply to a delivered request is kept, in the write that
// acks the delivery, when the request's wsa:ReplyTo is a WS-MakeConnection
// anonymous URI (WS-MC 1.1, 3.1): a MakeConnection for that address
// returns the oldest stored reply (with wsmc:MessagePending when more
// wait) before anything the engine holds for it. Pickup is at least once:
// the reply is deleted only when the gateway reports the answer written
// (HandleRequestDone); an answer that failed, or was never reported within
// DeliveryTimeout (a crash), leaves the reply for the next MakeConnection.
// A ReplyTo that is a real address gets the reply POSTed there through the
// egress allow-list; a fault goes to the request's FaultTo instead when it
// gave one (WS-Addressing 1.0 Core 3.4; a FaultTo of none drops it). An
// anonymous ReplyTo gets nothing: the request was answered (acknowledged)
// long before the backend saw it. The answer to a CreateSequence,
// CloseSequence or TerminateSequence whose ReplyTo (FaultTo, for a fault)
// is a real address is POSTed there, and the request answered 202
// (replyto.go). Every such address is checked against the allow-list when
// the request arrives (refusal.go): what the gateway takes, it can send.
//
// WS-Reliability 1.1 has no message to fetch a business reply: its
// PollRequest returns acknowledgements only. The backend's reply to a
// WS-Reliability message is therefore kept (by groupId and number) and
// given out once to a wsgw extension request, ReplyRequest; NSReplyRequest
// documents it and why it exists.
//
// # Sending side (outbound.go)
//
// The gateway as RM Source speaks WS-RM 1.2 only: a backend reached over
// WS-RM (Config.BackendRM) must take 1.2, whatever version the clients
// of the service speak.
//
// The engine's outbound messages (CreateSequence, sequence messages,
// CloseSequence, TerminateSequence) are POSTed through Options.Client and
// their answers fed back to the engine: a CreateSequenceResponse is
// Created (any other fault to a CreateSequence: refused), the
// SequenceAcknowledgement headers of any answer AckReceived (a fault's
// too: the application's fault to a message the destination took), a
// WS-RM fault PeerFault. Nothing is retried here: retransmission is the engine's, at
// Tick. With Config.BackendRM the Backend sends the stored deliveries over
// WS-RM with SubmitRM, which submits the message with the delivery ID as
// the engine's token and returns once the engine reports it acknowledged:
// the delivery queue entry is acknowledged only then, so a peer that
// crashes loses nothing. Each sequence message carries the delivery ID in
// Wsgw-Delivery-Id too. A delivery retried while its message is in flight
// waits for it, and one retried after a late acknowledgement (its earlier
// attempt timed out) is answered at once: the engine remembers
// acknowledged tokens, persisted, until the consumer has acked the queue
// entry and sends Forget (a crash between the two leaves the token until
// MaxKeep). The engine's outbound sequences, and their tokens, survive a
// restart, so across a crash of this process a message is sent once per
// delivery ID (retransmissions of it use the same sequence and number).
// Outbound sequences are closed and terminated after Config.OutboundIdle
// without a Submit (the engine's OutboundIdle) and when Run ends (for at
// most 2s).
package driver
