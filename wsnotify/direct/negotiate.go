package direct

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/wsgw/wsgw/soap/xmldoc"
)

// The negotiation's elements (namespace NS, prefix wsgwd), written and
// read here for both sides: the broker (package wsnotify) and the agents
// (package agent).
//
//	<wsgwd:Direct transport="multicast unicast" required="true" control="10.1.2.3:7401"/>
//	<wsgwd:Channel topic="{urn:t}a" transport="multicast" group="239.0.0.1:7400" ttl="1"
//	    key="BASE64" mtu="1200" window="PT30S" maxRate="10485760" rtt="PT0.01S" session="HEX16" control="10.1.2.3:7401">
//	  <wsgwd:Sender session="HEX16" control="10.1.2.1:7400"/>*
//	</wsgwd:Channel>
//	<wsgwd:Recover><wsgwd:Range session="HEX16" epoch="N" from="N" to="N"/>+</wsgwd:Recover>
//	<wsgwd:RecoverResponse><wsgwd:Range ... recovered="N" logged="N" complete="B" pending="B"/>*</wsgwd:RecoverResponse>
//	<wsgwd:Seq session="HEX16" epoch="N" seq="N" frag="0" frags="N"/>  (a header: where a Notify was sent)
//
// Every value is an attribute (choice: one element each, no ordering
// rules to get wrong); an unknown attribute is ignored, so that a later
// version can add some.

// Element names.
var (
	NameDirect          = xml.Name{Space: NS, Local: "Direct"}
	NameChannel         = xml.Name{Space: NS, Local: "Channel"}
	NameRecover         = xml.Name{Space: NS, Local: "Recover"}
	NameRecoverResponse = xml.Name{Space: NS, Local: "RecoverResponse"}
	NameSeq             = seqName
	nameSender          = xml.Name{Space: NS, Local: "Sender"}
	nameRange           = xml.Name{Space: NS, Local: "Range"}
)

const nsDecl = ` xmlns:wsgwd="` + NS + `"`

// MaxRecoverRanges bounds the ranges of one Recover.
const MaxRecoverRanges = 64

// maxChannelSenders bounds the Sender elements of a Channel read.
const maxChannelSenders = 256

// AppendXML appends r as a wsgwd:Direct element.
func (r Request) AppendXML(b []byte) []byte {
	b = append(b, `<wsgwd:Direct`+nsDecl...)
	if len(r.Transports) > 0 {
		ts := make([]string, len(r.Transports))
		for i, t := range r.Transports {
			ts[i] = string(t)
		}
		b = appendAttr(b, "transport", strings.Join(ts, " "))
	}
	if r.Required {
		b = appendAttr(b, "required", "true")
	}
	if r.Control.IsValid() {
		b = appendAttr(b, "control", r.Control.String())
	}
	return append(b, "/>"...)
}

// ParseRequest reads a wsgwd:Direct element. A transport other than
// multicast and unicast is an error (the caller's fault says so).
func ParseRequest(e xmldoc.Element) (Request, error) {
	var r Request
	if v, ok := e.Attr("", "transport"); ok {
		for _, f := range strings.Fields(v) {
			t := Transport(f)
			if t != TransportMulticast && t != TransportUnicast {
				return Request{}, fmt.Errorf("transport %q: want multicast or unicast", truncate(f, 32))
			}
			r.Transports = append(r.Transports, t)
		}
		if len(r.Transports) == 0 {
			return Request{}, errors.New("transport names none")
		}
	}
	var err error
	if r.Required, err = boolAttr(e, "required"); err != nil {
		return Request{}, err
	}
	if v, ok := e.Attr("", "control"); ok {
		if r.Control, err = netip.ParseAddrPort(strings.TrimSpace(v)); err != nil || !r.Control.Addr().Is4() || r.Control.Port() == 0 {
			return Request{}, fmt.Errorf("control %q is not an IPv4 address and port", truncate(v, 64))
		}
	}
	return r, nil
}

// AppendXML appends c as a wsgwd:Channel element.
func (c Channel) AppendXML(b []byte) []byte {
	b = append(b, `<wsgwd:Channel`+nsDecl...)
	b = appendAttr(b, "topic", c.Topic)
	b = appendAttr(b, "transport", string(c.Transport))
	if c.Group.IsValid() {
		b = appendAttr(b, "group", c.Group.String())
	}
	if c.TTL > 0 {
		b = appendAttr(b, "ttl", strconv.Itoa(c.TTL))
	}
	b = appendAttr(b, "key", base64.StdEncoding.EncodeToString(c.Key))
	b = appendAttr(b, "mtu", strconv.Itoa(c.MTU))
	b = appendAttr(b, "window", xsdDuration(c.Window))
	b = appendAttr(b, "maxRate", strconv.FormatInt(c.MaxRate, 10))
	b = appendAttr(b, "rtt", xsdDuration(c.RTT))
	if c.Session != 0 {
		b = appendAttr(b, "session", string(appendSession(nil, c.Session)))
	}
	if c.Control.IsValid() {
		b = appendAttr(b, "control", c.Control.String())
	}
	if len(c.Senders) == 0 {
		return append(b, "/>"...)
	}
	b = append(b, '>')
	for _, p := range c.Senders {
		b = append(b, `<wsgwd:Sender session="`...)
		b = appendSession(b, p.Session)
		b = append(b, `" control="`...)
		b = append(b, p.Control.String()...)
		b = append(b, `"/>`...)
	}
	return append(b, "</wsgwd:Channel>"...)
}

// ParseChannel reads a wsgwd:Channel element (untrusted: the broker's
// answer). Every value is checked against what the engines accept.
func ParseChannel(e xmldoc.Element) (Channel, error) {
	var c Channel
	p := attrParser{e: e}
	c.Topic = strings.TrimSpace(p.raw("topic"))
	c.Transport = Transport(strings.TrimSpace(p.raw("transport")))
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(p.raw("key")))
	if p.err == "" && (err != nil || len(key) != KeySize) {
		p.err = fmt.Sprintf("key is not %d bytes of base64", KeySize)
	}
	c.Key = key
	c.MTU = int(p.uint("mtu", 65507))
	c.MaxRate = int64(p.uint("maxRate", math.MaxInt64))
	c.Window = p.duration("window")
	c.RTT = p.duration("rtt")
	if v, ok := e.Attr("", "session"); ok {
		s := attrParser{e: e}
		if c.Session = s.hex64("session"); s.err != "" || c.Session == 0 {
			return Channel{}, fmt.Errorf("wsgwd:Channel: bad session %q", truncate(v, 32))
		}
	}
	if v, ok := e.Attr("", "control"); ok {
		var err error
		if c.Control, err = netip.ParseAddrPort(strings.TrimSpace(v)); err != nil || !c.Control.Addr().Is4() || c.Control.Port() == 0 {
			return Channel{}, fmt.Errorf("wsgwd:Channel: control %q is not an IPv4 address and port", truncate(v, 64))
		}
	}
	switch c.Transport {
	case TransportMulticast:
		g, err := netip.ParseAddrPort(strings.TrimSpace(p.raw("group")))
		if p.err == "" && (err != nil || !g.Addr().Is4() || !g.Addr().IsMulticast() || g.Port() == 0) {
			p.err = "group is not an IPv4 multicast group and port"
		}
		c.Group = g
		if _, ok := e.Attr("", "ttl"); ok {
			c.TTL = int(p.uint("ttl", 255))
		}
	case TransportUnicast:
	default:
		if p.err == "" {
			p.err = "transport " + strconv.Quote(truncate(string(c.Transport), 32)) + ": want multicast or unicast"
		}
	}
	if p.err == "" && c.Topic == "" {
		p.err = "no topic"
	}
	if p.err != "" {
		return Channel{}, errors.New("wsgwd:Channel: " + p.err)
	}
	for s := e.FirstChild(); s.Valid(); s = s.NextSibling() {
		if s.Name() != nameSender {
			continue
		}
		if len(c.Senders) == maxChannelSenders {
			return Channel{}, fmt.Errorf("wsgwd:Channel: more than %d senders", maxChannelSenders)
		}
		sp := attrParser{e: s}
		peer := Peer{Session: sp.hex64("session")}
		ctl, err := netip.ParseAddrPort(strings.TrimSpace(sp.raw("control")))
		if sp.err == "" && (err != nil || !ctl.Addr().Is4() || ctl.Port() == 0) {
			sp.err = "control is not an IPv4 address and port"
		}
		if sp.err == "" && peer.Session == 0 {
			sp.err = "session 0"
		}
		if sp.err != "" {
			return Channel{}, errors.New("wsgwd:Sender: " + sp.err)
		}
		peer.Control = ctl
		c.Senders = append(c.Senders, peer)
	}
	return c, nil
}

// RecoverRange is a range of one session's sequence numbers a receiver
// lost (a Gap): the broker puts the notifications logged in it into the
// subscription's pull point.
type RecoverRange struct {
	Session  uint64
	Epoch    uint32
	From, To uint64
}

// RecoverResult is the broker's answer for one range: how many
// notifications it put into the pull point; Logged, the newest sequence
// number its log holds of the session and epoch (0: none); Complete when
// the log covers the range without a hole up to Logged (or To); Pending
// when the range reaches beyond Logged (a publisher's agent forwards
// after it sends: asking again for Logged+1..To later may find the rest,
// and nothing twice: the log is filled in order).
type RecoverResult struct {
	RecoverRange
	Recovered int
	Logged    uint64
	Complete  bool
	Pending   bool
}

func appendRange(b []byte, r RecoverRange) []byte {
	b = append(b, `<wsgwd:Range session="`...)
	b = appendSession(b, r.Session)
	b = append(b, `" epoch="`...)
	b = strconv.AppendUint(b, uint64(r.Epoch), 10)
	b = append(b, `" from="`...)
	b = strconv.AppendUint(b, r.From, 10)
	b = append(b, `" to="`...)
	b = strconv.AppendUint(b, r.To, 10)
	return append(b, '"')
}

// AppendRecover appends a wsgwd:Recover element asking for rs.
func AppendRecover(b []byte, rs []RecoverRange) []byte {
	b = append(b, `<wsgwd:Recover`+nsDecl+`>`...)
	for _, r := range rs {
		b = append(appendRange(b, r), "/>"...)
	}
	return append(b, "</wsgwd:Recover>"...)
}

// ParseRecover reads a wsgwd:Recover element: 1..MaxRecoverRanges ranges.
func ParseRecover(e xmldoc.Element) ([]RecoverRange, error) {
	var rs []RecoverRange
	for c := e.FirstChild(); c.Valid(); c = c.NextSibling() {
		if c.Name() != nameRange {
			continue
		}
		if len(rs) == MaxRecoverRanges {
			return nil, fmt.Errorf("more than %d ranges", MaxRecoverRanges)
		}
		r, err := parseRange(c)
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	if len(rs) == 0 {
		return nil, errors.New("no wsgwd:Range")
	}
	return rs, nil
}

func parseRange(e xmldoc.Element) (RecoverRange, error) {
	p := attrParser{e: e}
	r := RecoverRange{Session: p.hex64("session"), Epoch: uint32(p.uint("epoch", math.MaxUint32)), From: p.uint("from", MaxSeq), To: p.uint("to", MaxSeq)}
	if p.err == "" && (r.From == 0 || r.From > r.To) {
		p.err = "from must be 1..to"
	}
	if p.err != "" {
		return RecoverRange{}, errors.New("wsgwd:Range: " + p.err)
	}
	return r, nil
}

// AppendRecoverResponse appends a wsgwd:RecoverResponse element.
func AppendRecoverResponse(b []byte, rs []RecoverResult) []byte {
	b = append(b, `<wsgwd:RecoverResponse`+nsDecl+`>`...)
	for _, r := range rs {
		b = appendRange(b, r.RecoverRange)
		b = append(b, ` recovered="`...)
		b = strconv.AppendInt(b, int64(r.Recovered), 10)
		b = append(b, `" logged="`...)
		b = strconv.AppendUint(b, r.Logged, 10)
		b = append(b, `" complete="`...)
		b = strconv.AppendBool(b, r.Complete)
		b = append(b, `" pending="`...)
		b = strconv.AppendBool(b, r.Pending)
		b = append(b, `"/>`...)
	}
	return append(b, "</wsgwd:RecoverResponse>"...)
}

// ParseRecoverResponse reads a wsgwd:RecoverResponse element.
func ParseRecoverResponse(e xmldoc.Element) ([]RecoverResult, error) {
	var rs []RecoverResult
	for c := e.FirstChild(); c.Valid(); c = c.NextSibling() {
		if c.Name() != nameRange {
			continue
		}
		if len(rs) == MaxRecoverRanges {
			return nil, fmt.Errorf("more than %d ranges", MaxRecoverRanges)
		}
		r, err := parseRange(c)
		if err != nil {
			return nil, err
		}
		res := RecoverResult{RecoverRange: r}
		p := attrParser{e: c}
		res.Recovered = int(p.uint("recovered", math.MaxInt32))
		res.Logged = p.uint("logged", MaxSeq)
		if p.err != "" {
			return nil, errors.New("wsgwd:Range: " + p.err)
		}
		if res.Complete, err = boolAttr(c, "complete"); err != nil {
			return nil, err
		}
		if res.Pending, err = boolAttr(c, "pending"); err != nil {
			return nil, err
		}
		rs = append(rs, res)
	}
	return rs, nil
}

// AppendSeqHeader appends the wsgwd:Seq header block that says where a
// Notify was sent on its channel: the header of the data datagram's
// envelope, in a Notify a send agent forwards to the broker.
func AppendSeqHeader(b []byte, pos Position) []byte {
	b = append(b, `<wsgwd:Seq`+nsDecl...)
	return appendSeqAttrs(b, pos.Session, pos.Epoch, pos.Seq, 0, pos.Frags, false)
}

// ParseSeqHeader reads a wsgwd:Seq header block.
func ParseSeqHeader(e xmldoc.Element) (Position, error) {
	d, err := parseSeq(e)
	if err != nil {
		return Position{}, err
	}
	if d.Frag != 0 {
		return Position{}, errors.New("wsgwd:Seq: frag must be 0 (the position of a notification's first datagram)")
	}
	return Position{Header: d.Header, Seq: d.Seq, Frags: d.Frags}, nil
}

func appendAttr(b []byte, name, v string) []byte {
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, `="`...)
	b = appendEscaped(b, v)
	return append(b, '"')
}

func boolAttr(e xmldoc.Element, name string) (bool, error) {
	v, ok := e.Attr("", name)
	if !ok {
		return false, nil
	}
	switch strings.TrimSpace(v) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("%s %q is not an xsd:boolean", name, truncate(v, 32))
}

// xsdDuration writes d as an xsd:duration in seconds ("PT0.01S").
func xsdDuration(d time.Duration) string {
	return "PT" + strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "S"
}

// duration reads an xsd:duration of days, hours, minutes and seconds
// ("P1DT2H", "PT30S", "PT0.01S"); years and months are refused (a
// channel's timings are seconds).
func (p *attrParser) duration(name string) time.Duration {
	s := strings.TrimSpace(p.raw(name))
	if p.err != "" {
		return 0
	}
	d, ok := parseXSDDuration(s)
	if !ok {
		p.err = "bad " + name
	}
	return d
}

func parseXSDDuration(s string) (time.Duration, bool) {
	rest, ok := strings.CutPrefix(s, "P")
	if !ok || rest == "" {
		return 0, false
	}
	units := map[byte]float64{'D': 24 * 3600, 'H': 3600, 'M': 60, 'S': 1}
	var total float64
	inTime := false
	for rest != "" {
		if rest[0] == 'T' {
			if inTime || len(rest) == 1 {
				return 0, false
			}
			inTime, rest = true, rest[1:]
			continue
		}
		i := strings.IndexAny(rest, "DHMS")
		if i <= 0 {
			return 0, false
		}
		v, err := strconv.ParseFloat(rest[:i], 64)
		u := rest[i]
		if err != nil || v < 0 || (u == 'D') == inTime {
			return 0, false
		}
		total += v * units[u]
		rest = rest[i+1:]
	}
	if total*float64(time.Second) > float64(math.MaxInt64) {
		return 0, false
	}
	return time.Duration(total * float64(time.Second)), true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
