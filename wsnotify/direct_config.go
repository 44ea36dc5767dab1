package wsnotify

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/wsgw/wsgw/internal/fielderr"
	"github.com/wsgw/wsgw/wsnotify/direct"
)

// DirectConfig configures the direct paths the broker hands out (package
// direct): a Subscribe whose SubscriptionPolicy asks for one
// (wsgwd:Direct) is granted a channel for its topic, and a registered
// publisher whose RegisterPublisher asks for one is told which channel
// carries which of its topics. Each channel has a slot: slot i is the
// group Groups' address + 1 + i, on port Port + i; the broker's own sender
// of the channel (which multicasts the Notifies sent to the broker itself)
// binds Address on the same port and reads the receivers' NAKs there.
type DirectConfig struct {
	// Address is the IPv4 address of this node that the broker's senders
	// bind and send from, and that receivers send NAKs and Joins to
	// (required: it is advertised in every channel), e.g. "10.1.2.1".
	Address string
	// Interface is the interface multicast goes out on; "" lets the
	// system choose (the route to the group).
	Interface string
	// Transport the channels use: multicast (the default), or unicast
	// fan-out (every datagram copied to each receiver that joined, which
	// the broker's Egress allow-list must allow).
	Transport direct.Transport
	// Groups is the range channel groups are taken from, a CIDR; default
	// 239.0.0.0/8 (administratively scoped, RFC 2365).
	Groups string
	// TTL of the channels' multicast; default 1 (the local link).
	TTL int
	// Port is the port of slot 0; default 7400.
	Port int
	// MaxChannels bounds the channels (one per topic); default 64, at
	// most 1024 (choice: few groups, as switches and NICs hold few).
	MaxChannels int
	// MaxChannelsPerCaller bounds the channels one caller created (its
	// subscriptions and registrations made them; joining a channel that
	// exists is free), so that no caller takes every slot; default 8.
	MaxChannelsPerCaller int
	// MaxPublishers bounds the registered publishers sending on one
	// channel (each in a session of its own); default 16.
	MaxPublishers int
	// LogMessages and LogBytes bound the recovery log of each channel
	// (the notifications sent on it, kept in memory for receivers that
	// lost them); defaults 10,000 and 16 MiB.
	LogMessages int
	LogBytes    int64
	// MTU, MaxRate, Window and RTT are each channel's: the broker's own
	// sender uses them, and grants them to publishers' agents (package
	// direct's defaults: 1200 bytes, 10 MiB/s, 30 s, 10 ms).
	MTU     int
	MaxRate int64
	Window  time.Duration
	RTT     time.Duration

	// address and groups are Address and Groups parsed (withDefaults).
	address netip.Addr
	groups  netip.Prefix
}

// Bounds of DirectConfig (choice).
const (
	maxDirectChannels   = 1024
	maxDirectPublishers = 256
	maxLogMessages      = 1 << 20
	maxLogBytes         = 1 << 30
)

func (c DirectConfig) withDefaults() DirectConfig {
	if c.Transport == "" {
		c.Transport = direct.TransportMulticast
	}
	if c.Groups == "" {
		c.Groups = "239.0.0.0/8"
	}
	c.groups, _ = netip.ParsePrefix(c.Groups)
	c.groups = c.groups.Masked()
	c.address, _ = netip.ParseAddr(c.Address)
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	def(&c.TTL, 1)
	def(&c.Port, 7400)
	def(&c.MaxChannels, 64)
	def(&c.MaxChannelsPerCaller, 8)
	def(&c.MaxPublishers, 16)
	def(&c.LogMessages, 10_000)
	def(&c.MTU, direct.DefaultMTU)
	if c.LogBytes == 0 {
		c.LogBytes = 16 << 20
	}
	if c.MaxRate == 0 {
		c.MaxRate = 10 << 20
	}
	if c.Window == 0 {
		c.Window = 30 * time.Second
	}
	if c.RTT == 0 {
		c.RTT = direct.DefaultRTT
	}
	return c
}

// validate reports every invalid field under path.
func (c DirectConfig) validate(l *fielderr.List, path fielderr.Path) {
	if a, err := netip.ParseAddr(c.Address); err != nil || !a.Is4() || a.IsMulticast() || a.IsUnspecified() {
		l.Add(path.Field("Address"), "%q: want an IPv4 unicast address of this node (the channels' control address)", c.Address)
	}
	if c.Transport != "" && c.Transport != direct.TransportMulticast && c.Transport != direct.TransportUnicast {
		l.Add(path.Field("Transport"), "%q: want multicast or unicast", c.Transport)
	}
	d := c.withDefaults()
	if g, err := netip.ParsePrefix(d.Groups); err != nil || !g.Addr().Is4() || !g.Addr().IsMulticast() {
		l.Add(path.Field("Groups"), "%q is not an IPv4 multicast range (CIDR)", c.Groups)
	} else if hosts := 1 << (32 - d.groups.Bits()); hosts < d.MaxChannels+2 {
		l.Add(path.Field("Groups"), "%v has %d addresses, fewer than MaxChannels %d (+2)", d.groups, hosts, d.MaxChannels)
	}
	bound := func(name string, v, lo, hi int64) {
		if v != 0 && (v < lo || v > hi) {
			l.Add(path.Field(name), "%d is outside %d..%d", v, lo, hi)
		}
	}
	bound("TTL", int64(c.TTL), 1, 255)
	bound("Port", int64(c.Port), 1, 65535)
	bound("MaxChannels", int64(c.MaxChannels), 1, maxDirectChannels)
	bound("MaxChannelsPerCaller", int64(c.MaxChannelsPerCaller), 1, maxDirectChannels)
	bound("MaxPublishers", int64(c.MaxPublishers), 1, maxDirectPublishers)
	bound("LogMessages", int64(c.LogMessages), 1, maxLogMessages)
	bound("LogBytes", c.LogBytes, 1, maxLogBytes)
	if d.Port+d.MaxChannels-1 > 65535 {
		l.Add(path.Field("Port"), "%d + MaxChannels %d passes port 65535", d.Port, d.MaxChannels)
	}
	// The channel's engine settings are the engine's to judge.
	sc := d.senderConfig(channelRecord{Session: 1, Key: make([]byte, direct.KeySize)})
	for _, e := range fielderr.All(sc.Validate()) {
		switch name := e.Path.String(); name {
		case "MTU", "MaxRate", "Window", "RTT":
			l.Add(path.Field(name), "%v", e.Err)
		}
	}
}

// senderConfig is the engine configuration of the broker's own sender of
// the channel rec.
func (c DirectConfig) senderConfig(rec channelRecord) direct.SenderConfig {
	sc := direct.SenderConfig{Session: rec.Session, Key: rec.Key, Epoch: rec.Epoch, MTU: c.MTU, MaxRate: c.MaxRate, Window: c.Window, RTT: c.RTT}
	if c.Transport == direct.TransportUnicast {
		sc.Mode = direct.Unicast
	} else {
		sc.To = "soap.udp://" + c.group(rec.Slot).String()
	}
	return sc
}

// group is the group and port of slot i.
func (c DirectConfig) group(i int) netip.AddrPort {
	b := c.groups.Addr().As4()
	n := binary.BigEndian.Uint32(b[:]) + 1 + uint32(i)
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte(binary.BigEndian.AppendUint32(nil, n))), uint16(c.Port+i))
}

// control is the broker's control address of slot i.
func (c DirectConfig) control(i int) netip.AddrPort {
	return netip.AddrPortFrom(c.address, uint16(c.Port+i))
}
