// Package driver runs the direct path's engines (package direct) on real
// sockets: UDP over golang.org/x/net/ipv4 for multicast (join, TTL,
// loopback, outgoing interface) and unicast. A driver owns one goroutine
// that owns its engine, one that reads the socket, the clock and the
// randomness; the engine owns the protocol.
//
// Choices:
//   - One socket per side (choice): the sender sends data, heartbeats and
//     NCFs from its control address and reads NAKs and Joins there, so a
//     receiver learns where a session's sender is from its datagrams.
//   - Every datagram read is authenticated first (direct.Codec, under the
//     channel's key) and dropped, counted in BadTags, when its tag does
//     not verify; the source address is not trusted for anything else.
//   - A multicast receiver binds the group's address (not 0.0.0.0): it
//     reads that group's datagrams only, and several receivers of one
//     group, or a sender bound to a unicast address, can share the port.
//   - Shutdown drains before it closes: what was published is sent and
//     the repairs asked for are made (until a deadline), then the final
//     heartbeat tells receivers where the session ended.
//   - Group addresses must lie in an allowed range (239.0.0.0/8, the
//     administratively scoped block of RFC 2365, by default); TTL 1 by
//     default keeps datagrams on the local link; multicast loopback is off
//     unless asked for.
//   - The sender's Allow function (the egress allow-list; required in
//     unicast fan-out mode) decides which receivers it deals with: their
//     datagrams are read, and only they are written to (the fan-out, a
//     Demote), checked again at the write.
package driver
