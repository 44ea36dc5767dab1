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

// Request is what a subscriber or a publisher asks of the broker for the
// direct path: the wsgwd:Direct element, in a Subscribe's
// SubscriptionPolicy or a RegisterPublisher's extension content.
type Request struct {
	// Transports are those acceptable, in order of preference; empty:
	// multicast.
	Transports []Transport
	// Required: without the direct path the Subscribe fails
	// (UnsupportedPolicyRequestFault); otherwise the broker falls back to
	// HTTP delivery and grants no channel.
	Required bool
	// Control is a publisher's agent's control address (RegisterPublisher
	// only): where the receivers send their NAKs and Joins.
	Control netip.AddrPort
}

// Accepts reports whether t is one of r's transports.
func (r Request) Accepts(t Transport) bool {
	if len(r.Transports) == 0 {
		return t == TransportMulticast
	}
	for _, a := range r.Transports {
		if a == t {
			return true
		}
	}
	return false
}

// Channel is one direct path as the broker grants it: the wsgwd:Channel
// element of a SubscribeResponse (what a receive agent joins and follows)
// or of a RegisterPublisherResponse (what a send agent sends on, in the
// Session it was given).
type Channel struct {
	// Topic is the one concrete topic the channel carries, in Clark
	// notation ("{namespace}root/child").
	Topic     string
	Transport Transport
	Group     netip.AddrPort // multicast group and port (TransportMulticast)
	TTL       int
	Key       []byte // KeySize bytes: the tag key of every datagram
	MTU       int
	Window    time.Duration
	MaxRate   int64         // bytes per second, each sender
	RTT       time.Duration // the round-trip time the senders advertise
	// Session is the session a registered publisher sends in, and Control
	// the address its sender of the channel binds: the control address its
	// agent asked with, the port plus the channel's index among the
	// registration's (RegisterPublisherResponse only).
	Session uint64
	Control netip.AddrPort
	// Senders are the channel's senders when it was granted: the broker's
	// own and the registered publishers' (SubscribeResponse only; a
	// receiver follows later ones from their datagrams).
	Senders []Peer
}
