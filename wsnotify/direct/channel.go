package direct

import (
	"net/netip"
	"time"
)

// Transport names how a channel reaches receivers.
type Transport string

// Transports.
const (
	TransportMulticast Transport = "multicast"
	TransportUnicast   Transport = "unicast"
)

// Channel describes one direct path as a subscriber needs to know it: what
// a Subscribe handler will fill and encode in its response (a wsgwd:Channel
// extension element), and what the agents are configured from.
type Channel struct {
	Session   uint64
	Transport Transport
	Group     netip.AddrPort // multicast group and port (TransportMulticast)
	TTL       int
	Control   netip.AddrPort // the sender's control address: NAKs and Joins
	MTU       int
	Window    time.Duration
	MaxRate   int64  // bytes per second
	StartSeq  uint64 // the lead when the channel was handed out
	Epoch     uint32
}
