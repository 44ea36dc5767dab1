// Package wsnotify is wsgw's WS-Notification broker: an OASIS
// WS-BrokeredNotification 1.3 NotificationBroker with the
// WS-BaseNotification 1.3 producer, subscription manager and pull-point
// interfaces, and WS-Topics 1.3 topic expressions (package topic).
//
// # Specifications
//
//   - WS-BaseNotification 1.3 (OASIS Standard, 1 October 2006):
//     3 NotificationConsumer (3.2 Notify, wrapped and raw), 4
//     NotificationProducer (4.2 Subscribe with Filter: TopicExpression,
//     MessageContent, ProducerProperties; InitialTerminationTime as
//     dateTime or duration; SubscriptionPolicy UseRaw; 4.3
//     GetCurrentMessage), 5 pull points (CreatePullPoint, GetMessages,
//     DestroyPullPoint, Notify into the pull point), 6 SubscriptionManager
//     (6.1 Renew, 6.2 Unsubscribe) and PausableSubscriptionManager (6.3
//     PauseSubscription, 6.4 ResumeSubscription). Messages and faults as in
//     b-2.xsd and bw-2.wsdl; faults carry the WSRF BaseFault (bf-2.xsd)
//     Timestamp and Description, ResourceUnknownFault is WSRF r-2's.
//   - WS-BrokeredNotification 1.3 (OASIS Standard, 1 October 2006): 4
//     NotificationBroker (Notify from publishers, RequiresRegistration), 5
//     RegisterPublisher (Demand: the broker subscribes to the publisher
//     while its topics are wanted, pauses when not), 6
//     PublisherRegistrationManager DestroyRegistration. br-2.xsd, brw-2.wsdl.
//   - WS-Topics 1.3: the Simple, Concrete and Full dialects (package topic),
//     a fixed or open topic set.
//   - WS-Addressing 1.0: EPRs for every reference the broker returns;
//     reference parameters of a ConsumerReference are sent as header blocks.
//
// # Endpoints
//
// Handler serves /wsn/NotificationBroker, /wsn/subscriptions/{id},
// /wsn/CreatePullPoint, /wsn/pullpoints/{id} and /wsn/registrations/{id}.
// GET /wsn/NotificationBroker?wsdl publishes the broker's WSDL (wsdl.go):
// SOAP 1.1 bindings of the OASIS port types, importing the OASIS WSDLs and
// schemas, which are embedded and served from the broker too (?wsdl=N,
// ?xsd=N), so toolkits load it offline.
// Operations are dispatched on the body element's QName, so any SOAPAction
// or wsa:Action variant is accepted. Identifiers are 128-bit random; the
// id in a reference's address is what manages the resource (no reference
// parameters are issued). Faults are answered in the request's SOAP
// version; the fault table is in faults.go.
//
// # Choices
//
//   - MessageContent is evaluated with the payload (the child of
//     wsnt:Message) as context node and as the root's only child of a
//     document of its own, so both "ncex:Producer='15'" (ServiceMix) and
//     "/message[text()='derp']" (OKSE) select what their authors meant.
//     Namespace prefixes resolve in the scope of the MessageContent
//     element; unprefixed names have no namespace (XPath 1.0).
//   - ProducerProperties is evaluated over the broker's resource properties
//     document (wsn-br:NotificationBrokerRP) with its root as context.
//   - A Notify whose Topic is not in a fixed topic set is dropped and
//     counted (Notify is one-way); a malformed Notify gets a Sender fault.
//   - The retained current message of a topic is the payload of the last
//     message published on it.
//   - A best-effort subscription's queue is in memory and bounded; a
//     message arriving at a full queue is dropped and counted, and what
//     the queue holds is lost with the process. Subscriptions,
//     registrations, pull points and their messages, current messages and
//     dead letters are in the Store and survive a restart; so do the
//     queues of durable subscriptions (below).
//   - Delivery queues are per subscription (package delivery): a consumer
//     with several subscriptions has several queues, each bounded; the
//     number of subscriptions per consumer endpoint (scheme, host, port) is bounded too
//     (Config.MaxSubscriptionsPerConsumer). Workers are shared and bounded.
//   - Namespace scope: filters' prefix bindings are the declarations in
//     scope at the filter element (xmldoc Element.InScopeNamespaces);
//     payloads and reference parameters re-sent in another envelope are
//     self-contained fragments carrying every inherited declaration, so
//     QName-valued content keeps its meaning (nsscope.go).
//   - Nothing a stranger can use up: every resource a request creates is
//     bounded in all and per caller (MaxSubscriptionsPerCaller,
//     MaxPullPointsPerCaller, MaxRegistrationsPerCaller, and
//     Durable.MaxSubscriptionsPerCaller for durable subscriptions, whose
//     queues are bounded each, so a caller's share of the disk is too; a
//     publisher's WS-RM sequences by the RM destination's engine; the caller is
//     the one Options.Guard names, else the client's address, package
//     caller), stored with the resource so that the counts are rebuilt
//     after a restart. At a bound the caller gets the operation's fault
//     (SubscribeCreationFailedFault, UnableToCreatePullPointFault,
//     PublisherRegistrationRejectedFault) and others are not affected.
//     Subscriptions and registrations live until their termination time
//     (at most MaxTermination; without a Renew, DefaultTermination: a
//     subscription nobody renews is idle); pull points, which have no
//     termination time, end PullPointLifetime after their creation or
//     PullPointIdleTimeout after their messages were last taken. The sweep
//     removes what ended, also at start (after a restart).
//   - Access (Options.Guard, guard.go): the host names the caller of each
//     request and may refuse an operation, a Notify on a topic, a
//     Subscribe or GetCurrentMessage on a concrete topic; a subscription
//     whose expression may select several topics is delivered only the
//     messages of topics its caller may receive.
//   - A request whose Content-Length is over Limits.MaxBytes is refused
//     before its body is read.
//   - An empty InitialTerminationTime is not a valid time:
//     UnacceptableInitialTerminationTimeFault; absent or xsi:nil takes
//     Config.DefaultTermination.
//
// # Durable subscriptions (reliable pub-sub)
//
// WS-BaseNotification promises nothing about delivery, and WS-RM and
// WS-Reliability are point to point: a queue in front of a bus keeps what
// reaches whoever is subscribed now, not what is owed to whoever is meant
// to receive. A durable subscription is the named, lasting statement of
// a desired receiver: the broker keeps, for it, every message it matches,
// in a queue of its own, until the consumer has it or the subscription's
// retention gives it up. It extends WS-BaseNotification 1.3 as follows.
//
// Negotiation (policy.go, policy_durable.go). SubscriptionPolicy (4.2) is
// xsd:any; the broker recognises:
//
//   - wsnt:UseRaw (4.2);
//   - wsrmp:RMAssertion of WS-RM Policy 1.2 (OASIS Standard, 2 February
//     2009; 2.2 normative outline: an optional nested wsp:Policy holding
//     wsrmp:DeliveryAssurance with one of ExactlyOnce, AtLeastOnce,
//     AtMostOnce and an optional InOrder): the consumer is a WS-RM 1.2 RM
//     Destination and asks for that assurance. The policy is attached to
//     the subscription, the subject the consumer's endpoint would carry it
//     on in WS-RM Policy 1.2, 2.3. (choice) AtMostOnce, or no assurance,
//     is granted ExactlyOnce; SequenceSTR and SequenceTransportSecurity
//     are UnsupportedPolicyRequestFault.
//   - wsgwd:Delivery (namespace urn:wsgw:delivery:1), wsgw's extension for
//     what no standard names: Retention (maxAge as xsd:duration,
//     maxMessages, maxBytes: what is kept for a consumer that does not
//     take it) and DeadLetter (maxAttempts: deliveries before a message is
//     given up; 0, the default, never; at most
//     DurableConfig.MaxAttemptsLimit). Alone it asks for a durable
//     subscription delivered over plain HTTP. (choice) A maxAge under a
//     second is granted a second. An element or attribute the extension
//     does not define is UnsupportedPolicyRequestFault (4.2 of
//     WS-BaseNotification 1.3 names it for a policy the producer does not
//     support), its UnsupportedPolicy QNames naming the unknown elements
//     (and for an unknown attribute the element carrying it), its
//     Description each of them: a misspelt value is not granted the
//     defaults without a word.
//
// A policy element of another namespace is UnrecognizedPolicyRequestFault,
// as before; a recognised one the broker cannot honour (a pull point
// consumer, no durable queue or RM source, a malformed value)
// UnsupportedPolicyRequestFault. DurableConfig.All makes every push
// subscription durable (at least once over plain HTTP unless its policy
// asks for WS-RM). SubscribeResponse states what was granted in a
// wsgwd:Delivery element after its standard content (b-2.xsd allows
// xsd:any namespace="##other" there): durable, protocol (ws-rm-1.2 or
// http), assurance, inOrder (always true), the Retention and DeadLetter
// values granted (each at most the broker's DurableConfig bound). A
// best-effort subscription's response has no such element, as another
// broker's would not.
//
// What is kept, and for how long. From the moment a Notify is answered
// (HTTP 202: the Notify is one-way, 3.2), each notification it carries is
// on disk in the queue of every durable subscription it matched, synced
// (one sync serves the Notify's deliveries to all durable subscriptions
// and those of concurrent Notifies). It stays there until the consumer
// has it, or it is given up to the broker's dead-letter list: older than
// maxAge, beyond maxMessages or maxBytes (the oldest go first, so the
// newest are kept; the durable queue holds every durable subscription,
// at most DurableConfig.MaxSubscriptions, at its retention, so consumers
// that stay down never fill it for the others), after maxAttempts
// deliveries, or at once when it is larger than
// DurableConfig.MaxMessageBytes (reason "too large": the Notify still
// reaches the other subscriptions); each is counted
// (wsgw_wsn_durable_dead_letters_total by reason) and listed with its
// subscription, reason and content. A paused subscription (6.3) keeps
// what it is sent, within the same retention, and ResumeSubscription
// (6.4) delivers it oldest first; a consumer that is down keeps its
// backlog, retried with backoff (DurableConfig.Backoff, whose maximum is
// the longest a consumer that comes back waits), and holds no worker
// while it waits, so others are not delayed: a WS-RM delivery holds a
// worker (DurableConfig.Workers) only to hand the message to the RM
// source, its acknowledgement is awaited apart, one per subscription
// (the engine retransmitting meanwhile), so consumers that are down or
// never answer leave the workers to the others; a plain delivery holds
// its worker for the HTTP attempt (DurableConfig.Timeout at most), and
// with DurableConfig.WorkersPerCaller below Workers (not by default: the
// share is not work-conserving) one caller's plain deliveries hold at
// most that many workers (its others wait, unattempted: Settler.Defer;
// (choice) a bound per caller, not per set of callers:
// Workers/WorkersPerCaller callers whose consumers never answer still
// hold every worker, each attempt for Timeout). Unsubscribe (6.2) and the
// end of the subscription (its termination time, 6.1) delete the queue
// and what it holds. Everything survives a crash of the process
// (kill -9) and a restart.
//
// What "delivered" means, per assurance. Every durable subscription is
// delivered in order, one message at a time: a message is sent only once
// the one before it is delivered or given up.
//
//   - WS-RM ExactlyOnce: each message is sent over WS-RM 1.2 on the
//     subscription's own outbound sequence (WS-RM 1.2, 3.4-3.7; the
//     broker is the RM Source), numbered once per delivery id (a
//     redelivery waits for the same message number), and delivered when
//     the destination's SequenceAcknowledgement covers it (3.9). The
//     sequence's state survives a crash, so the message is retransmitted
//     under its number, never sent as a new one; the destination's
//     duplicate detection (2.4) completes exactly once. The one case a
//     message can reach the destination twice is a sequence the broker
//     gives up (its retransmissions exhausted, a fault) after the
//     destination got the message but before its acknowledgement came
//     back: the message goes again on a new sequence, with the same
//     Wsgw-Delivery-Id header for the destination to drop it.
//   - WS-RM AtLeastOnce: the same mechanism; the broker promises no more
//     than at least once.
//   - Plain (http): at least once. One message per Notify request, with
//     the header Wsgw-Delivery-Id naming it (the subscription and the
//     message's queue id, the same on every attempt); delivered when the
//     consumer answers 2xx. A crash after the consumer answered and
//     before the broker recorded it sends the message again, under the
//     same id.
//
// Publisher to broker. A publisher can send its Notify to the broker
// endpoint inside a WS-RM 1.2 sequence (publish.go): the broker's RM
// destination stores each message before acknowledging it and hands the
// Notifies to the broker once, in order, so publisher -> broker ->
// consumer is reliable end to end.
//
// The durable queue is declared here (Queue, durable.go): one FIFO group
// per subscription of one queue; storage/badgerstore.SubscriptionQueue
// implements it on badgerq (its doc says why one queue with groups), and
// NATS JetStream can (a work-queue stream, a subject per subscription,
// MaxAckPending 1 per subject for the order; Nats-Msg-Id the mark).
//
// # Storage
//
// The broker declares what it needs of a store (Store, store.go):
// Resources, a key-value view of its resources by kind (subscriptions,
// registrations, orphaned publisher subscriptions, pull points, current
// messages) with revisions and compare-and-set; and Lists, bounded
// ordered lists (a pull point's messages, what a paused pull-point
// subscription holds, the dead letters). Every write returns once synced,
// so whatever an operation answers after a write survives a crash (one
// durability rule). The broker keeps a record's revision in memory and
// writes conditioned on it: Renew and Pause apply their change again to
// the stored record when it changed meanwhile, the expiry sweep deletes
// only the revision it saw and loads back one renewed meanwhile, a record
// deleted meanwhile is never stored again. storage/badgerstore implements
// Store on one node (its doc gives the key layout); package storetest
// holds the contract any implementation must pass.
//
// NATS JetStream (storage/natsstore, several nodes) maps onto it; its
// package doc gives the layout. Two things the mapping taught the seam:
// Resources has Watch (the current records, ChangeLoaded, then other
// nodes' changes, a value overwritten before it was reported possibly
// skipped), and the lists of a kind share one bound (JetStream keeps
// per-subject limits per stream).
//
// # Several nodes
//
// With Options.Shared, nodes share the Store (shared.go): each follows it
// (follow.go) so that its subscriptions, pull points, registrations and
// topic index are those of every node; push deliveries are handed off
// (Handoff: a sharded work queue whose each shard one node takes at a
// time), so each subscription's deliveries are made by one node at a
// time; demand-based publishing runs on the Leader. (choice) A node learns
// of a subscription made at another one within the watch's latency
// (milliseconds): a Notify at that node in between does not reach it. A
// handed delivery is taken once it is in the taking node's memory queue:
// a node killed then loses what its queues held (until reliable delivery
// makes queues durable), as a single node does.
//
// (choice) What the Store does not promise: Appends to several lists are
// not atomic together, nor is a Read followed by its DeleteThrough
// (GetMessages): two nodes taking from one pull point at the same instant
// may both return a message. Within one node the broker serialises them
// (ppMu).
//
// # API
//
// Open(Store, Config, Options) loads the broker and starts nothing
// (Options.Queue, RM and RMDestination make durable subscriptions and WS-RM
// publishers possible);
// Handler is mounted by the gateway; Run(ctx) delivers, sweeps expired
// resources and reconciles demand-based publishers until ctx ends, and
// stops every goroutine it started before it returns; Close releases
// connections and metrics (the Store is its opener's).
package wsnotify
