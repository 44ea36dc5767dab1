package egress

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"syscall"
	"time"
)

// DialContext dials like net.Dialer but connects only to addresses the
// policy allows: a host allowed by name may connect wherever it resolves;
// any other host is resolved once, here, with the rule Check applies (every
// address it resolves to must lie in an allowed network, or it is refused
// whole), and only those addresses are dialled, so the address checked is
// the address connected to and no second resolution can differ (DNS
// rebinding). net.Dialer.Control checks each connected IP once more.
func (p *Policy) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, &RefusedError{Address: addr, Reason: "bad address"}
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || !p.allowsPort(port) {
		return nil, &RefusedError{Address: addr, Reason: fmt.Sprintf("port %s not allowed", portStr)}
	}
	byName := p.AllowsHost(host)
	d := &net.Dialer{
		Timeout:   10 * time.Second,
		KeepAlive: 30 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			if byName {
				return nil
			}
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !p.AllowsIP(ap.Addr()) {
				return &RefusedError{Address: addr, Reason: fmt.Sprintf("address %s is not in an allowed network", address)}
			}
			return nil
		},
	}
	if byName {
		return d.DialContext(ctx, network, addr)
	}
	addrs, err := p.allowedAddrs(ctx, host, func(why string) error { return &RefusedError{Address: addr, Reason: why} })
	if err != nil {
		return nil, err
	}
	var first error
	for _, a := range addrs {
		if network == "tcp4" && !a.Unmap().Is4() || network == "tcp6" && a.Unmap().Is4() {
			continue
		}
		c, err := d.DialContext(ctx, network, net.JoinHostPort(a.String(), portStr))
		if err == nil {
			return c, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	if first == nil {
		first = &RefusedError{Address: addr, Reason: "no address of network " + network}
	}
	return nil, first
}

// Transport returns a new *http.Transport that dials through the policy,
// never uses a proxy, speaks TLS with p.TLSClientConfig, and keeps idle
// connections for reuse. Share one per
// component: connections are pooled per transport. Use it through Client,
// which also refuses URLs with user information.
func (p *Policy) Transport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           p.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		TLSClientConfig:       p.TLSClientConfig,
	}
}

// Client returns an *http.Client over t (a new Transport when nil) that
// never follows redirects (a redirect could lead outside the policy),
// refuses a URL with user information (http://user:password@host/: the
// client would send the credentials as Authorization: Basic to wherever
// the address points; Check refuses it too), and times out whole requests
// after timeout (none when zero).
func (p *Policy) Client(t *http.Transport, timeout time.Duration) *http.Client {
	if t == nil {
		t = p.Transport()
	}
	return &http.Client{
		Transport: noUserinfo{t},
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// noUserinfo refuses requests whose URL carries user information before
// anything is dialled.
type noUserinfo struct{ rt http.RoundTripper }

func (n noUserinfo) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.User != nil {
		if r.Body != nil {
			r.Body.Close() // RoundTrip closes the body, even on errors
		}
		return nil, &RefusedError{Address: r.URL.Redacted(), Reason: errUserinfo}
	}
	return n.rt.RoundTrip(r)
}

// CloseIdleConnections closes the idle connections of the transport.
func (n noUserinfo) CloseIdleConnections() {
	if c, ok := n.rt.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
