package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/internal/fielderr"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/wsnotify/direct"
	"github.com/wsgw/wsgw/wsnotify/direct/driver"
)

// fileDirect is the YAML file of `wsgw direct send|recv --config`: one
// channel (or, with broker, the channels a broker grants), and the
// section of the role run. README.md, "Direct paths", documents every
// key. Zero values take the defaults of package direct and its driver.
type fileDirect struct {
	Broker        *fileDirectBroker `yaml:"broker"`    // negotiate the channels with a wsgw broker
	Session       uint64            `yaml:"session"`   // required without broker, non-zero
	Key           string            `yaml:"key"`       // the channel's key, base64 of 32 bytes; required without broker
	Transport     string            `yaml:"transport"` // multicast (default) or unicast
	Group         string            `yaml:"group"`     // multicast group:port
	Interface     string            `yaml:"interface"`
	TTL           int               `yaml:"ttl"`
	Loopback      bool              `yaml:"loopback"`
	AllowedGroups []string          `yaml:"allowed_groups"`
	Log           fileLog           `yaml:"log"`
	Send          fileDirectSend    `yaml:"send"`
	Recv          fileDirectRecv    `yaml:"recv"`
}

// fileDirectBroker is how an agent negotiates with a wsgw broker: the send
// agent registers its topics (RegisterPublisher) and sends on the channels
// it is granted, the receive agent subscribes its pull point to one topic
// (Subscribe) and follows the channel it is granted.
type fileDirectBroker struct {
	URL        string   `yaml:"url"`        // the NotificationBroker endpoint; https where the network is not trusted (the key comes back)
	Topics     []string `yaml:"topics"`     // Clark notation; recv: exactly one
	Transports []string `yaml:"transports"` // acceptable; default [multicast]
	Required   bool     `yaml:"required"`   // recv: fail without a channel (else: HTTP through the pull point)
	// Termination of the registration or subscription (the receive agent
	// renews its subscription at half of it); default the broker's.
	Termination duration `yaml:"termination"`
	Poll        duration `yaml:"poll"`               // recv: how often the pull point is emptied; default 1s
	PullPoints  string   `yaml:"pull_point_factory"` // recv: CreatePullPoint endpoint; default url's sibling CreatePullPoint
}

type fileDirectSend struct {
	Listen         string        `yaml:"listen"`        // HTTP address for publishers (loopback); default 127.0.0.1:8090
	Control        string        `yaml:"control"`       // UDP address for NAKs and Joins; default 0.0.0.0:7401 (with broker: an address receivers reach, required)
	DrainTimeout   duration      `yaml:"drain_timeout"` // at exit, how long accepted notifications may take to go; default 5s
	MTU            int           `yaml:"mtu"`
	MaxRate        byteSize      `yaml:"max_rate"` // bytes per second
	RepairFraction float64       `yaml:"repair_fraction"`
	RepairFloor    byteSize      `yaml:"repair_floor"` // bytes per second
	Window         duration      `yaml:"window"`
	WindowBytes    byteSize      `yaml:"window_bytes"`
	RTT            duration      `yaml:"rtt"`
	GroupSize      int           `yaml:"group_size"`
	DemoteLoss     float64       `yaml:"demote_loss"`
	DemoteInterval duration      `yaml:"demote_interval"`
	DemoteHold     duration      `yaml:"demote_hold"`
	MaxReceivers   int           `yaml:"max_receivers"`
	Egress         fileReceivers `yaml:"egress"` // receivers dealt with: required for unicast fan-out, optional for multicast
	Limits         fileLimits    `yaml:"limits"` // of a publisher's envelope
}

// fileReceivers is the send agent's allow-list of receivers: datagrams
// carry IP addresses, so only networks apply (no host names, schemes or
// ports, which the other egress sections have).
type fileReceivers struct {
	CIDRs []string `yaml:"cidrs"`
}

type fileDirectRecv struct {
	Sender      string `yaml:"sender"` // the sender's control address, host:port
	Listen      string `yaml:"listen"` // UDP; default 0.0.0.0 on the group's port
	Consumer    string `yaml:"consumer"`
	SOAPVersion string `yaml:"soap_version"` // "1.1" (default) or "1.2"
	QueueLen    int    `yaml:"queue_len"`    // notifications waiting for the consumer; default 1024, at most 65536
	Status      string `yaml:"status"`       // optional HTTP address serving GET /metrics
	MaxNAKs     int    `yaml:"max_naks"`
	// DrainTimeout: at exit, how long what the agent holds may take to be
	// posted; default 5s.
	DrainTimeout duration   `yaml:"drain_timeout"`
	Egress       fileEgress `yaml:"egress"` // where the consumer may be; default loopback
}

// directPaths maps the libraries' field paths to the file's keys.
var directPaths = map[string]string{
	"Net.Group": "group", "Net.TTL": "ttl", "Net.AllowedGroups": "allowed_groups",
	"Net.Allow": "send.egress", "Engine.Session": "session", "Engine.Key": "key", "Engine.MTU": "send.mtu", "Engine.To": "group",
	"Engine.RepairFraction": "send.repair_fraction", "Engine.DemoteLoss": "send.demote_loss", "Engine.MaxRate": "send.max_rate",
	"Engine.RepairFloor": "send.repair_floor", "Engine.Window": "send.window", "Engine.WindowBytes": "send.window_bytes",
	"Engine.RTT": "send.rtt", "Engine.GroupSize": "send.group_size", "Engine.DemoteInterval": "send.demote_interval",
	"Engine.DemoteHold": "send.demote_hold", "Engine.MaxReceivers": "send.max_receivers",
	"Engine.Receiver.Key": "key", "Engine.Receiver.MaxNAKs": "recv.max_naks",
	"Engine.Senders[0].Session": "session", "Engine.Senders[0].Control": "recv.sender",
}

// directFileKey names each problem of err (field errors of package direct
// and its driver, at paths such as Engine.MTU or Net.AllowedGroups[1]) by
// the file's key: the longest head of the path found in directPaths is
// replaced by its key, the rest (an index) is kept.
func directFileKey(err error) error {
	var errs []error
	for _, e := range fielderr.All(err) {
		mapped := false
		for n := len(e.Path); n > 0 && !mapped; n-- {
			if key, ok := directPaths[e.Path[:n].String()]; ok {
				errs = append(errs, fmt.Errorf("%s%s: %w", key, e.Path[n:], e.Err))
				mapped = true
			}
		}
		if !mapped {
			errs = append(errs, e)
		}
	}
	return errors.Join(errs...)
}

func loadDirect(path string) (*fileDirect, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	var fd fileDirect
	if err := decodeYAML(data, &fd); err != nil {
		return nil, fmt.Errorf("config %s:\n%w", path, err)
	}
	return &fd, nil
}

// addrs collects address parse errors with their keys.
type addrs struct{ errs []error }

func (a *addrs) parse(key, s, def string) netip.AddrPort {
	if s == "" {
		s = def
	}
	if s == "" {
		return netip.AddrPort{}
	}
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		a.errs = append(a.errs, fmt.Errorf("%s: %q is not an IP address and port", key, s))
	}
	return ap
}

// netConfig maps the channel keys shared by both roles.
func (fd *fileDirect) netConfig(a *addrs) driver.NetConfig {
	nc := driver.NetConfig{Interface: fd.Interface, TTL: fd.TTL, Loopback: fd.Loopback}
	switch fd.Transport {
	case "", "multicast":
		nc.Group = a.parse("group", fd.Group, "")
	case "unicast":
		nc.Unicast = true
	default:
		a.errs = append(a.errs, fmt.Errorf("transport: %q: want multicast or unicast", fd.Transport))
	}
	for i, s := range fd.AllowedGroups {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a.errs = append(a.errs, fmt.Errorf("allowed_groups[%d]: %q is not a CIDR range", i, s))
			continue
		}
		nc.AllowedGroups = append(nc.AllowedGroups, p)
	}
	return nc
}

// senderEpoch is the epoch of a send agent started at now, and when it may
// start sending: the next whole second of the clock (choice). A receiver
// takes a restarted sender for a new one only by a greater epoch; the
// second the agent started in could be that of the run before it (a crash
// and restart within a second), whose datagrams were numbered from 1 too:
// the receivers would drop the new ones as duplicates, with no gap. The
// next second can be no earlier run's, as that run sent only from its
// own next second on. (Seconds fit the 32-bit epoch until 2106.)
func senderEpoch(now time.Time) (uint32, time.Time) {
	next := now.Truncate(time.Second).Add(time.Second)
	return uint32(next.Unix()), next
}

// checkBroker checks the broker section for role ("send" or "recv"): with
// one, the channel's session, key, group and sender come from the broker
// and must not be in the file.
func (fd *fileDirect) checkBroker(role string) []error {
	b := fd.Broker
	if b == nil {
		return nil
	}
	var errs []error
	add := func(f string, a ...any) { errs = append(errs, fmt.Errorf(f, a...)) }
	if u, err := url.Parse(b.URL); b.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		add("broker.url: %q is not the broker's http(s) NotificationBroker URL", b.URL)
	}
	switch n := len(b.Topics); {
	case role == "recv" && n != 1:
		add("broker.topics: %d topics, want exactly one (the subscription's)", n)
	case n == 0:
		add("broker.topics: required: the topics to register, in Clark notation ({namespace}root/child)")
	}
	for i, t := range b.Topics {
		if !strings.HasPrefix(t, "{") || !strings.Contains(t, "}") || strings.HasSuffix(t, "}") {
			add("broker.topics[%d]: %q is not a topic in Clark notation ({namespace}root/child)", i, t)
		}
	}
	for i, t := range b.Transports {
		if t != string(direct.TransportMulticast) && t != string(direct.TransportUnicast) {
			add("broker.transports[%d]: %q: want multicast or unicast", i, t)
		}
	}
	for key, set := range map[string]bool{"session": fd.Session != 0, "key": fd.Key != "", "group": fd.Group != "",
		"transport": fd.Transport != "", "recv.sender": fd.Recv.Sender != ""} {
		if set {
			add("%s: comes from the broker (broker is set): leave it out", key)
		}
	}
	if b.Termination < 0 || b.Poll < 0 {
		add("broker.termination, broker.poll: must not be negative")
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errs
}

// request is the wsgwd:Direct the agent asks with.
func (b *fileDirectBroker) request(control netip.AddrPort) direct.Request {
	r := direct.Request{Required: b.Required, Control: control}
	for _, t := range b.Transports {
		r.Transports = append(r.Transports, direct.Transport(t))
	}
	return r
}

// key decodes the file's key (base64 of KeySize bytes).
func (fd *fileDirect) key(a *addrs) []byte {
	if fd.Key == "" {
		return nil // the engine reports it missing
	}
	k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(fd.Key))
	if err != nil || len(k) != direct.KeySize {
		a.errs = append(a.errs, fmt.Errorf("key: not %d bytes of base64 (make one with: head -c32 /dev/urandom | base64)", direct.KeySize))
	}
	return k
}

// sendBase maps what the send agent's file says whatever the channel: the
// publishers' listen address, the control address, the egress allow-list
// of receivers and the engine's tuning.
func (fd *fileDirect) sendBase(a *addrs) (listen, control netip.AddrPort, allow func(netip.Addr) bool, tuning direct.SenderConfig) {
	def := "0.0.0.0:7401"
	if fd.Broker != nil {
		def = "" // advertised to receivers: it must be an address they reach
	}
	control = a.parse("send.control", fd.Send.Control, def)
	if fd.Broker != nil && (!control.IsValid() || control.Addr().IsUnspecified() || control.Port() == 0) {
		a.errs = append(a.errs, errors.New("send.control: required with broker: the IP address and port receivers send NAKs to (the port and the next ones, one a channel)"))
	}
	listen = a.parse("send.listen", fd.Send.Listen, "127.0.0.1:8090")
	if listen.IsValid() && !listen.Addr().IsLoopback() {
		a.errs = append(a.errs, fmt.Errorf("send.listen: %v is not a loopback address (publishers post on loopback)", listen))
	}
	if fd.Transport == "unicast" || len(fd.Send.Egress.CIDRs) > 0 || fd.Broker != nil && slices.Contains(fd.Broker.Transports, "unicast") {
		pol, err := egress.New(egress.Config{CIDRs: fd.Send.Egress.CIDRs})
		if err != nil {
			a.errs = append(a.errs, fmt.Errorf("send.egress: %w", err))
		} else {
			allow = pol.AllowsIP
		}
	}
	if fd.Send.DrainTimeout < 0 {
		a.errs = append(a.errs, errors.New("send.drain_timeout: must not be negative"))
	}
	s := fd.Send
	tuning = direct.SenderConfig{
		MTU: s.MTU, MaxRate: int64(s.MaxRate), RepairFraction: s.RepairFraction, RepairFloor: int64(s.RepairFloor), Window: time.Duration(s.Window),
		WindowBytes: int(s.WindowBytes), RTT: time.Duration(s.RTT), GroupSize: s.GroupSize, DemoteLoss: s.DemoteLoss,
		DemoteInterval: time.Duration(s.DemoteInterval), DemoteHold: time.Duration(s.DemoteHold), MaxReceivers: s.MaxReceivers,
	}
	return listen, control, allow, tuning
}

// senderConfig maps the file onto the send agent's one channel (no
// broker), sending from the epoch given.
func (fd *fileDirect) senderConfig(epoch uint32) (direct.SenderConfig, driver.NetConfig, netip.AddrPort, error) {
	a := &addrs{}
	nc := fd.netConfig(a)
	listen, control, allow, cfg := fd.sendBase(a)
	nc.Listen, nc.Allow = control, allow
	cfg.Session, cfg.Key, cfg.Epoch, cfg.To = fd.Session, fd.key(a), epoch, "urn:wsgw:direct"
	if nc.Group.IsValid() {
		cfg.To = "soap.udp://" + nc.Group.String()
	}
	return cfg, nc, listen, errors.Join(a.errs...)
}

// channelSender maps a channel the broker granted onto a sender: the
// channel's session, key, group and timings (the file's tuning for the
// rest), bound where the broker said.
func (fd *fileDirect) channelSender(ch direct.Channel, epoch uint32, allow func(netip.Addr) bool, tuning direct.SenderConfig) (direct.SenderConfig, driver.NetConfig) {
	cfg := tuning
	cfg.Session, cfg.Key, cfg.Epoch, cfg.To = ch.Session, ch.Key, epoch, "urn:wsgw:direct"
	cfg.MTU, cfg.MaxRate, cfg.Window, cfg.RTT = ch.MTU, ch.MaxRate, ch.Window, ch.RTT
	nc := driver.NetConfig{Interface: fd.Interface, TTL: ch.TTL, Loopback: fd.Loopback, Listen: ch.Control, Allow: allow}
	if ch.Transport == direct.TransportUnicast {
		nc.Unicast = true
	} else {
		nc.Group, cfg.To = ch.Group, "soap.udp://"+ch.Group.String()
		nc.AllowedGroups = []netip.Prefix{netip.PrefixFrom(ch.Group.Addr(), 32)}
	}
	return cfg, nc
}

// The receive agent's queue of notifications for the consumer (choice).
const (
	defaultPosterQueue = 1024
	maxPosterQueue     = 1 << 16
)

// recvBase maps what the receive agent's file says whatever the channel:
// the consumer's egress policy and SOAP version (and sets the file's
// defaults).
func (fd *fileDirect) recvBase(a *addrs) (*egress.Policy, soap.Version) {
	r := fd.Recv
	a.parse("recv.status", r.Status, "")
	ec := egress.Config{CIDRs: r.Egress.CIDRs, Hosts: r.Egress.Hosts, Schemes: r.Egress.Schemes, Ports: r.Egress.Ports}
	if len(ec.CIDRs)+len(ec.Hosts) == 0 {
		ec = egress.Loopback()
	}
	pol, err := egress.New(ec)
	if err != nil {
		a.errs = append(a.errs, fmt.Errorf("recv.egress: %w", err))
	} else if r.Consumer == "" {
		a.errs = append(a.errs, errors.New("recv.consumer: required: the consumer's URL"))
	} else if err := pol.Check(r.Consumer); err != nil {
		a.errs = append(a.errs, fmt.Errorf("recv.consumer: %w", err))
	}
	switch {
	case r.QueueLen == 0:
		fd.Recv.QueueLen = defaultPosterQueue
	case r.QueueLen < 0 || r.QueueLen > maxPosterQueue:
		a.errs = append(a.errs, fmt.Errorf("recv.queue_len: %d is outside 1..%d", r.QueueLen, maxPosterQueue))
	}
	v := soap.V11
	switch r.SOAPVersion {
	case "", "1.1":
	case "1.2":
		v = soap.V12
	default:
		a.errs = append(a.errs, fmt.Errorf("recv.soap_version: %q: want 1.1 or 1.2", r.SOAPVersion))
	}
	return pol, v
}

// receiverConfig maps the file onto the receive agent's one channel (no
// broker), and the consumer's side.
func (fd *fileDirect) receiverConfig() (direct.SessionsConfig, driver.NetConfig, *egress.Policy, soap.Version, error) {
	a := &addrs{}
	nc := fd.netConfig(a)
	nc.Listen = a.parse("recv.listen", fd.Recv.Listen, "")
	cfg := direct.SessionsConfig{Receiver: direct.ReceiverConfig{Key: fd.key(a), MaxNAKs: fd.Recv.MaxNAKs},
		Senders: []direct.Peer{{Session: fd.Session, Control: a.parse("recv.sender", fd.Recv.Sender, "")}}}
	pol, v := fd.recvBase(a)
	return cfg, nc, pol, v, errors.Join(a.errs...)
}

// channelReceiver maps a channel the broker granted onto the receiver.
func (fd *fileDirect) channelReceiver(ch direct.Channel, listen netip.AddrPort) (direct.SessionsConfig, driver.NetConfig) {
	cfg := direct.SessionsConfig{Receiver: direct.ReceiverConfig{Key: ch.Key, MaxNAKs: fd.Recv.MaxNAKs}, Senders: ch.Senders}
	nc := driver.NetConfig{Interface: fd.Interface, TTL: ch.TTL, Loopback: fd.Loopback, Listen: listen}
	if ch.Transport == direct.TransportUnicast {
		nc.Unicast = true
	} else {
		nc.Group, nc.AllowedGroups = ch.Group, []netip.Prefix{netip.PrefixFrom(ch.Group.Addr(), 32)}
	}
	return cfg, nc
}
