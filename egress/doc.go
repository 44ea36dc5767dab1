// Package egress is the outbound allow-list of wsgw: it decides where the
// gateway may send a request on someone else's behalf (a WS-Notification
// ConsumerReference or publisher address, a WS-Reliability callback).
//
// A Policy is built from a Config naming the allowed URL schemes, ports,
// host names and IP networks. The zero Config allows nothing: an address
// is reachable only when the configuration names it ("Untrusted
// addresses" in ARCHITECTURE.md).
//
// Two checks apply the same policy:
//
//   - Policy.Check refuses an address early, with a reason a client can
//     read (it resolves a host name once, to tell "does not resolve" and
//     "resolves to a refused address" apart).
//   - The dialer of Policy.Transport checks the IP address it actually
//     connects to, after resolution (net.Dialer.Control), so that a DNS
//     answer that changes between Check and the request (DNS rebinding)
//     cannot reach a refused address. Proxies from the environment are
//     never used and redirects are never followed, for the same reason.
//
// An address is allowed when its scheme is allowed, its port is allowed
// (any port when Config.Ports is empty), and either its host name is one of
// Config.Hosts (exact, or "*.example.com" for any subdomain) or the IP
// address connected to lies in one of Config.CIDRs. The CIDR entry
// "loopback" stands for 127.0.0.0/8 and ::1/128.
package egress
