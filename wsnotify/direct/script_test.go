package direct

import (
	"flag"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/scripttest"
)

var update = flag.Bool("update", false, "rewrite the scripts' expected output")

// TestScripts runs testdata/scripts/*.txt: the protocol rules, one command
// at a time, on a network of a sender and named receivers where datagrams
// arrive at once unless a "lose" rule drops them. Commands:
//
//	sender key=value...          (re)create the sender (SenderConfig fields, lower case)
//	receiver NAME u=F key=value  create a receiver whose back-off draws are always F
//	publish NAME[xN] [bytes=N]   publish a notification <m>NAME</m> (padded to N bytes)
//	tick DURATION                let time pass
//	lose WHO KIND [seq=N] [n=N]  drop the next N (default 1) KIND datagrams to WHO
//	overhear on|off              receivers hear each other's NAKs
//	nak NAME RANGES              NAME sends the sender a hand-made NAK ("3-5,7")
//	metrics NAME|sender          print counters
func TestScripts(t *testing.T) {
	scripttest.RunAll(t, "testdata/scripts/*.txt", *update, func(t *testing.T) func(string) []string {
		n := newScriptNet(t)
		return n.run
	})
}

var scriptEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type fixedRand float64

func (f fixedRand) Float64() float64 { return float64(f) }

type scriptNet struct {
	t        *testing.T
	now      time.Time
	s        *Sender
	rs       map[string]*Receiver
	names    []string // receivers in creation order
	addr     map[string]netip.AddrPort
	byAddr   map[netip.AddrPort]string
	losses   []*lossRule
	overhear bool
	codec    *Codec
}

type lossRule struct {
	who  string // receiver name, or "sender"
	kind string
	seq  uint64
	n    int
}

func newScriptNet(t *testing.T) *scriptNet {
	n := &scriptNet{t: t, codec: newTestCodec(t), now: scriptEpoch, rs: map[string]*Receiver{}, addr: map[string]netip.AddrPort{}, byAddr: map[netip.AddrPort]string{}}
	n.newSender(args{})
	return n
}

func (n *scriptNet) run(cmd string) []string {
	fields := strings.Fields(cmd)
	name, a := fields[0], parseArgs(fields[1:])
	var out []string
	switch name {
	case "sender":
		if err := n.newSender(a); err != nil {
			return []string{"error: " + err.Error()}
		}
		out = append(out, "ok")
	case "receiver":
		if err := n.newReceiver(a); err != nil {
			return []string{"error: " + err.Error()}
		}
		out = append(out, "ok")
	case "publish":
		if err := n.publish(a); err != nil {
			out = append(out, "error: "+err.Error())
		}
	case "tick":
		d, err := time.ParseDuration(a.pos(0))
		if err != nil {
			return []string{"error: " + err.Error()}
		}
		n.now = n.now.Add(d)
		n.s.Tick(n.now)
		for _, rn := range n.names {
			n.rs[rn].Tick(n.now)
		}
	case "lose":
		c := a.int("n")
		if c == 0 {
			c = 1
		}
		n.losses = append(n.losses, &lossRule{who: a.pos(0), kind: a.pos(1), seq: a.u64("seq"), n: c})
		out = append(out, "ok")
	case "overhear":
		n.overhear = a.pos(0) == "on"
		out = append(out, "ok")
	case "nak":
		rs, err := parseRanges(a.pos(1))
		if err != nil {
			return []string{"error: " + err.Error()}
		}
		n.s.Step(n.addr[a.pos(0)], &NAK{Header: Header{Session: n.s.cfg.Session, Epoch: n.s.cfg.Epoch}, Ranges: rs})
	case "metrics":
		return n.metrics(a.pos(0))
	default:
		return []string{"error: unknown command " + name}
	}
	out = append(out, n.process()...)
	if len(out) == 0 {
		out = []string{"nothing"}
	}
	return out
}

func (n *scriptNet) newSender(a args) error {
	cfg := SenderConfig{Session: 0xabc, Key: testKey, Epoch: uint32(max(1, a.int("epoch"))), To: "soap.udp://239.1.1.1:7400",
		MTU: a.int("mtu"), Window: a.dur("window"), WindowBytes: a.int("windowbytes"),
		RTT: a.dur("rtt"), GroupSize: a.int("groupsize"), MaxRate: int64(a.int("maxrate")), MaxBurst: int64(a.int("maxburst")),
		RepairFloor: int64(a.int("repairfloor")), RepairBurst: int64(a.int("repairburst")), MaxQueueBytes: a.int("maxqueue"),
		DemoteInterval: a.dur("demoteinterval"), DemoteMinSeqs: a.int("demoteminseqs"), DemoteHold: a.dur("demotehold"),
		HeartbeatMax: a.dur("hbmax"), MaxReceivers: a.int("maxreceivers")}
	if a["mode"] == "unicast" {
		cfg.Mode = Unicast
	}
	if v, ok := a["repairfraction"]; ok {
		cfg.RepairFraction, _ = strconv.ParseFloat(v, 64)
	}
	s, err := NewSender(cfg)
	if err != nil {
		return err
	}
	n.s = s
	s.Tick(n.now)
	s.Advance() // the first heartbeat goes to nobody
	return nil
}

func (n *scriptNet) newReceiver(a args) error {
	name := a.pos(0)
	u, _ := strconv.ParseFloat(a["u"], 64)
	r, err := NewReceiver(ReceiverConfig{Session: 0xabc, Key: testKey, Rand: fixedRand(u), MaxNAKs: a.int("maxnaks"),
		MaxPending: a.int("maxpending"), JoinInterval: a.dur("join")})
	if err != nil {
		return err
	}
	if _, ok := n.rs[name]; !ok {
		ap := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(len(n.names) + 1)}), 7400)
		n.names = append(n.names, name)
		n.addr[name], n.byAddr[ap] = ap, name
	}
	n.rs[name] = r
	r.Tick(n.now)
	return nil
}

func (n *scriptNet) publish(a args) error {
	name, count := a.pos(0), 1
	if base, c, ok := strings.Cut(name, "x"); ok {
		name = base
		count, _ = strconv.Atoi(c)
	}
	for i := range count {
		body := fmt.Sprintf(`<wsnt:Notify xmlns:wsnt="%s"><m>%s%d</m>`, NSNotification, name, i+1)
		if count == 1 {
			body = fmt.Sprintf(`<wsnt:Notify xmlns:wsnt="%s"><m>%s</m>`, NSNotification, name)
		}
		if pad := a.int("bytes") - len(body) - len("</wsnt:Notify>"); pad > 0 {
			body += "<p>" + strings.Repeat("x", max(0, pad-7)) + "</p>"
		}
		if _, err := n.s.Publish([]byte(body + "</wsnt:Notify>")); err != nil {
			return err
		}
	}
	return nil
}

// process carries out every Ready until the network is quiet: datagrams
// are decoded (the codecs are part of what is tested) and stepped into
// their destinations at once.
func (n *scriptNet) process() []string {
	var out []string
	for {
		busy := false
		if n.s.HasReady() {
			busy = true
			rd := n.s.Ready()
			n.s.Advance()
			for _, d := range rd.Send {
				out = append(out, n.route("sender", d)...)
			}
		}
		for _, rn := range n.names {
			r := n.rs[rn]
			if !r.HasReady() {
				continue
			}
			busy = true
			rd := r.Ready()
			r.Advance()
			for _, dm := range rd.Demoted {
				out = append(out, fmt.Sprintf("%s demoted %s until +%v", rn, dm.Reason, dm.Until.Sub(scriptEpoch)))
			}
			for _, g := range rd.Gaps {
				out = append(out, fmt.Sprintf("%s gap %d-%d %s", rn, g.From, g.To, g.Reason))
			}
			for _, d := range rd.Deliver {
				out = append(out, fmt.Sprintf("%s deliver %d %s", rn, d.Seq, summary(d.Notify)))
			}
			for _, d := range rd.Send {
				out = append(out, n.route(rn, d)...)
			}
		}
		if !busy {
			return out
		}
	}
}

func (n *scriptNet) route(from string, d Datagram) []string {
	p, err := n.codec.Decode(d.Bytes)
	if err != nil {
		n.t.Fatalf("%s sent an undecodable %v datagram: %v", from, d.Kind, err)
	}
	line := fmt.Sprintf("%s -> %s %s", from, n.destName(d.To), describe(p))
	var targets []string
	switch d.To.Kind {
	case ToGroup:
		targets = n.names
	case ToPeer:
		targets = []string{n.byAddr[d.To.Addr]}
	case ToSender:
		targets = []string{"sender"}
		if n.overhear && p.Kind() == KindNAK {
			for _, rn := range n.names {
				if rn != from {
					targets = append(targets, rn)
				}
			}
		}
	}
	var lost []string
	for _, to := range targets {
		if n.lose(to, p) {
			lost = append(lost, to)
			continue
		}
		if to == "sender" {
			n.s.Step(n.addr[from], p)
		} else {
			n.rs[to].Step(netip.AddrPort{}, p)
		}
	}
	if len(lost) > 0 {
		line += " (lost at " + strings.Join(lost, ",") + ")"
	}
	return []string{line}
}

func (n *scriptNet) destName(d Dest) string {
	if d.Kind == ToPeer {
		return n.byAddr[d.Addr]
	}
	return d.String()
}

func (n *scriptNet) lose(to string, p Packet) bool {
	kind := p.Kind().String()
	var seq uint64
	if d, ok := p.(*Data); ok {
		seq = d.Seq
		if d.Repair {
			kind = "repair"
		}
	}
	for i, l := range n.losses {
		if l.who == to && l.kind == kind && (l.seq == 0 || l.seq == seq) {
			if l.n--; l.n == 0 {
				n.losses = slices.Delete(n.losses, i, i+1)
			}
			return true
		}
	}
	return false
}

func describe(p Packet) string {
	switch p := p.(type) {
	case *Data:
		s := "data"
		if p.Repair {
			s = "repair"
		}
		s += fmt.Sprintf(" seq=%d", p.Seq)
		if p.Frags > 1 {
			s += fmt.Sprintf(" frag=%d/%d", p.Frag+1, p.Frags)
		} else {
			s += " " + summary(p.Body)
		}
		return s
	case *Heartbeat:
		return fmt.Sprintf("heartbeat trail=%d lead=%d gsize=%d", p.Trail, p.Lead, p.GroupSize)
	case *NAK:
		return "nak " + fmtRanges(p.Ranges)
	case *NCF:
		return fmt.Sprintf("ncf %s wait=%v", fmtRanges(p.Ranges), p.Wait)
	case *Demote:
		return fmt.Sprintf("demote %s hold=%v lead=%d", p.Reason, p.Hold, p.Lead)
	case *Join:
		if p.Leave {
			return "leave"
		}
		return "join"
	}
	return fmt.Sprintf("%T", p)
}

// summary shows the <m> content of a notification and its size.
func summary(notify []byte) string {
	s := string(notify)
	if i := strings.Index(s, "<m>"); i >= 0 {
		if j := strings.Index(s[i:], "</m>"); j >= 0 {
			return fmt.Sprintf("%s (%dB)", s[i+3:i+j], len(notify))
		}
	}
	return fmt.Sprintf("(%dB)", len(notify))
}

func fmtRanges(rs []Range) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.String()
	}
	return strings.Join(parts, ",")
}

func parseRanges(s string) ([]Range, error) {
	var out []Range
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		from, err := strconv.ParseUint(lo, 10, 64)
		to := from
		if err == nil && isRange {
			to, err = strconv.ParseUint(hi, 10, 64)
		}
		if err != nil {
			return nil, fmt.Errorf("bad ranges %q", s)
		}
		out = append(out, Range{from, to})
	}
	return out, nil
}

func (n *scriptNet) metrics(who string) []string {
	if who == "sender" {
		m := n.s.Metrics()
		out := []string{fmt.Sprintf("data=%d/%dB repair=%d/%dB control=%d ncf=%d naks=%d ignored=%d seqs=%d aggregated=%d lingered=%d repairs=%d dropped=%d demotions=%d full=%d",
			m.DataPackets, m.DataBytes, m.RepairPackets, m.RepairBytes, m.ControlPackets, m.NCFsSent, m.NAKsReceived, m.NAKsIgnored,
			m.NAKedSeqs, m.NAKsAggregated, m.NAKsLingered, m.RepairRequests, m.RepairsDropped, m.Demotions, m.QueueFull)}
		for _, rn := range n.names {
			if p, ok := m.Receivers[n.addr[rn].String()]; ok {
				out = append(out, fmt.Sprintf("  %s joined=%v naks=%d loss=%.2f demoted=%v", rn, p.Joined, p.NAKs, p.Loss, p.Demoted))
			}
		}
		return out
	}
	m := n.rs[who].Metrics()
	return []string{fmt.Sprintf("data=%d repairs=%d dups=%d delivered=%d missed=%d recovered=%d naks=%d nakseqs=%d suppressed=%d gaps=%d/%d demotions=%d loss=%.2f",
		m.DataPackets, m.RepairPackets, m.Duplicates, m.Delivered, m.Missed, m.Recovered, m.NAKsSent, m.NAKedSeqs, m.Suppressed,
		m.Gaps, m.GapSeqs, m.Demotions, m.Loss)}
}

type args map[string]string

func parseArgs(fields []string) args {
	a := args{}
	for i, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			a["#"+strconv.Itoa(i)] = f
			continue
		}
		a[k] = v
	}
	return a
}

func (a args) pos(i int) string { return a["#"+strconv.Itoa(i)] }
func (a args) int(k string) int { n, _ := strconv.Atoi(a[k]); return n }
func (a args) u64(k string) uint64 {
	n, _ := strconv.ParseUint(a[k], 10, 64)
	return n
}
func (a args) dur(k string) time.Duration { d, _ := time.ParseDuration(a[k]); return d }
