package gateway

import (
	"encoding/xml"
	"net"
	"net/http"
	"net/netip"
	"net/textproto"
	"strings"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/wssecurity"
)

// hopByHop are the connection-specific header fields a proxy must not
// forward (RFC 9110, 7.6.1; RFC 9112, 6.1 for Transfer-Encoding), plus
// Proxy-Connection and Keep-Alive which old clients still send; as
// canonical keys, the only form http.Header.Del removes.
var hopByHop = map[string]bool{
	"Connection": true, "Proxy-Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true,
	"Proxy-Authorization": true, "Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
}

// delConnectionListed removes from h the fields that Connection header
// values conn list (RFC 9110, 7.6.1).
func delConnectionListed(h http.Header, conn []string) {
	for _, v := range conn {
		for name := range strings.SplitSeq(v, ",") {
			if name = textproto.TrimString(name); name != "" {
				h.Del(name)
			}
		}
	}
}

// copyEndToEnd copies src's fields into dst but the hop-by-hop ones and
// those src's Connection header lists (RFC 9110, 7.6.1), sharing their value slices, which neither side changes.
func copyEndToEnd(dst, src http.Header) {
	for k, vs := range src {
		if !hopByHop[k] {
			dst[k] = vs
		}
	}
	delConnectionListed(dst, src["Connection"])
}

// outboundHeader builds the header of the request forwarded to a backend:
// the client's fields without hop-by-hop ones (Content-Type and SOAPAction
// included), and X-Forwarded-For/-Proto/-Host describing the client's hop.
// Content-Length is set by the transport from the body.
func outboundHeader(r *http.Request, trusted []netip.Prefix) http.Header {
	// A new map sharing the client's value slices, which neither side
	// changes: the fields this hop sets get new slices. Content-Length is
	// the transport's; Expect was answered by this server, it is not the
	// backend's business.
	h := make(http.Header, len(r.Header)+3)
	for k, vs := range r.Header {
		switch {
		case hopByHop[k], k == "Content-Length", k == "Expect", k == "X-Forwarded-For":
		default:
			h[k] = vs
		}
	}
	delConnectionListed(h, r.Header["Connection"])
	ip := remoteIP(r)
	trustedPeer := isTrusted(ip, trusted)
	// A chain from a trusted proxy is extended; one from anybody else is
	// the client's own claim and is replaced by what this hop saw. (The
	// Connection header may list X-Forwarded-For: then there is no chain.)
	var prior []string
	if !connectionLists(r.Header["Connection"], "X-Forwarded-For") {
		prior = r.Header["X-Forwarded-For"]
	}
	switch {
	case !ip.IsValid():
	case trustedPeer && len(prior) > 0:
		h["X-Forwarded-For"] = []string{strings.Join(prior, ", ") + ", " + ip.String()}
	default:
		h["X-Forwarded-For"] = []string{ip.String()}
	}
	if !trustedPeer || len(h["X-Forwarded-Proto"]) == 0 || h["X-Forwarded-Proto"][0] == "" {
		proto := "http"
		if r.TLS != nil {
			proto = "https"
		}
		h["X-Forwarded-Proto"] = []string{proto}
	}
	if !trustedPeer || len(h["X-Forwarded-Host"]) == 0 || h["X-Forwarded-Host"][0] == "" {
		h["X-Forwarded-Host"] = []string{r.Host}
	}
	return h
}

// connectionLists reports whether Connection header values conn list the
// field named (canonically) name.
func connectionLists(conn []string, name string) bool {
	for _, v := range conn {
		for n := range strings.SplitSeq(v, ",") {
			if textproto.CanonicalMIMEHeaderKey(textproto.TrimString(n)) == name {
				return true
			}
		}
	}
	return false
}

// remoteIP returns the IP of the request's peer (invalid when unknown).
func remoteIP(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// clientIP returns the IP of the request's client: its peer's, or, when
// the peer is a trusted proxy, the nearest address of X-Forwarded-For
// that is not a trusted proxy (each proxy appends its peer's).
func clientIP(r *http.Request, trusted []netip.Prefix) netip.Addr {
	ip := remoteIP(r)
	if !isTrusted(ip, trusted) {
		return ip
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return ip // a chain we cannot read: the proxy is the client
		}
		if ip = a.Unmap(); !isTrusted(ip, trusted) {
			return ip
		}
	}
	return ip
}

func isTrusted(ip netip.Addr, trusted []netip.Prefix) bool {
	if !ip.IsValid() {
		return false
	}
	for _, p := range trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// understood reports whether the gateway accepts a mandatory header block
// named n for service s: the WS-Addressing message addressing headers, which
// it reads, wsse:Security when the service has a security section (which
// checks it, security.go), and the service's UnderstoodHeaders.
func (s *service) understood(n xml.Name) bool {
	return soap.IsAddressingHeader(n) || s.understands[n] ||
		s.cfg.Security != nil && wssecurity.IsSecurityHeader(n)
}

// parseClark parses "{namespace}local".
func parseClark(s string) (xml.Name, bool) {
	if !strings.HasPrefix(s, "{") {
		return xml.Name{}, false
	}
	end := strings.IndexByte(s, '}')
	if end < 2 || end == len(s)-1 {
		return xml.Name{}, false
	}
	local := s[end+1:]
	if strings.ContainsAny(local, "{}: \t") {
		return xml.Name{}, false
	}
	return xml.Name{Space: s[1:end], Local: local}, true
}
