package wsnotify

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wsgw/wsgw/soap/xmldoc"
)

// The policies of reliable delivery (issue 10): the standard WS-RM Policy
// 1.2 assertion asks for delivery over WS-RM 1.2 with a delivery
// assurance; wsgw's Delivery extension names what no standard does (how
// long and how much is kept for a consumer that is down, when a message
// is given up). Either makes the subscription durable; so does the
// broker's DurableConfig.All.

// Namespaces of the reliable delivery policies.
const (
	// NSRMP is WS-RM Policy 1.2 (OASIS Standard, 2 February 2009,
	// http://docs.oasis-open.org/ws-rx/wsrmp/200702/wsrmp-1.2-spec-os.html).
	NSRMP = "http://docs.oasis-open.org/ws-rx/wsrmp/200702"
	// NSDelivery is wsgw's extension: the Delivery element, asked in
	// SubscriptionPolicy and granted in SubscribeResponse.
	NSDelivery = "urn:wsgw:delivery:1"
)

var qDelivery = xml.Name{Space: NSDelivery, Local: "Delivery"}

// Delivery assurances (WS-RM 1.2, 2.4; WS-RM Policy 1.2, 2.2
// DeliveryAssurance).
const (
	ExactlyOnce = "ExactlyOnce"
	AtLeastOnce = "AtLeastOnce"
	AtMostOnce  = "AtMostOnce"
)

// rmAsk is a wsrmp:RMAssertion as asked.
type rmAsk struct {
	assurance string // "" when no DeliveryAssurance was given
	inOrder   bool
}

// readRMAssertion reads wsrmp:RMAssertion by the normative outline of
// WS-RM Policy 1.2, 2.2:
//
//	<wsrmp:RMAssertion [wsp:Optional="true"]?>
//	  <wsp:Policy>
//	    [<wsrmp:SequenceSTR/> | <wsrmp:SequenceTransportSecurity/>]?
//	    <wsrmp:DeliveryAssurance><wsp:Policy>
//	      [<wsrmp:ExactlyOnce/> | <wsrmp:AtLeastOnce/> | <wsrmp:AtMostOnce/>]
//	      <wsrmp:InOrder/>?
//	    </wsp:Policy></wsrmp:DeliveryAssurance>?
//	  </wsp:Policy>
//	</wsrmp:RMAssertion>
//
// (choice) The nested wsp:Policy elements may be left out, and elements of
// other namespaces (WCF's netrmp:InactivityTimeout, say) are ignored:
// they tune a sequence rather than ask for a guarantee. SequenceSTR and
// SequenceTransportSecurity bind the sequence to a security context the
// broker does not establish: UnsupportedPolicyRequestFault.
func readRMAssertion(e xmldoc.Element, p *subPolicy, now time.Time) error {
	ask := &rmAsk{}
	var walk func(e xmldoc.Element) error
	walk = func(e xmldoc.Element) error {
		for c := e.FirstChild(); c.Valid(); c = c.NextSibling() {
			n := c.Name()
			switch {
			case wspWrap[n.Space] && n.Local == "Policy":
				if err := walk(c); err != nil {
					return err
				}
			case n.Space != NSRMP:
			case n.Local == "DeliveryAssurance":
				if err := walk(c); err != nil {
					return err
				}
			case n.Local == ExactlyOnce || n.Local == AtLeastOnce || n.Local == AtMostOnce:
				if ask.assurance != "" && ask.assurance != n.Local {
					return unsupportedPolicy(e.Name(), now, "DeliveryAssurance names both "+ask.assurance+" and "+n.Local)
				}
				ask.assurance = n.Local
			case n.Local == "InOrder":
				ask.inOrder = true
			case n.Local == "SequenceSTR" || n.Local == "SequenceTransportSecurity":
				return unsupportedPolicy(n, now, "wsrmp:"+n.Local+" is not supported: the broker binds no sequence to a security context")
			}
		}
		return nil
	}
	if err := walk(e); err != nil {
		return err
	}
	p.rm = ask
	return nil
}

// deliveryAsk is wsgw's Delivery extension as asked: zero fields take the
// broker's defaults.
//
//	<wsgwd:Delivery xmlns:wsgwd="urn:wsgw:delivery:1">
//	  <wsgwd:Retention maxAge="PT24H" maxMessages="10000" maxBytes="67108864"/>?
//	  <wsgwd:DeadLetter maxAttempts="20"/>?
//	</wsgwd:Delivery>
type deliveryAsk struct {
	maxAge      time.Duration
	maxMessages int
	maxBytes    int64
	maxAttempts int
}

// readDelivery reads the Delivery extension. A value that is not what the
// attribute's type says is an UnsupportedPolicyRequestFault naming the
// element; values over the broker's bounds are granted at the bound, a
// maxAge under a second is granted a second (choice: no delivery attempt
// is shorter). An element or attribute the extension does not define (a
// misspelt maxAge, say) is an UnsupportedPolicyRequestFault too, listing
// them (checkDelivery), rather than the broker's defaults granted without
// a word.
func readDelivery(e xmldoc.Element, p *subPolicy, now time.Time) error {
	if err := checkDelivery(e, now); err != nil {
		return err
	}
	ask := &deliveryAsk{}
	bad := func(attr, v string) error {
		return unsupportedPolicy(qDelivery, now, fmt.Sprintf("Delivery: %s=%q is not valid", attr, truncate(v, 64)))
	}
	posInt := func(c xmldoc.Element, attr string, set func(int64)) error {
		v, ok := c.Attr("", attr)
		if !ok {
			return nil
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < 0 {
			return bad(attr, v)
		}
		set(n)
		return nil
	}
	for c := e.FirstChild(); c.Valid(); c = c.NextSibling() {
		switch c.Name() {
		case xml.Name{Space: NSDelivery, Local: "Retention"}:
			if v, ok := c.Attr("", "maxAge"); ok {
				t, err := addDuration(now, strings.TrimSpace(v))
				if err != nil || !t.After(now) {
					return bad("maxAge", v)
				}
				ask.maxAge = max(t.Sub(now), time.Second)
			}
			if err := posInt(c, "maxMessages", func(n int64) { ask.maxMessages = int(min(n, 1<<31)) }); err != nil {
				return err
			}
			if err := posInt(c, "maxBytes", func(n int64) { ask.maxBytes = n }); err != nil {
				return err
			}
		case xml.Name{Space: NSDelivery, Local: "DeadLetter"}:
			if err := posInt(c, "maxAttempts", func(n int64) { ask.maxAttempts = int(min(n, 1<<31)) }); err != nil {
				return err
			}
		}
	}
	p.delivery = ask
	return nil
}

// deliveryAttrs are the elements of the Delivery extension and the
// (unqualified) attributes each defines.
var deliveryAttrs = map[string][]string{
	"Delivery":   nil,
	"Retention":  {"maxAge", "maxMessages", "maxBytes"},
	"DeadLetter": {"maxAttempts"},
}

// maxUnsupportedListed bounds what one fault lists.
const maxUnsupportedListed = 16

// checkDelivery refuses what Delivery element e holds that the extension
// does not define: other children, children of Retention or DeadLetter,
// other attributes. The UnsupportedPolicyRequestFault (b-2.xsd: a list of
// UnsupportedPolicy QNames) names each unknown element, and for an
// unknown attribute the element that carries it (an attribute has no
// QName of its own there); its Description names them all (at most
// maxUnsupportedListed).
func checkDelivery(e xmldoc.Element, now time.Time) error {
	var names []xml.Name
	var what []string
	add := func(n xml.Name, w string) {
		if len(what) == maxUnsupportedListed {
			return
		}
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
		what = append(what, w)
	}
	attrs := func(c xmldoc.Element) {
		known := deliveryAttrs[c.Name().Local]
		for _, a := range c.Attrs() {
			if a.Name.Space != "" || !slices.Contains(known, a.Name.Local) {
				add(c.Name(), "attribute "+clark(a.Name.Space, a.Name.Local)+" of "+c.Name().Local)
			}
		}
	}
	attrs(e)
	for c := e.FirstChild(); c.Valid(); c = c.NextSibling() {
		n := c.Name()
		if _, ok := deliveryAttrs[n.Local]; n.Space != NSDelivery || !ok || n == qDelivery {
			add(n, "element "+clark(n.Space, n.Local))
			continue
		}
		attrs(c)
		for cc := c.FirstChild(); cc.Valid(); cc = cc.NextSibling() {
			add(cc.Name(), "element "+clark(cc.Name().Space, cc.Name().Local)+" in "+n.Local)
		}
	}
	if len(what) == 0 {
		return nil
	}
	var list strings.Builder
	for _, n := range names {
		list.WriteString(qnameElem("UnsupportedPolicy", n))
	}
	return wsnFault(fUnsupportedPolicy, now, "Delivery: not supported: "+strings.Join(what, ", "), list.String())
}

// durableRecord is what a durable subscription was granted; it is kept in
// its record and written back in SubscribeResponse (writeGranted).
type durableRecord struct {
	// RM: deliveries go over WS-RM 1.2 (the consumer is an RM
	// Destination); otherwise plain HTTP with a delivery id header.
	RM bool `json:"rm,omitempty"`
	// Assurance is ExactlyOnce or AtLeastOnce (WS-RM 1.2, 2.4). Deliveries
	// are always in order (InOrder is always granted).
	Assurance   string        `json:"assurance"`
	MaxAge      time.Duration `json:"maxAge"`
	MaxMessages int           `json:"maxMessages"`
	MaxBytes    int64         `json:"maxBytes"`
	// MaxAttempts gives a message up after that many deliveries; 0: never
	// (a message leaves by its retention only).
	MaxAttempts int `json:"maxAttempts,omitempty"`
}

// grantDurable resolves what p asks into what the broker grants a
// subscription: nil when it is not durable. forPullPoint: the consumer is
// one of the broker's pull points, which keeps its messages itself.
func (b *Broker) grantDurable(p subPolicy, forPullPoint bool, now time.Time) (*durableRecord, error) {
	asked := p.rm != nil || p.delivery != nil
	if !asked && (!b.cfg.Durable.All || forPullPoint) {
		return nil, nil
	}
	elem := qDelivery
	if p.rm != nil {
		elem = xml.Name{Space: NSRMP, Local: "RMAssertion"}
	}
	switch {
	case forPullPoint:
		return nil, unsupportedPolicy(elem, now, "a pull point consumer keeps its messages itself: no durable delivery policy applies")
	case b.queue == nil:
		return nil, unsupportedPolicy(elem, now, "this broker has no durable queue")
	case p.rm != nil && b.rm == nil:
		return nil, unsupportedPolicy(elem, now, "this broker has no WS-RM source")
	}
	c := b.cfg.Durable
	d := &durableRecord{Assurance: AtLeastOnce, MaxAge: c.MaxAge, MaxMessages: c.MaxMessages, MaxBytes: c.MaxBytes, MaxAttempts: c.MaxAttempts}
	if p.rm != nil {
		// (choice) AtMostOnce, or no assurance named, is granted as
		// ExactlyOnce: a durable queue loses nothing, and a delivery id
		// is numbered once on the subscription's sequence.
		d.RM, d.Assurance = true, ExactlyOnce
		if p.rm.assurance == AtLeastOnce {
			d.Assurance = AtLeastOnce
		}
	}
	if a := p.delivery; a != nil {
		lower := func(v, bound int64) int64 {
			if v > 0 && v < bound {
				return v
			}
			return bound
		}
		d.MaxAge = time.Duration(lower(int64(a.maxAge), int64(c.MaxAge)))
		d.MaxMessages = int(lower(int64(a.maxMessages), int64(c.MaxMessages)))
		d.MaxBytes = lower(a.maxBytes, c.MaxBytes)
		if a.maxAttempts > 0 {
			d.MaxAttempts = min(a.maxAttempts, c.MaxAttemptsLimit)
		}
	}
	return d, nil
}

// writeGranted writes the Delivery element granted, in NSDelivery.
func (d *durableRecord) writeGranted(w *bytes.Buffer) {
	protocol := "http"
	if d.RM {
		protocol = "ws-rm-1.2"
	}
	fmt.Fprintf(w, `<wsgwd:Delivery xmlns:wsgwd="%s" durable="true" protocol="%s" assurance="%s" inOrder="true">`, NSDelivery, protocol, d.Assurance)
	fmt.Fprintf(w, `<wsgwd:Retention maxAge="%s" maxMessages="%d" maxBytes="%d"/>`, xsdDuration(d.MaxAge), d.MaxMessages, d.MaxBytes)
	fmt.Fprintf(w, `<wsgwd:DeadLetter maxAttempts="%d"/>`, d.MaxAttempts)
	w.WriteString(`</wsgwd:Delivery>`)
}

// xsdDuration writes d as an xsd:duration in seconds ("PT1.5S").
func xsdDuration(d time.Duration) string {
	return "PT" + strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "S"
}
