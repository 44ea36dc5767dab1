package main

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/wsgw/wsgw/egress"
	"github.com/wsgw/wsgw/internal/fielderr"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/wsnotify/direct"
	"github.com/wsgw/wsgw/wsnotify/direct/driver"
)

// fileDirect is the YAML file of `wsgw direct send|recv --config`: one
// channel, and the section of the role run. README.md, "Direct paths",
// documents every key. Zero values take the defaults of package direct
// and its driver.
type fileDirect struct {
	Session       uint64         `yaml:"session"`   // required, non-zero
	Transport     string         `yaml:"transport"` // multicast (default) or unicast
	Group         string         `yaml:"group"`     // multicast group:port
	Interface     string         `yaml:"interface"`
	TTL           int            `yaml:"ttl"`
	Loopback      bool           `yaml:"loopback"`
	AllowedGroups []string       `yaml:"allowed_groups"`
	Log           fileLog        `yaml:"log"`
	Send          fileDirectSend `yaml:"send"`
	Recv          fileDirectRecv `yaml:"recv"`
}

type fileDirectSend struct {
	Listen         string        `yaml:"listen"`  // HTTP address for publishers (loopback); default 127.0.0.1:8090
	Control        string        `yaml:"control"` // UDP address for NAKs and Joins; default 0.0.0.0:7401
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
	Sender      string     `yaml:"sender"` // the sender's control address, host:port
	Listen      string     `yaml:"listen"` // UDP; default 0.0.0.0 on the group's port
	Consumer    string     `yaml:"consumer"`
	SOAPVersion string     `yaml:"soap_version"` // "1.1" (default) or "1.2"
	QueueLen    int        `yaml:"queue_len"`    // notifications waiting for the consumer; default 1024, at most 65536
	Status      string     `yaml:"status"`       // optional HTTP address serving GET /metrics
	MaxNAKs     int        `yaml:"max_naks"`
	Egress      fileEgress `yaml:"egress"` // where the consumer may be; default loopback
}

// directPaths maps the libraries' field paths to the file's keys.
var directPaths = map[string]string{
	"Net.Group": "group", "Net.TTL": "ttl", "Net.AllowedGroups": "allowed_groups", "Net.Sender": "recv.sender",
	"Net.Allow": "send.egress", "Engine.Session": "session", "Engine.MTU": "send.mtu", "Engine.To": "group",
	"Engine.RepairFraction": "send.repair_fraction", "Engine.DemoteLoss": "send.demote_loss", "Engine.MaxRate": "send.max_rate",
	"Engine.RepairFloor": "send.repair_floor", "Engine.Window": "send.window", "Engine.WindowBytes": "send.window_bytes",
	"Engine.RTT": "send.rtt", "Engine.GroupSize": "send.group_size", "Engine.DemoteInterval": "send.demote_interval",
	"Engine.DemoteHold": "send.demote_hold", "Engine.MaxReceivers": "send.max_receivers", "Engine.MaxNAKs": "recv.max_naks",
}

// directFileKey names each problem of err (field errors of package direct
// and its driver, at paths such as Engine.MTU or Net.AllowedGroups[1]) by
// the file's key: the first two steps of the path are looked up in
// directPaths, the rest (an index) is kept.
func directFileKey(err error) error {
	var errs []error
	for _, e := range fielderr.All(err) {
		head, rest := e.Path, fielderr.Path(nil)
		if len(head) > 2 {
			head, rest = head[:2], head[2:]
		}
		if key, ok := directPaths[head.String()]; ok {
			errs = append(errs, fmt.Errorf("%s%s: %w", key, rest, e.Err))
			continue
		}
		errs = append(errs, e)
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

// senderConfig maps the file onto the send agent's configuration, for an
// agent sending from the epoch given.
func (fd *fileDirect) senderConfig(epoch uint32) (direct.SenderConfig, driver.NetConfig, netip.AddrPort, error) {
	a := &addrs{}
	nc := fd.netConfig(a)
	nc.Listen = a.parse("send.control", fd.Send.Control, "0.0.0.0:7401")
	listen := a.parse("send.listen", fd.Send.Listen, "127.0.0.1:8090")
	if listen.IsValid() && !listen.Addr().IsLoopback() {
		a.errs = append(a.errs, fmt.Errorf("send.listen: %v is not a loopback address (publishers post on loopback)", listen))
	}
	if nc.Unicast || len(fd.Send.Egress.CIDRs) > 0 {
		pol, err := egress.New(egress.Config{CIDRs: fd.Send.Egress.CIDRs})
		if err != nil {
			a.errs = append(a.errs, fmt.Errorf("send.egress: %w", err))
		} else {
			nc.Allow = pol.AllowsIP
		}
	}
	to := "urn:wsgw:direct"
	if nc.Group.IsValid() {
		to = "soap.udp://" + nc.Group.String()
	}
	s := fd.Send
	cfg := direct.SenderConfig{
		Session: fd.Session, Epoch: epoch, To: to, MTU: s.MTU, MaxRate: int64(s.MaxRate),
		RepairFraction: s.RepairFraction, RepairFloor: int64(s.RepairFloor), Window: time.Duration(s.Window),
		WindowBytes: int(s.WindowBytes), RTT: time.Duration(s.RTT), GroupSize: s.GroupSize, DemoteLoss: s.DemoteLoss,
		DemoteInterval: time.Duration(s.DemoteInterval), DemoteHold: time.Duration(s.DemoteHold), MaxReceivers: s.MaxReceivers,
	}
	return cfg, nc, listen, errors.Join(a.errs...)
}

// The receive agent's queue of notifications for the consumer (choice).
const (
	defaultPosterQueue = 1024
	maxPosterQueue     = 1 << 16
)

// receiverConfig maps the file onto the receive agent's configuration
// (and sets the file's defaults).
func (fd *fileDirect) receiverConfig() (direct.ReceiverConfig, driver.NetConfig, *egress.Policy, soap.Version, error) {
	a := &addrs{}
	nc := fd.netConfig(a)
	r := fd.Recv
	nc.Sender = a.parse("recv.sender", r.Sender, "")
	nc.Listen = a.parse("recv.listen", r.Listen, "")
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
	return direct.ReceiverConfig{Session: fd.Session, MaxNAKs: r.MaxNAKs}, nc, pol, v, errors.Join(a.errs...)
}
