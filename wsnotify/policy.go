package wsnotify

import (
	"bytes"
	"encoding/xml"
	"time"

	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsnotify/direct"
)

// SubscriptionPolicy negotiation (WS-BaseNotification 1.3, 4.2: the
// SubscriptionPolicy element holds xsd:any policies; a producer that does
// not recognise one answers UnrecognizedPolicyRequestFault, one that
// recognises it and cannot honour it UnsupportedPolicyRequestFault). Every
// policy the broker knows is one row of policyElems: its element name and
// how it is read into the subPolicy being built. What was granted is
// written, after the standard content of SubscribeResponse (b-2.xsd:
// xsd:any namespace="##other" after TerminationTime), by one function,
// writeGranted, from what the subscription keeps (its record). Each
// policy is a row, a field of subPolicy and its granted element: UseRaw,
// the durable delivery policies (policy_durable.go) and the direct path
// (direct_policy.go).

// subPolicy is what a SubscriptionPolicy asked for, once read.
type subPolicy struct {
	useRaw bool
	// direct: wsgwd:Direct, the direct path (direct_policy.go).
	direct *direct.Request
	// rm: wsrmp:RMAssertion (WS-RM Policy 1.2): delivery over WS-RM 1.2.
	rm *rmAsk
	// delivery: the wsgw Delivery extension: a durable queue and its
	// retention and dead-letter terms.
	delivery *deliveryAsk
}

// policyElem is a policy the broker recognises.
type policyElem struct {
	name xml.Name
	// read reads e into p; the error is the fault the Subscribe gets.
	read func(e xmldoc.Element, p *subPolicy, now time.Time) error
}

// policyElems are the policies the broker recognises, by element name.
var policyElems = []policyElem{
	{bn("UseRaw"), func(_ xmldoc.Element, p *subPolicy, _ time.Time) error { p.useRaw = true; return nil }},
	{xml.Name{Space: NSRMP, Local: "RMAssertion"}, readRMAssertion},
	{qDelivery, readDelivery},
	{direct.NameDirect, readDirectPolicy},
}

// WS-Policy namespaces whose Policy and All elements are taken as plain
// containers of policies (choice: a SubscriptionPolicy that wraps its
// assertions in wsp:Policy, as WS-Policy documents do, means the same).
var (
	nsWSP15 = "http://www.w3.org/ns/ws-policy"               // WS-Policy 1.5
	nsWSP12 = "http://schemas.xmlsoap.org/ws/2004/09/policy" // WS-Policy 1.2 (member submission)
	wspWrap = map[string]bool{nsWSP15: true, nsWSP12: true}
)

// parsePolicy reads wsnt:SubscriptionPolicy (b-2.xsd, 4.2): each child is
// a recognised policy (policyElems); another b-2 element is an
// UnsupportedPolicyRequestFault, an element of another namespace an
// UnrecognizedPolicyRequestFault. A policy given twice: the last one
// counts.
func parsePolicy(sp xmldoc.Element, now time.Time) (subPolicy, error) {
	var p subPolicy
	err := readPolicies(sp, &p, now)
	return p, err
}

func readPolicies(parent xmldoc.Element, p *subPolicy, now time.Time) error {
	for c := parent.FirstChild(); c.Valid(); c = c.NextSibling() {
		n := c.Name()
		if wspWrap[n.Space] && (n.Local == "Policy" || n.Local == "All") {
			if err := readPolicies(c, p, now); err != nil {
				return err
			}
			continue
		}
		pe, ok := findPolicy(n)
		switch {
		case ok:
			if err := pe.read(c, p, now); err != nil {
				return err
			}
		case n.Space == NSB:
			return unsupportedPolicy(n, now, "policy "+n.Local+" not supported")
		default:
			return wsnFault(fUnrecognizedPolicy, now, "policy "+clark(n.Space, n.Local)+" not recognized", qnameElem("UnrecognizedPolicy", n))
		}
	}
	return nil
}

func findPolicy(n xml.Name) (policyElem, bool) {
	for _, pe := range policyElems {
		if pe.name == n {
			return pe, true
		}
	}
	return policyElem{}, false
}

// unsupportedPolicy is the UnsupportedPolicyRequestFault for policy n.
func unsupportedPolicy(n xml.Name, now time.Time, reason string) error {
	return wsnFault(fUnsupportedPolicy, now, reason, qnameElem("UnsupportedPolicy", n))
}

// writeGranted writes, after the standard content of SubscribeResponse,
// the extension elements stating what rec was granted: the one place that
// does.
func (b *Broker) writeGranted(w *bytes.Buffer, rec *subRecord) {
	if d := rec.Durable; d != nil {
		d.writeGranted(w)
	}
	b.writeGrantedChannel(w, rec.Direct)
}
