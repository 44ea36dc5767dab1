package egress

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wsgw/wsgw/internal/fielderr"
)

// ErrRefused is wrapped by every *RefusedError.
var ErrRefused = errors.New("egress refused")

// RefusedError says why an outbound address is refused.
type RefusedError struct {
	Address string // the URL, or host:port at dial time
	Reason  string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("egress to %s refused: %s", e.Address, e.Reason)
}

// Unwrap returns ErrRefused.
func (e *RefusedError) Unwrap() error { return ErrRefused }

// Config is the allow-list. Every zero field allows nothing, except Schemes
// (zero: http and https) and Ports (zero: any port).
type Config struct {
	// CIDRs are the networks the gateway may connect to ("10.0.0.0/8",
	// "192.0.2.7", "loopback" for 127.0.0.0/8 and ::1/128).
	CIDRs []string
	// Hosts are host names allowed whatever they resolve to: exact names
	// ("consumer.example.com") or "*.example.com" for any subdomain.
	Hosts []string
	// Schemes allowed; zero means http and https.
	Schemes []string
	// Ports allowed; zero means any port.
	Ports []int
}

// Loopback is the Config that allows http and https to loopback addresses
// only (the `wsgw demo` policy and tests).
func Loopback() Config { return Config{CIDRs: []string{"loopback"}} }

// Validate reports every invalid entry as *fielderr.Error values (paths
// such as "CIDRs[1]"), in field order.
func (c Config) Validate() error {
	_, err := New(c)
	return err
}

// Resolver resolves host names; *net.Resolver implements it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Policy is a compiled Config. It is immutable and safe for concurrent use.
type Policy struct {
	nets    []netip.Prefix
	hosts   []string // lower case; "*.x" entries are suffix matches
	schemes []string
	ports   []int
	// Resolver used by Check and DialContext; net.DefaultResolver when nil.
	Resolver Resolver
	// TLSClientConfig is the TLS configuration of Transport (CA bundle,
	// client certificate); nil: the system roots and no client
	// certificate.
	TLSClientConfig *tls.Config
}

// New compiles c; the error lists every invalid entry with its field path,
// as Validate does.
func New(c Config) (*Policy, error) {
	p := &Policy{schemes: []string{"http", "https"}}
	var errs fielderr.List
	var root fielderr.Path
	for i, s := range c.CIDRs {
		nets, err := parseNet(s)
		if err != nil {
			errs.Add(root.Field("CIDRs").Index(i), "%w", err)
		}
		p.nets = append(p.nets, nets...)
	}
	for i, h := range c.Hosts {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" || strings.ContainsAny(h, "/:@ ") || strings.Count(h, "*") > 1 ||
			strings.Contains(h, "*") && !strings.HasPrefix(h, "*.") {
			errs.Add(root.Field("Hosts").Index(i), "%q is not a host name or *.domain", h)
			continue
		}
		p.hosts = append(p.hosts, h)
	}
	if len(c.Schemes) > 0 {
		p.schemes = nil
	}
	for i, s := range c.Schemes {
		s = strings.ToLower(s)
		if s != "http" && s != "https" {
			errs.Add(root.Field("Schemes").Index(i), "%q: only http and https", s)
		}
		p.schemes = append(p.schemes, s)
	}
	for i, port := range c.Ports {
		if port < 1 || port > 65535 {
			errs.Add(root.Field("Ports").Index(i), "%d out of range 1-65535", port)
		}
		p.ports = append(p.ports, port)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

func parseNet(s string) ([]netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "loopback") {
		return []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}, nil
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return []netip.Prefix{netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())}, nil
	}
	pf, err := netip.ParsePrefix(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not an IP address, a CIDR or \"loopback\"", s)
	}
	if a := pf.Addr(); a.Is4In6() && pf.Bits() >= 96 {
		// AllowsIP compares unmapped addresses: ::ffff:10.0.0.0/104 is 10.0.0.0/8.
		pf = netip.PrefixFrom(a.Unmap(), pf.Bits()-96)
	}
	return []netip.Prefix{pf.Masked()}, nil
}

// AllowsIP reports whether a lies in an allowed network.
func (p *Policy) AllowsIP(a netip.Addr) bool {
	a = a.Unmap()
	for _, n := range p.nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// AllowsHost reports whether the host name is allowed by name.
func (p *Policy) AllowsHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, h := range p.hosts {
		if h == host || strings.HasPrefix(h, "*.") && strings.HasSuffix(host, h[1:]) {
			return true
		}
	}
	return false
}

func (p *Policy) allowsPort(port int) bool {
	return len(p.ports) == 0 || slices.Contains(p.ports, port)
}

// Check refuses rawURL early with a *RefusedError saying why; it resolves a
// host name that is not allowed by name (bounded to 2 seconds).
func (p *Policy) Check(rawURL string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return p.CheckContext(ctx, rawURL)
}

// CheckContext is Check with the caller's context for the resolution.
func (p *Policy) CheckContext(ctx context.Context, rawURL string) error {
	refuse := func(why string) error { return &RefusedError{Address: rawURL, Reason: why} }
	u, err := url.Parse(rawURL)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return refuse("not an absolute http(s) URL")
	}
	// A refusal names the address without its password.
	refuse = func(why string) error { return &RefusedError{Address: u.Redacted(), Reason: why} }
	if u.User != nil {
		return refuse(errUserinfo)
	}
	scheme := strings.ToLower(u.Scheme)
	if !slices.Contains(p.schemes, scheme) {
		return refuse(fmt.Sprintf("scheme %q not allowed", u.Scheme))
	}
	port, err := urlPort(u, scheme)
	if err != nil {
		return refuse(err.Error())
	}
	if !p.allowsPort(port) {
		return refuse(fmt.Sprintf("port %d not allowed", port))
	}
	host := u.Hostname()
	if _, err := netip.ParseAddr(host); err != nil && p.AllowsHost(host) {
		return nil
	}
	_, err = p.allowedAddrs(ctx, host, refuse)
	return err
}

// errUserinfo is the reason a URL with user information is refused.
const errUserinfo = "user information in the URL is not allowed"

// allowedAddrs is the one rule for a host not allowed by name, applied by
// Check at arrival and by DialContext at dial time: an IP literal must lie
// in an allowed network; a name is resolved (Resolver) and every address
// it resolves to must, or the name is refused whole. It returns the
// addresses, or refuse's error saying why.
func (p *Policy) allowedAddrs(ctx context.Context, host string, refuse func(string) error) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		if !p.AllowsIP(a) {
			return nil, refuse(fmt.Sprintf("address %s is not in an allowed network", a))
		}
		return []netip.Addr{a}, nil
	}
	if len(p.nets) == 0 {
		return nil, refuse(fmt.Sprintf("host %q not allowed", host))
	}
	var r Resolver = net.DefaultResolver
	if p.Resolver != nil {
		r = p.Resolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return nil, refuse(fmt.Sprintf("host %q does not resolve", host))
	}
	for _, a := range addrs {
		if !p.AllowsIP(a) {
			return nil, refuse(fmt.Sprintf("host %q resolves to %s, not in an allowed network", host, a.Unmap()))
		}
	}
	return addrs, nil
}

func urlPort(u *url.URL, scheme string) (int, error) {
	ps := u.Port()
	if ps == "" {
		if scheme == "https" {
			return 443, nil
		}
		return 80, nil
	}
	port, err := strconv.Atoi(ps)
	if err != nil || port < 1 || port > 65535 {
		return 0, fmt.Errorf("bad port %q", ps)
	}
	return port, nil
}
