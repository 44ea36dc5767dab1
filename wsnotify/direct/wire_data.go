package direct

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// Names of the data format.
const (
	// NS is the namespace of wsgw's direct-path elements (wsgwd).
	NS = "urn:wsgw:direct:1"
	// ActionNotify is the wsa:Action of a data datagram
	// (WS-BaseNotification 1.3, bw-2.wsdl NotificationConsumer Notify).
	ActionNotify = "http://docs.oasis-open.org/wsn/bw-2/NotificationConsumer/Notify"
	// NSNotification is the namespace of wsnt:Notify (b-2.xsd).
	NSNotification = "http://docs.oasis-open.org/wsn/b-2"
)

// A data datagram is a SOAP 1.2 envelope as SOAP-over-UDP 1.1 sends it
// (OASIS, 2009: one envelope per datagram; wsa:To, wsa:Action and
// wsa:MessageID present, 4.1-4.2): the body is the wsnt:Notify (or, for a
// notification larger than one datagram, one wsgwd:Fragment of its bytes,
// base64), and the header carries wsgwd:Seq, which is not mustUnderstand,
// so that a plain SOAP-over-UDP listener can still read a notification that
// fits one datagram (choice).
//
//	<s:Envelope xmlns:s=".."><s:Header xmlns:wsa=".." xmlns:wsgwd="urn:wsgw:direct:1">
//	 <wsa:To>soap.udp://239.192.0.1:7400</wsa:To><wsa:Action>..Notify</wsa:Action>
//	  <wsa:MessageID>urn:wsgw:direct:SESSION:EPOCH:SEQ</wsa:MessageID>
//	  <wsgwd:Seq session="SESSION" epoch="EPOCH" seq="SEQ" frag="0" frags="1"/></s:Header>
//	 <s:Body><wsnt:Notify ..>..</wsnt:Notify></s:Body></s:Envelope>
//
// SESSION is 16 hexadecimal digits; repairs carry repair="true". The
// header's namespaces are declared on the Header, so that the Notify
// inherits none of them: a receiver delivers the publisher's bytes.
const (
	envOpen = `<s:Envelope xmlns:s="` + soap.NS12 + `"><s:Header xmlns:wsa="` + soap.WSANS + `" xmlns:wsgwd="` + NS + `">`
	envBody = `</s:Header><s:Body>`
	envEnd  = `</s:Body></s:Envelope>`
	fragEl  = `<wsgwd:Fragment xmlns:wsgwd="` + NS + `">`
	fragEnd = `</wsgwd:Fragment>`
)

// appendData encodes d (its Body is the Notify, or a fragment's raw bytes
// when d.Frags > 1) addressed to the wsa:To URI to.
func appendData(b []byte, to string, d *Data) []byte {
	b = append(b, envOpen...)
	b = append(b, "<wsa:To>"...)
	b = appendEscaped(b, to)
	b = append(b, "</wsa:To><wsa:Action>"+ActionNotify+"</wsa:Action><wsa:MessageID>urn:wsgw:direct:"...)
	b = appendSession(b, d.Session)
	b = append(b, ':')
	b = strconv.AppendUint(b, uint64(d.Epoch), 10)
	b = append(b, ':')
	b = strconv.AppendUint(b, d.Seq, 10)
	b = append(b, `</wsa:MessageID><wsgwd:Seq`...)
	b = appendSeqAttrs(b, d.Session, d.Epoch, d.Seq, d.Frag, d.Frags, d.Repair)
	b = append(b, envBody...)
	if d.Frags > 1 {
		b = append(b, fragEl...)
		b = base64.StdEncoding.AppendEncode(b, d.Body)
		b = append(b, fragEnd...)
	} else {
		b = append(b, d.Body...)
	}
	return append(b, envEnd...)
}

// appendSeqAttrs appends the attributes of a wsgwd:Seq element and closes
// it.
func appendSeqAttrs(b []byte, session uint64, epoch uint32, seq uint64, frag, frags uint16, repair bool) []byte {
	b = append(b, ` session="`...)
	b = appendSession(b, session)
	b = append(b, `" epoch="`...)
	b = strconv.AppendUint(b, uint64(epoch), 10)
	b = append(b, `" seq="`...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, `" frag="`...)
	b = strconv.AppendUint(b, uint64(frag), 10)
	b = append(b, `" frags="`...)
	b = strconv.AppendUint(b, uint64(frags), 10)
	if repair {
		b = append(b, `" repair="true`...)
	}
	return append(b, `"/>`...)
}

func appendSession(b []byte, s uint64) []byte {
	const digits = "0123456789abcdef"
	for i := 60; i >= 0; i -= 4 {
		b = append(b, digits[(s>>i)&0xf])
	}
	return b
}

// appendEscaped appends s escaped as xml.EscapeText does; a string that
// needs no escaping (a URI without '&' and the like) is appended as it is,
// without the buffer EscapeText needs (it is called for every datagram).
func appendEscaped(b []byte, s string) []byte {
	if utf8.ValidString(s) && !strings.ContainsAny(s, "&<>\"'\t\n\r") {
		return append(b, s...)
	}
	var w bytes.Buffer
	xml.EscapeText(&w, []byte(s)) //nolint:errcheck // bytes.Buffer never fails
	return append(b, w.Bytes()...)
}

// dataOverhead is the size of a data datagram around its body, for the
// largest header values (so that any sequence number fits the MTU).
func dataOverhead(to string, fragmented bool) int {
	d := &Data{Header: Header{Epoch: math.MaxUint32}, Seq: math.MaxUint64, Frag: math.MaxUint16, Frags: 1, Repair: true}
	n := len(appendData(nil, to, d)) + dataTagLen
	if fragmented {
		n += len(fragEl) + len(fragEnd)
	}
	return n
}

// dataLimits bound the guarded reader for one datagram (at most the
// largest UDP payload over IPv4).
var dataLimits = xmldoc.Limits{MaxBytes: 65507, MaxDepth: 32, MaxElements: 4096, MaxTextLen: 65507}

var seqName = xml.Name{Space: NS, Local: "Seq"}

// decodeData decodes a data datagram whose tag has been checked and
// removed. b is untrusted input; the returned Body shares nothing with b.
func decodeData(b []byte) (*Data, error) {
	m, err := soap.ReadMessageBytes(b, dataLimits)
	if err != nil {
		return nil, malformed("data envelope: %v", err)
	}
	var seq xmldoc.Element
	for _, h := range m.Headers {
		if h.Name == seqName {
			if seq.Valid() {
				return nil, malformed("two wsgwd:Seq headers")
			}
			seq = h.Element
		}
	}
	if !seq.Valid() {
		return nil, malformed("no wsgwd:Seq header")
	}
	d, err := parseSeq(seq)
	if err != nil {
		return nil, malformed("%v", err)
	}
	body := m.Payload
	if !body.Valid() || body.NextSibling().Valid() {
		return nil, malformed("the Body must hold one element")
	}
	switch n := body.Name(); {
	case d.Frags > 1 && n == xml.Name{Space: NS, Local: "Fragment"}:
		raw, err := base64.StdEncoding.DecodeString(body.Text())
		if err != nil || len(raw) == 0 {
			return nil, malformed("wsgwd:Fragment is not base64")
		}
		d.Body = raw
	case d.Frags == 1 && n == notifyName:
		d.Body = body.Standalone(soap.NS11, soap.NS12)
	default:
		return nil, malformed("Body element {%s}%s with frags=%d", n.Space, n.Local, d.Frags)
	}
	return d, nil
}

// parseSeq reads a wsgwd:Seq element into the header fields of a Data.
func parseSeq(e xmldoc.Element) (*Data, error) {
	d := &Data{}
	p := attrParser{e: e}
	d.Session = p.hex64("session")
	d.Epoch = uint32(p.uint("epoch", math.MaxUint32))
	d.Seq = p.uint("seq", MaxSeq)
	d.Frag = uint16(p.uint("frag", math.MaxUint16))
	d.Frags = uint16(p.uint("frags", math.MaxUint16))
	if r, ok := e.Attr("", "repair"); ok {
		d.Repair = r == "true" || r == "1"
	}
	if p.err != "" {
		return nil, fmt.Errorf("wsgwd:Seq: %s", p.err)
	}
	if d.Seq == 0 || d.Frags == 0 || d.Frag >= d.Frags {
		return nil, fmt.Errorf("wsgwd:Seq seq=%d frag=%d frags=%d", d.Seq, d.Frag, d.Frags)
	}
	return d, nil
}

// notifyName is the element a delivery must be.
var notifyName = xml.Name{Space: NSNotification, Local: "Notify"}

// isNotify reports whether b, the bytes of a reassembled notification (no
// decoder has seen them whole), is one standalone wsnt:Notify element and
// nothing else: well-formed, namespace-well-formed, no prolog, nothing
// after it; the receive agent writes it into an envelope's body as it is.
func isNotify(b []byte) bool {
	doc, err := xmldoc.ParseBytes(b, xmldoc.Limits{MaxBytes: int64(len(b))})
	if err != nil || doc.Root().Name() != notifyName {
		return false
	}
	start, end := doc.Root().Span()
	return start == 0 && end == len(b)
}

type attrParser struct {
	e   xmldoc.Element
	err string
}

func (p *attrParser) raw(name string) string {
	v, ok := p.e.Attr("", name)
	if !ok && p.err == "" {
		p.err = "no " + name + " attribute"
	}
	return v
}

func (p *attrParser) uint(name string, limit uint64) uint64 {
	v, err := strconv.ParseUint(p.raw(name), 10, 64)
	if (err != nil || v > limit) && p.err == "" {
		p.err = "bad " + name
	}
	return v
}

func (p *attrParser) hex64(name string) uint64 {
	s := p.raw(name)
	v, err := strconv.ParseUint(s, 16, 64)
	if (err != nil || len(s) != 16) && p.err == "" {
		p.err = "bad " + name
	}
	return v
}

// decodePacket decodes any datagram without its tag (Codec.Decode checks
// and removes it): a control packet or a data envelope.
func decodePacket(b []byte) (Packet, error) {
	if isControl(b) {
		return decodeControl(b)
	}
	return decodeData(b)
}
