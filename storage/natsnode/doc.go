// Package natsnode is a gateway node's place in a NATS JetStream cluster:
// a NATS server embedded in the process (Config.Embedded), or a connection
// to an existing cluster (Config.URL). storage/natsstore keeps the
// broker's state on it.
//
// # Lifecycle
//
// New validates the configuration and starts nothing. Open starts the
// embedded server, connects (in-process to the embedded server), and waits
// until JetStream answers an account info request, which needs a meta
// leader, so a quorum of the cluster, within Config.StartTimeout; then it
// checks durability (below). When it cannot, it says why as far as the
// node can tell (the peers it cannot reach, a cluster name the peers
// refuse, a store dir it cannot write) and leaves nothing running: `wsgw
// serve` joins the cluster before it listens, so such a node serves
// nothing. (choice) A node needs a quorum, not every peer, to start: a
// cluster with one node down can restart its other nodes. Run refreshes the
// Status (JetStream health, meta leader, peers, routes) every second for
// /readyz and the metrics (Collectors); Close closes the connection and
// shuts the embedded server down.
//
// # Durability
//
// NATS's default syncs the file store every two minutes: an acknowledged
// write can be lost by a power failure or an OS crash on a quorum of
// nodes, which Jepsen showed losing acknowledged writes in NATS 2.12.1
// (jepsen.io/analyses/nats-2.12.1, December 2025). An embedded server runs
// with SyncAlways (sync_interval: always): every write is fsynced before
// the server acknowledges it. A server this process does not run is
// checked: its JetStream configuration is read from its monitoring data
// ($SYS.REQ.SERVER.PING.VARZ, answered by every server of the cluster;
// only a system-account connection, Config.SystemURL, may ask: neither the
// INFO line nor JetStream's account info carry the setting), and a server
// that does not sync every write is refused. Without an answer the node
// refuses to start unless Config.AssumeSyncAlways states the operator's
// word. Jepsen's other findings (bit flips on a minority, snapshot
// corruption, membership changes under partitions) are not cured by
// fsync: run three or five nodes in separate failure domains, on
// checksumming file systems, and change membership only when the cluster
// is quiet.
package natsnode
