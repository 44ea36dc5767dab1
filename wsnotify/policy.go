package wsnotify

import (
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
// how it is read into the subPolicy being built. A policy that is granted
// says so in the extension content after SubscribeResponse's standard
// elements (b-2.xsd: xsd:any namespace="##other" after TerminationTime).
//
// (note) The reliable pub-sub work (issue 10) shapes this file the same
// way, with rows for wsrmp:RMAssertion and wsgw's Delivery element; the
// two are to be one table.

// subPolicy is what a SubscriptionPolicy asked for, once read.
type subPolicy struct {
	useRaw bool
	// direct: wsgwd:Direct, the direct path (direct_policy.go).
	direct *direct.Request
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
	{direct.NameDirect, readDirectPolicy},
}

// WS-Policy namespaces whose Policy and All elements are taken as plain
// containers of policies (choice: a SubscriptionPolicy that wraps its
// assertions in wsp:Policy, as WS-Policy documents do, means the same).
var wspWrap = map[string]bool{
	"http://www.w3.org/ns/ws-policy":               true, // WS-Policy 1.5
	"http://schemas.xmlsoap.org/ws/2004/09/policy": true, // WS-Policy 1.2 (member submission)
}

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
