package gateway

import (
	"net"
	"net/netip"
	"sync"
)

// limitListener bounds the open connections per client IP address
// (ClientLimits.MaxConnsPerAddr): a connection over the bound is closed as
// it is accepted, before a byte is read, so that one address cannot take
// every connection the gateway can hold (slow-client attacks open many
// and send little). (choice) Closed without an answer: the listener may
// serve TLS, and a client over its bound has connections of its own to
// retry on.
type limitListener struct {
	net.Listener
	max int

	mu    sync.Mutex // guards conns
	conns map[netip.Addr]int
}

// newLimitListener wraps ln; max <= 0 returns ln.
func newLimitListener(ln net.Listener, max int) net.Listener {
	if max <= 0 {
		return ln
	}
	return &limitListener{Listener: ln, max: max, conns: make(map[netip.Addr]int)}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ap, perr := netip.ParseAddrPort(c.RemoteAddr().String())
		if perr != nil {
			return c, nil // not an IP connection: nothing to count
		}
		ip := ap.Addr().Unmap()
		l.mu.Lock()
		if l.conns[ip] >= l.max {
			l.mu.Unlock()
			c.Close()
			continue
		}
		l.conns[ip]++
		l.mu.Unlock()
		return &countedConn{Conn: c, l: l, ip: ip}, nil
	}
}

func (l *limitListener) release(ip netip.Addr) {
	l.mu.Lock()
	if l.conns[ip]--; l.conns[ip] <= 0 {
		delete(l.conns, ip)
	}
	l.mu.Unlock()
}

// countedConn gives its count back once closed.
type countedConn struct {
	net.Conn
	l    *limitListener
	ip   netip.Addr
	once sync.Once
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.ip) })
	return err
}
