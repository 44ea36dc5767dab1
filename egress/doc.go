// Package egress is the outbound allow-list of wsgw: it decides where the
// gateway may send a request on someone else's behalf (a WS-Notification
// ConsumerReference or publisher address, a WS-Reliability callback).
//
// A Policy is built from a Config naming the allowed URL schemes, ports,
// host names and IP networks. The zero Config allows nothing: an address
// is reachable only when the configuration names it ("Untrusted
// addresses" in ARCHITECTURE.md).
//
// Two checks apply the same policy, with one rule for host names
// (allowedAddrs): a name not allowed by name is allowed only when every
// address it resolves to lies in an allowed network.
//
//   - Policy.Check refuses an address early, with a reason a client can
//     read: the gateway checks every address a client gives (a consumer or
//     publisher reference, an AcksTo, ReplyTo, FaultTo or Offer endpoint)
//     when the request arrives, so that nothing is acknowledged that could
//     never be sent.
//   - Policy.DialContext (the dialer of Policy.Transport) applies the same
//     rule when it connects: it resolves the name once and dials only the
//     addresses it checked (and checks the IP actually connected to once
//     more, in net.Dialer.Control), so a name with one refused address is
//     refused at dial time too, and a DNS answer that changes between Check
//     and the request (DNS rebinding) cannot reach a refused address.
//     Proxies from the environment are never used and redirects are never
//     followed, for the same reason; Policy.Client refuses a URL with user
//     information (http://user:password@host/), which would send the
//     credentials in an Authorization header.
//
// An address is allowed when its scheme is allowed, its port is allowed
// (any port when Config.Ports is empty), and either its host name is one of
// Config.Hosts (exact, or "*.example.com" for any subdomain) or the IP
// address connected to lies in one of Config.CIDRs. The CIDR entry
// "loopback" stands for 127.0.0.0/8 and ::1/128.
package egress
