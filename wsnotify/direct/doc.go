// Package direct is the direct data path of the WS-Notification broker:
// notifications flow from a publisher's agent to subscribers' agents by IP
// multicast (or unicast fan-out), not through the broker, with sequence
// numbers, NAK-based repair, and a repair rate that cannot become a storm.
// WS-Notification stays the control plane (the negotiation that fills a
// Channel is not here yet).
//
// The package is a deterministic engine, in the style of etcd raft and of
// package wsreliable: a Sender and a Receiver take packets and clock ticks
// and return datagrams to send, notifications to deliver and gaps to
// report (Ready/Advance); they hold no goroutine, socket or clock, and
// their randomness is injected. Package driver runs them on sockets;
// package agent is the HTTP side of the agents (`wsgw direct`).
//
// Specifications followed, and how:
//
//   - NORM, RFC 5740: the receiver's NAK back-off, a truncated exponential
//     draw over [0, K·RTT] for the group size (5.3; ExponentialRand of RFC
//     5401), K = 4; suppression by what is heard (5.3); the sender gathers
//     NAKs for (K+1)·RTT before repairing (5.4.1); sync-current late join:
//     a receiver starts at the first datagram it hears and never asks for
//     earlier ones (5.2); a receiver asking for what left the window is
//     told the window's edges (5.4.3, NORM_CMD(SQUELCH); here a heartbeat).
//   - PGM, RFC 3208: the sender confirms every NAK at once with an NCF to
//     the group, identical NCFs rate-limited (5.2), which cancels other
//     receivers' pending NAKs (6.3); repairs only within the transmit
//     window (5.3), whose edges heartbeats (SPMs) carry: 100 ms after
//     data, doubling to 2 s when idle (5.1.5, heartbeat SPMs; choice of
//     values), and at least every 2 s while data flows (5.1.4, ambient
//     SPMs); one rate limit over everything the source sends (5.1.1,
//     TXW_MAX_RTE), NCFs before repairs and data (5.1.3, which puts NCFs
//     before SPMs too; here heartbeats go first and NCFs share the repair
//     budget: choice); a receiver starts with the first datagram it
//     receives and asks for nothing earlier (6.1).
//   - SOAP-over-UDP 1.1 (OASIS, 2009): each data datagram is one SOAP 1.2
//     envelope with wsa:To, wsa:Action and wsa:MessageID, carrying the
//     wsnt:Notify of WS-BaseNotification 1.3 (3.2) and a wsgwd:Seq header
//     that is not mustUnderstand (wire_data.go). NAK, NCF, heartbeat,
//     demote and join are a compact binary format (wire_ctl.go).
//   - TIBCO Rendezvous's retransmission control and Aeron's linger:
//     a receiver that keeps losing is demoted, and a range is repaired at
//     most once per linger.
//
// Choices:
//
//   - (choice) Sequence numbers are 64-bit per (session, epoch), from 1,
//     never wrapping; a new epoch (a restarted sender) makes what a
//     receiver had not resolved a gap.
//   - (choice) A notification larger than one datagram (MTU 1200 by
//     default) is split into base64 wsgwd:Fragment bodies; a receiver
//     delivers it whole, and only when the bytes make one wsnt:Notify
//     element, or reports all its datagrams in a gap.
//   - (choice) Storm cap: a token bucket over all bytes sent (default
//     10 MiB/s); what NAKs cause (repairs and the NCFs confirming them) is
//     further held to RepairFraction (25%) of the data bytes sent plus
//     RepairFloor (64 KiB/s); the buckets lend one datagram. Heartbeats
//     and demotions go first, then NCFs, then repairs, then data. Over
//     MaxRepairQueue the oldest waiting repair is dropped; over 256
//     waiting NCFs, the new one.
//   - (choice) NCFs carry the sender's bound on how long its queue and
//     budget hold repairs back, so receivers wait for a confirmed repair
//     instead of giving up on it.
//   - (choice) A receiver gives up a sequence after MaxNAKs (5) waits
//     without its repair (PGM's NCF and data retries in one count), or when
//     a heartbeat's trail passes it, and reports a Gap: never a silent loss.
//   - (choice) Demotion: a receiver whose NAKed sequences exceed 5% of
//     those sent, in two 10 s intervals in a row (an interval with fewer
//     than 100 sent counts only for a receiver that NAKed 100 or more), or
//     that NAKs beyond the lead (what no sender sent), has its NAKs
//     ignored for 60 s and is told (Demote), again at most once per linger
//     while it keeps NAKing (a Demote can be lost too); it turns its
//     losses into gaps at once, to recover over HTTP.
//   - (choice) The RTT is configured (10 ms, at least 2 ms) and
//     advertised, not measured; the group size is the number of receivers
//     that joined. No congestion control beyond the configured rate.
//   - (choice) Unicast fan-out copies every group datagram to each joined
//     receiver (at most 64); repair works unchanged, and the caps count
//     every copy.
//   - (choice) Every datagram carries a tag, HMAC-SHA256 under the
//     channel's 256-bit key truncated to 128 bits (RFC 2104; mac.go): a
//     datagram whose tag does not verify is dropped and counted before it
//     is decoded, by receivers and senders alike. The key is part of the
//     engines' configuration and the tag is made and checked in the wire
//     codec (Codec), so the engines stay deterministic. The key is shared
//     by a channel's senders and receivers: it keeps out whoever was not
//     given the channel, not a party to it.
//   - (choice) A channel may carry several sessions (the broker's own
//     sender and each registered publisher's agent): Sessions follows
//     each, learning its sender's address from its datagrams.
//   - (choice) Close ends a session with a final heartbeat whose trail
//     passes everything numbered: receivers report what they lack as a
//     gap at once (GapClosed), published notifications never sent
//     included.
package direct
