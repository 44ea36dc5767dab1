// Package natsstore keeps the WS-Notification broker's state in NATS
// JetStream (wsnotify.Store, and the delivery handoff wsnotify.Handoff),
// so that several gateway nodes share one broker, and the state of
// reliable services (Reliable: wsreliable/driver.Store and
// driver.Cluster), so that several nodes run one service.
// storage/badgerstore is the one-node store; storage/natsnode runs or
// reaches the JetStream cluster.
//
// # Layout
//
// Everything a store makes is named after its prefix P (Options.Prefix,
// "wsn" for the gateway's broker) and made on first use with file storage
// and Options.Replicas:
//
//   - Records of kind K: KV bucket P_K (stream KV_P_K), history 1, key
//     base64url(key) (topics hold '{', '}', ':'), the revision the entry's
//     stream sequence. Create is kv.Create (storage.ErrExists), Update(rev)
//     kv.Update with the expected last subject sequence (a wrong one:
//     storage.ErrConflict, or storage.ErrNotFound when a Get finds no
//     record), Delete a purge of the key conditioned the same way, whose
//     marker is removed after an hour (choice: long enough for every
//     watching node to see it). The bucket has direct gets turned off, so
//     that a Get is answered by the stream's leader and sees every
//     acknowledged write.
//   - Scan and Watch are the bucket's watch (an ordered consumer), started
//     once every replica that is not offline has caught up with the
//     leader: JetStream places that consumer on any replica, and one that
//     restarted a moment ago would report "initial values" without writes
//     a quorum acknowledged. A watch may skip a value overwritten or
//     deleted before it got to it (one value per key); a key's last change
//     it always reports.
//   - Lists of kind K: stream P_L_K, subject P.l.K._{base64url(ID)}, the
//     entry's sequence number the stream sequence. The kind's bound is the
//     stream's per-subject limit (MaxMsgsPerSubject; DiscardNew with
//     DiscardNewPerSubject for DropNew), so the stream refuses a value
//     for a full pull point whichever node appends. Append publishes all
//     values asynchronously and returns when every one is acknowledged,
//     in order on one connection and never retried (a retry would land
//     behind later values). Read gets the subject's next message from the
//     leader, one request per entry; DeleteThrough and Drop purge the
//     subject; IDs are the subjects the stream holds.
//   - The delivery handoff: work-queue stream P_Q (handoff.go).
//
// # Reliable services
//
// Reliable (reliable*.go) names everything of a service after P =
// "rm_" + the service's name ('-' and '.' escaped), with
// ReliableOptions.Replicas:
//
//   - Engine records: KV bucket P_rec, each write conditioned on the
//     revision this node last saw (compare-and-set), the records of one
//     Commit one atomic batch (reliable_records.go). A record belongs to
//     a shard (FNV-1a of its scope modulo ReliableOptions.Shards) or to
//     the node that wrote it.
//   - Shard holders: keys "o.{shard}" of P_rec, changed by conditioned
//     writes only (Claim, Release); heartbeats: bucket P_hb, one key per
//     node with a per-message TTL (reliable_members.go). The driver moves
//     shards to the node rendezvous hashing picks among the live ones.
//   - Deliveries: work-queue stream P_Q, subject P.q.{shard}, the
//     delivery ID as Nats-Msg-Id within a de-duplication window of at
//     least ten minutes (a Commit publishes its deliveries before its
//     records; repeated after a failure, a delivery is dropped as a
//     duplicate), bounded by the queue's MaxLength (DiscardNew). Each
//     shard has one durable consumer with MaxAckPending 1, pulled by its
//     holder only (reliable_queue.go).
//   - Dead letters: stream P_D, after the queue's MaxAttempts deliveries;
//     kept replies: bucket P_mb (reliable_mailbox.go).
//   - Requests for a sequence whose shard another node holds go to it on
//     subject P.fwd.{node} (reliable_forward.go).
//
// A node whose heartbeat has not been written for NodeTTL (no quorum)
// is not Available: the driver refuses reliable messages busy, and since
// every write needs a quorum's acknowledgement, nothing it acknowledges
// is unreplicated.
//
// # Durability
//
// A write returns once JetStream acknowledged it: stored by a quorum of
// the stream's replicas. storage/natsnode runs embedded servers with
// SyncAlways and refuses user-supplied servers that do not sync every
// write, because NATS's default (fsync every two minutes) loses
// acknowledged writes on a power failure or an OS crash (Jepsen,
// NATS 2.12.1, December 2025). Each call is bounded by Options.Timeout;
// a node that lost its quorum gets no acknowledgement and the call fails:
// the broker answers with a fault, never with an acknowledgement of what
// is not replicated.
package natsstore
