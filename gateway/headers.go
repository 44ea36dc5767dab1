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
// Proxy-Connection and Keep-Alive which old clients still send.
var hopByHop = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// stripHopByHop removes the hop-by-hop fields from h, and every field the
// Connection header lists (RFC 9110, 7.6.1).
func stripHopByHop(h http.Header) {
	for _, v := range h["Connection"] {
		for _, name := range strings.Split(v, ",") {
			if name = textproto.TrimString(name); name != "" {
				h.Del(name)
			}
		}
	}
	for _, name := range hopByHop {
		h.Del(name)
	}
}

// outboundHeader builds the header of the request forwarded to a backend:
// the client's fields without hop-by-hop ones (Content-Type and SOAPAction
// included), and X-Forwarded-For/-Proto/-Host describing the client's hop.
// Content-Length is set by the transport from the body.
func outboundHeader(r *http.Request, trusted []netip.Prefix) http.Header {
	// A new map sharing the client's value slices, which neither side
	// changes: the fields this hop sets get new slices.
	h := make(http.Header, len(r.Header)+3)
	for k, vs := range r.Header {
		h[k] = vs
	}
	stripHopByHop(h)
	h.Del("Content-Length")
	h.Del("Expect") // answered by this server, not the backend's business
	ip := remoteIP(r)
	trustedPeer := isTrusted(ip, trusted)
	// A chain from a trusted proxy is extended; one from anybody else is
	// the client's own claim and is replaced by what this hop saw.
	prior := h.Values("X-Forwarded-For")
	h.Del("X-Forwarded-For")
	switch {
	case !ip.IsValid():
	case trustedPeer && len(prior) > 0:
		h.Set("X-Forwarded-For", strings.Join(prior, ", ")+", "+ip.String())
	default:
		h.Set("X-Forwarded-For", ip.String())
	}
	if !trustedPeer || h.Get("X-Forwarded-Proto") == "" {
		proto := "http"
		if r.TLS != nil {
			proto = "https"
		}
		h.Set("X-Forwarded-Proto", proto)
	}
	if !trustedPeer || h.Get("X-Forwarded-Host") == "" {
		h.Set("X-Forwarded-Host", r.Host)
	}
	return h
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
