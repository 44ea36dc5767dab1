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
// any other host only to an allowed network, checked on the resolved IP in
// net.Dialer.Control, so DNS cannot bypass the policy.
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
	return d.DialContext(ctx, network, addr)
}

// Transport returns a new *http.Transport that dials through the policy,
// never uses a proxy, speaks TLS with p.TLSClientConfig, and keeps idle
// connections for reuse. Share one per
// component: connections are pooled per transport.
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
// never follows redirects (a redirect could lead outside the policy) and
// times out whole requests after timeout (none when zero).
func (p *Policy) Client(t *http.Transport, timeout time.Duration) *http.Client {
	if t == nil {
		t = p.Transport()
	}
	return &http.Client{
		Transport: t,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
