package driver

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	"golang.org/x/net/ipv4"

	"github.com/wsgw/wsgw/internal/fielderr"
)

// NetConfig is where the datagrams go and how.
type NetConfig struct {
	// Group is the multicast group and port of the data (multicast mode).
	Group netip.AddrPort
	// Interface is the name of the interface to send and join on; "" lets
	// the system choose (the route to the group).
	Interface string
	TTL       int  // multicast TTL; default 1
	Loopback  bool // deliver multicast to this host's own sockets too
	// AllowedGroups bounds Group; default 239.0.0.0/8.
	AllowedGroups []netip.Prefix
	// Listen is the local address: the sender's control address (NAKs and
	// Joins come here; default 0.0.0.0:0), or the receiver's socket
	// (default the group and its port, which takes that group's datagrams
	// only and lets several receivers of it share the port; unicast mode:
	// any address and port).
	Listen netip.AddrPort
	// Unicast: no multicast; the sender copies each datagram to each
	// receiver that joined.
	Unicast bool
	// Allow is the sender's egress allow-list of receivers: datagrams from
	// an address it refuses are dropped unread, and nothing is written to
	// one (the unicast fan-out, a Demote answering a NAK). Required in
	// unicast mode; optional in multicast mode, where without it a NAK
	// from anywhere may be answered with a Demote to its source (smaller
	// than the NAK).
	Allow func(netip.Addr) bool
	// ReadBuffer is the socket's receive buffer in bytes (SO_RCVBUF);
	// default DefaultReadBuffer. The kernel caps it at net.core.rmem_max
	// unless the process may exceed it (Linux: CAP_NET_ADMIN, SO_RCVBUFFORCE).
	ReadBuffer int
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// DefaultReadBuffer is the default receive buffer (choice): 4 MiB holds
// about 2,000 datagrams of an MTU of 1,200 on Linux (each costs about
// twice its size in the buffer), a burst of 8 ms at 1 Gbit/s, while the
// loop is not scheduled. The system's default (212,992 bytes on Linux)
// held about 100: on a busy host a receiver lost 4.5% of a burst of
// datagrams to a full buffer before reading them, and every loss is a
// NAK, a repair and the deliveries after it held back meanwhile.
const DefaultReadBuffer = 4 << 20

// maxReadBuffer bounds ReadBuffer (choice).
const maxReadBuffer = 256 << 20

var defaultGroups = []netip.Prefix{netip.MustParsePrefix("239.0.0.0/8")}

func (c NetConfig) withDefaults() NetConfig {
	if c.TTL == 0 {
		c.TTL = 1
	}
	if len(c.AllowedGroups) == 0 {
		c.AllowedGroups = defaultGroups
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.ReadBuffer == 0 {
		c.ReadBuffer = DefaultReadBuffer
	}
	return c
}

// validate reports every invalid field as *fielderr.Error values; sender
// says which side is configured (a receiver learns its senders from its
// engine's configuration and their datagrams).
func (c NetConfig) validate(sender bool) error {
	var l fielderr.List
	var root fielderr.Path
	add := func(p fielderr.Path, f string, a ...any) { l.Add(p, f, a...) }
	d := c.withDefaults()
	if !c.Unicast {
		switch g := c.Group.Addr(); {
		case !c.Group.IsValid() || c.Group.Port() == 0:
			add(root.Field("Group"), "required: a multicast group and port such as 239.192.0.1:7400")
		case !g.Is4() || !g.IsMulticast():
			add(root.Field("Group"), "%v is not an IPv4 multicast address", g)
		default:
			in := false
			for _, p := range d.AllowedGroups {
				in = in || p.Contains(g)
			}
			if !in {
				add(root.Field("Group"), "%v is outside the allowed ranges %v", g, d.AllowedGroups)
			}
		}
	}
	for i, p := range c.AllowedGroups {
		if !p.Addr().Is4() || !p.Addr().IsMulticast() {
			add(root.Field("AllowedGroups").Index(i), "%v is not an IPv4 multicast range", p)
		}
	}
	if c.ReadBuffer < 0 || c.ReadBuffer > maxReadBuffer {
		add(root.Field("ReadBuffer"), "%d is outside 0..%d", c.ReadBuffer, maxReadBuffer)
	}
	if c.TTL < 0 || c.TTL > 255 {
		add(root.Field("TTL"), "%d is outside 0..255", c.TTL)
	}
	if sender && c.Unicast && c.Allow == nil {
		add(root.Field("Allow"), "required in unicast mode (the egress allow-list of receivers)")
	}
	return l.Err()
}

// conn is a UDP socket with the multicast options set.
type conn struct {
	pc  net.PacketConn
	p   *ipv4.PacketConn
	cfg NetConfig
}

func listen(cfg NetConfig, addr netip.AddrPort, join bool) (*conn, error) {
	pc, err := net.ListenPacket("udp4", addr.String())
	if err != nil {
		return nil, fmt.Errorf("listening on %v: %w", addr, err)
	}
	if err := pc.(*net.UDPConn).SetReadBuffer(cfg.ReadBuffer); err != nil {
		pc.Close()
		return nil, fmt.Errorf("setting the receive buffer: %w", err)
	}
	forceReadBuffer(pc.(*net.UDPConn), cfg.ReadBuffer)
	c := &conn{pc: pc, p: ipv4.NewPacketConn(pc), cfg: cfg}
	if cfg.Unicast {
		return c, nil
	}
	var ifi *net.Interface
	if cfg.Interface != "" {
		if ifi, err = net.InterfaceByName(cfg.Interface); err != nil {
			pc.Close()
			return nil, fmt.Errorf("finding interface %s: %w", cfg.Interface, err)
		}
		if err := c.p.SetMulticastInterface(ifi); err != nil {
			pc.Close()
			return nil, fmt.Errorf("setting the multicast interface: %w", err)
		}
	}
	if err := c.p.SetMulticastTTL(cfg.TTL); err != nil {
		pc.Close()
		return nil, fmt.Errorf("setting the multicast TTL: %w", err)
	}
	if err := c.p.SetMulticastLoopback(cfg.Loopback); err != nil {
		pc.Close()
		return nil, fmt.Errorf("setting multicast loopback: %w", err)
	}
	if join {
		if err := c.p.JoinGroup(ifi, &net.UDPAddr{IP: cfg.Group.Addr().AsSlice()}); err != nil {
			pc.Close()
			return nil, fmt.Errorf("joining %v: %w", cfg.Group.Addr(), err)
		}
	}
	return c, nil
}

// packet is a datagram read from the socket.
type packet struct {
	from netip.AddrPort
	b    []byte
}

// readBatch is how many datagrams one system call may read (choice:
// recvmmsg on Linux; 8 buffers of the largest datagram, 512 KiB a socket).
const readBatch = 8

// readLoop reads datagrams into in until the socket is closed, as many a
// system call as are queued (up to readBatch); reads counts the calls.
// When in is full (the engine loop is behind) it waits, counted in waits:
// what arrives meanwhile stays in the socket's receive buffer (4 MiB by
// default), and only when that is full does the kernel drop. Before, it
// dropped each datagram in is full had no room for, while the buffer
// behind it was empty: a receiver of a burst on a busy host lost
// datagrams (4% where 1% were lost on the way, bench direct) that the
// buffer was made to hold.
func (c *conn) readLoop(in chan<- packet, waits, reads *atomic.Int64) {
	ms := make([]ipv4.Message, readBatch)
	for i := range ms {
		ms[i].Buffers = [][]byte{make([]byte, 65536)}
	}
	for {
		reads.Add(1)
		n, err := c.p.ReadBatch(ms, 0)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				close(in)
				return
			}
			continue
		}
		for _, m := range ms[:n] {
			ua, ok := m.Addr.(*net.UDPAddr)
			if !ok {
				continue
			}
			p := packet{from: ua.AddrPort(), b: append([]byte(nil), m.Buffers[0][:m.N]...)}
			select {
			case in <- p:
			default:
				waits.Add(1)
				in <- p // the run loop takes it, or drains in once it has returned
			}
		}
	}
}

func unmap(a netip.AddrPort) netip.AddrPort { return netip.AddrPortFrom(a.Addr().Unmap(), a.Port()) }
