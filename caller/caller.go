// Package caller names who sends a request, for the bounds every caller
// has on what its requests create (WS-RM sequences, WS-Reliability groups,
// WS-Notification subscriptions, pull points and publisher
// registrations), so that no stranger can use up what others need.
//
// One notion for every protocol: a caller is the identity the gateway
// authenticated (a wsse:UsernameToken's user, a verified TLS client
// certificate), else the client's network address. The gateway works it
// out (gateway/security.go) and hands it down as a plain value, in the
// request's context; the engines store it with what a request creates, so
// that per-caller counts are rebuilt after a restart.
//
// (choice) An IPv6 client is counted by its /64 prefix: one host commonly
// holds a whole /64, and counting each of its addresses apart would give
// it 2^64 shares.
package caller

import (
	"context"
	"net"
	"net/netip"
	"strings"
)

// ID names a caller: "user:NAME", "cert:SUBJECT" or "addr:IP" (an IPv6
// /64 as "addr:PREFIX/64"). The zero ID is nobody in particular: no
// per-caller bound applies to it.
type ID string

// User is the caller authenticated as the user name.
func User(name string) ID { return ID("user:" + name) }

// Certificate is the caller authenticated by a TLS client certificate of
// subject that no user lists.
func Certificate(subject string) ID { return ID("cert:" + subject) }

// Address is an unauthenticated caller at ip.
func Address(ip netip.Addr) ID {
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return ID("addr:" + p.String())
	}
	return ID("addr:" + ip.String())
}

// RemoteAddr is the caller at an http.Request's RemoteAddr ("host:port");
// the zero ID when it holds no IP address.
func RemoteAddr(hostport string) ID {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return ""
	}
	return Address(ip)
}

// Authenticated reports whether id is an authenticated identity.
func (id ID) Authenticated() bool {
	return strings.HasPrefix(string(id), "user:") || strings.HasPrefix(string(id), "cert:")
}

// UserName returns the user name of a "user:" ID.
func (id ID) UserName() (string, bool) { return strings.CutPrefix(string(id), "user:") }

// Subject returns the certificate subject of a "cert:" ID.
func (id ID) Subject() (string, bool) { return strings.CutPrefix(string(id), "cert:") }

type ctxKey struct{}

// NewContext returns ctx carrying id.
func NewContext(ctx context.Context, id ID) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// FromContext returns the ID ctx carries; the zero ID when none.
func FromContext(ctx context.Context) ID {
	id, _ := ctx.Value(ctxKey{}).(ID)
	return id
}

// Counts counts what each caller holds of one kind of resource. The zero
// ID is never counted. It is not safe for concurrent use.
type Counts map[ID]int

// Add adds n (negative: removes) to id's count.
func (c Counts) Add(id ID, n int) {
	if id == "" {
		return
	}
	if c[id] += n; c[id] <= 0 {
		delete(c, id)
	}
}

// Full reports whether id already holds max (max <= 0: no bound).
func (c Counts) Full(id ID, max int) bool { return id != "" && max > 0 && c[id] >= max }
