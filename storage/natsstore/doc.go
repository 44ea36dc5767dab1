// Package natsstore keeps the WS-Notification broker's state in NATS
// JetStream (wsnotify.Store, and the delivery handoff wsnotify.Handoff),
// so that several gateway nodes share one broker. storage/badgerstore is
// the one-node store; storage/natsnode runs or reaches the JetStream
// cluster.
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
