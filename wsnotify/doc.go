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
//   - Queues are in memory and bounded; a message arriving at a full queue
//     is dropped and counted. Subscriptions, registrations, pull points and
//     their messages, current messages and dead letters are in the Store
//     and survive a restart; in-flight queue contents do not (until reliable
//     delivery is bridged to wsreliable).
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
//     MaxPullPointsPerCaller, MaxRegistrationsPerCaller; the caller is
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
// Open(Store, Config, Options) loads the broker and starts nothing;
// Handler is mounted by the gateway; Run(ctx) delivers, sweeps expired
// resources and reconciles demand-based publishers until ctx ends, and
// stops every goroutine it started before it returns; Close releases
// connections and metrics (the Store is its opener's).
package wsnotify
