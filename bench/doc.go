// Package bench drives the benchmarks of `wsgw bench` that compare wsgw
// with a peer system run side by side on the same machine. Performance is
// reported as ratios against that peer, never as an absolute figure a test
// asserts: the machines the project runs on are shared and their disks'
// sync latency varies by an order of magnitude from one minute to the next.
//
// # Durable enqueue
//
// Durable measures the durable queue of the gateway (queueing/badgerq on a
// fresh badger store opened with SyncWrites, as `wsgw serve` opens it):
// Load.Messages messages of Load.Size random bytes are enqueued by
// Load.Concurrency producers, each calling Enqueue and waiting for it to
// return before sending its next message. A message is acknowledged when
// Enqueue returns: it is then synced to disk (badgerq's durability
// contract; concurrent calls share one sync, group commit).
//
// AMQP does the same against an AMQP 0-9-1 broker, RabbitMQ being the
// intended peer: a durable queue declared for the run (and deleted after
// it), persistent messages (delivery mode 2) published to it through the
// default exchange, one channel in confirm mode per producer, and each
// producer waiting for the broker's confirm of a message before it sends
// the next. RabbitMQ confirms a persistent message routed to a durable
// queue once it is written to disk (fsynced), so both sides measure the same
// thing: the time from send to "the system says it is on disk".
//
// # WS-RM through the gateway
//
// WSRM measures the reliable path end to end, in one process on loopback:
// a gateway (package gateway) serving the stock-quote example as a
// reliable service (WS-RM 1.2, exactly once, in order) on a fresh badger
// store, in front of the example's backend. Each producer creates a
// sequence (AcksTo anonymous, before the clock starts) and sends SetQuote
// messages padded to Load.Size bytes; a message is acknowledged when the
// HTTP reply carries a SequenceAcknowledgement covering it, which the
// gateway sends once the message is on disk (wsreliable/driver). The run
// also reports when the backend had every message. Its peer (cmd/wsgw)
// is the raw durable queue that path writes to, Durable with the same load
// measured right before in the same run: issue 12's goal is WS-RM
// throughput at least half of it. Like
// examples/demo, this package wires a gateway and is imported by cmd/wsgw
// only.
//
// Each run yields a Result: throughput (messages over the wall time of the
// whole run, connection and store setup excluded) and the
// acknowledgement latency of every message, reported as p50, p99
// (nearest rank) and max. A Report holds the wsgw side, the peer side
// when it was measured (or why it was not), and the ratios wsgw/peer of
// throughput (above 1: wsgw is faster) and p99 latency (below 1: wsgw
// acknowledges sooner).
package bench
