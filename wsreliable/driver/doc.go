// Package driver runs a wsreliable.Engine for one reliable service: it
// owns the goroutines, the clock, the badger store, the durable delivery
// queue and the HTTP I/O that the deterministic engine leaves out (see
// wsreliable/doc.go; the split follows etcd raft's node over RawNode).
//
// # Lifecycle
//
// New(cfg, opts) opens the service's durable queue and restores the engine
// from the records stored under the service's key prefix. Run(ctx) runs
// the engine loop (one goroutine: it alone touches the engine) and the
// consumer that delivers to the backend, until ctx ends. Close, after Run
// has returned (or without Run), closes the queue. HandleRequest is the
// entry of the gateway: it decodes an already-read *soap.Message into
// events, hands them to the loop, and returns the HTTP answer once every
// record the answer depends on is on disk.
//
// # Persistence: one store, own prefix
//
// Under prefix P ("rm/<service>/"):
//
//	P e/<engine key>        engine records (wsreliable.Record), Restore input
//	P e/\x00v/<group>       the SOAP version a group's client spoke (one
//	                        byte), written and deleted with its group's
//	                        record, so messages sent after a restart
//	                        without a request use it
//	P q/...                 the durable delivery queue (queueing/badgerq)
//	P d/<delivery id>       done marks: deliveries the backend has taken
//	                        (badger TTL: Config.DoneTTL)
//	P r/<address>\x00<seq>  backend replies waiting for a WS-MakeConnection
//	P l/<address>\x00<seq>  replies given out, until the answer carrying
//	                        them is written (lease deadline + reply)
//
// # Ready, in order
//
// For each Ready the loop (1) enqueues the Deliver entries in one
// EnqueueBatch (group commit, synced), (2) writes every Persist record in
// one badger transaction (the DB is opened with SyncWrites), (3) answers
// the waiting requests, (4) starts the Sends (acknowledgements to AcksTo,
// WS-Reliability Callback responses) through the egress client, (5) logs
// Failed. badgerq cannot join an outside transaction, so steps 1 and 2 are
// two commits; deliveries go first. A crash between them loses nothing
// acknowledged (no answer was sent) but may enqueue a delivery twice: the
// engine, restored without its delivered mark, delivers the client's
// retransmission again. The consumer drops such repeats by
// wsreliable.Delivery.ID (the done marks), so deliveries stay in order and
// are handed to the backend once. A failed step drops the answers (the
// requests get a Receiver fault) and rebuilds the engine from the store.
// A request whose new messages the delivery queue (MaxQueue) has no room
// for is refused alone before the engine sees it: a Receiver fault, 503
// with Retry-After (for WS-RM the message stays unacknowledged, for
// WS-Reliability the sender resends it); the other requests of its batch
// proceed and nothing is reloaded.
//
// # Store-and-forward
//
// The consumer leases from the queue and calls Backend.Deliver with the
// stored envelope (the RM headers removed) and its original Content-Type
// and SOAPAction, plus the header Wsgw-Delivery-Id (the delivery's ID, so a
// backend can drop the one repeat this package cannot rule out: a crash
// after the backend answered and before the done mark was written). Every
// message of a group (sequence) is in one badgerq FIFO group, so a group
// is delivered in order, one message at a time, while groups proceed in
// parallel. A failed delivery is nacked with the queue's backoff and
// dead-lettered after Config.MaxAttempts; one the backend rejects
// (ErrRejected) is dropped at once, logged. Either way a WS-Reliability
// sender learns of it (PermanentProcessingFailure). A WS-Reliability
// message whose ExpiryTime has passed when its turn comes is dropped,
// logged and counted as dead-lettered, and its sender gets a
// MessageProcessingFailure where the reply pattern has a way (Callback:
// sent to ReplyTo; Poll: in PollRequest answers; for Response only a
// later PollRequest shows it). The queue's own expiry is not used for it:
// the queue would dead-letter the message without the driver seeing it.
// WS-RM has no message for it; WS-RM messages carry no ExpiryTime. A backend that is down therefore only
// delays delivery: messages are acknowledged to the client as soon as they
// are on disk. One process owns the store, so when the consumer starts,
// every lease in the queue is an earlier process's: it releases them
// (badgerq ReleaseLeases) rather than wait for their visibility timeouts.
//
// # Replies
//
// The backend's reply to a delivered request is kept when the request's
// wsa:ReplyTo is a WS-MakeConnection anonymous URI (WS-MC 1.1, 3.1): a
// MakeConnection for that address returns the oldest stored reply (with
// wsmc:MessagePending when more wait) before anything the engine holds for
// it. Pickup is at least once: the reply is deleted only
// when the gateway reports the answer written (HandleRequestDone); an
// answer that failed, or was never reported within DeliveryTimeout (a
// crash), leaves the reply for the next MakeConnection. A ReplyTo that is a real address gets the reply POSTed there through
// the egress allow-list. An anonymous ReplyTo gets nothing: the request was
// answered (acknowledged) long before the backend saw it.
//
// WS-Reliability 1.1 has no message to fetch a business reply: its
// PollRequest returns acknowledgements only. The backend's reply to a
// WS-Reliability message is therefore kept (by groupId and number) and
// given out once to a wsgw extension request, ReplyRequest; NSReplyRequest
// documents it and why it exists.
//
// # Sending side (outbound.go)
//
// The engine's outbound messages (CreateSequence, sequence messages,
// CloseSequence, TerminateSequence) are POSTed through Options.Client and
// their answers fed back to the engine: a CreateSequenceResponse is
// Created (any other fault to a CreateSequence: refused), the
// SequenceAcknowledgement headers of any answer AckReceived, a WS-RM fault
// PeerFault. Nothing is retried here: retransmission is the engine's, at
// Tick. With Config.BackendRM the Backend sends the stored deliveries over
// WS-RM with SubmitRM, which returns once the peer's acknowledgement
// covers the message: the delivery queue entry is acknowledged only then,
// so a peer that crashes loses nothing. A delivery retried while its
// message is still unacknowledged waits for that message rather than
// submitting it again. Outbound sequences are closed and terminated after
// Config.OutboundIdle without a Submit and when Run ends (for at most 2s).
// A restart drops the engine's outbound sequences (the queue entries not
// yet acknowledged are submitted again on a new sequence), so a crash
// between the peer's acknowledgement and the queue's ack can send a
// message twice, on two sequences: across a crash of this process the
// delivery is at least once (the peer gets no delivery ID to drop it).
package driver
