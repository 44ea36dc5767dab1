package testservice

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// RoleC is the role URI node C plays besides next and ultimateReceiver
// (SOAP 1.2 test collection, 3.1). RoleB is the intermediary's.
const (
	RoleC = "http://example.org/ts-tests/C"
	RoleB = "http://example.org/ts-tests/B"
)

// nsTestTypo is the procedure namespace misspelt in the collection's T46
// message; procedures are looked up in it too.
const nsTestTypo = "http://exaple.org/ts-tests"

// understood12 lists the header blocks node C processes (test collection
// 3.3); any other mandatory block targeted at it is not understood.
var understood12 = map[string]bool{
	"echoOk": true, "requiredHeader": true, "validateCountryCode": true,
	"echoResolvedRef": true, "DataHolder": true,
}

func isUnderstood12(n xml.Name) bool { return n.Space == nsTest && understood12[n.Local] }

// HeaderBlocks returns, in Clark notation ("{namespace}local") and sorted,
// the header blocks node C understands: what an intermediary in front of
// it lets through to it when they are targeted at role next (for wsgw,
// a service's understood_headers).
func HeaderBlocks() []string {
	out := make([]string, 0, len(understood12))
	for local := range understood12 {
		out = append(out, "{"+nsTest+"}"+local)
	}
	sort.Strings(out)
	return out
}

// node is one message processed by node C.
type node struct {
	m        *soap.Message
	out      reply
	required *string                   // requiredHeader's value, for echoHeader
	ids      map[string]xmldoc.Element // enc:id values, built on first use
}

// serveSOAP12 handles POST /soap12: node C, the ultimate receiver.
func (s *Service) serveSOAP12(w http.ResponseWriter, r *http.Request) {
	hint := versionHint(r.Header)
	m, err := soap.ReadMessageSized(r.Body, r.ContentLength, s.limits)
	if err != nil {
		writeFault(w, err, hint)
		return
	}
	if m.Version != soap.V12 {
		// SOAP 1.2 Part 1, Appendix A: a SOAP 1.2 node answers a SOAP 1.1
		// envelope with a SOAP 1.1 VersionMismatch and the Upgrade header (T30).
		f := soap.VersionMismatch("this node speaks SOAP 1.2 only").WithVersion(m.Version)
		f.WriteHTTP(w, m.Version)
		return
	}
	if err := m.CheckMustUnderstand(true, isUnderstood12, RoleC); err != nil {
		writeFault(w, err, m.Version)
		return
	}
	n := &node{m: m, out: reply{v: m.Version}}
	if err := n.headers(); err != nil {
		writeFault(w, err, m.Version)
		return
	}
	if err := n.body(); err != nil {
		writeFault(w, err, m.Version)
		return
	}
	n.out.writeHTTP(w)
}

// headers processes the header blocks targeted at node C, in order
// (SOAP 1.2 Part 1, 2.6).
func (n *node) headers() error {
	for _, h := range n.m.Headers {
		if h.Name.Space != nsTest || !h.Targeted(true, RoleC) {
			continue
		}
		e := h.Element
		switch h.Name.Local {
		case "echoOk":
			textElement(&n.out.header, "test:responseOk", e.Text())
		case "requiredHeader":
			v := e.Text()
			n.required = &v
		case "validateCountryCode":
			if len(strings.TrimSpace(e.Text())) != 2 {
				f := soap.Sender("not a valid country code").WithVersion(n.m.Version)
				f.Header = []byte(`<test:validateCountryCodeFault xmlns:test="` + nsTest +
					`">Country code must be 2 letters.</test:validateCountryCodeFault>`)
				return f
			}
		case "echoResolvedRef":
			ref, err := resolvedRef(e)
			if err != nil {
				return err
			}
			textElement(&n.out.header, "test:responseResolvedRef", ref)
		}
	}
	return nil
}

// resolvedRef resolves the xlink:href of e's test:RelativeReference
// against its xml:base (XML Base, 4; test collection T75).
func resolvedRef(e xmldoc.Element) (string, error) {
	rr := e.Child(nsTest, "RelativeReference")
	href, ok := rr.Attr("http://www.w3.org/1999/xlink", "href")
	if !ok {
		return "", soap.Sender("echoResolvedRef: no test:RelativeReference with xlink:href").WithVersion(soap.V12)
	}
	var bases []string
	for a := rr; a.Valid(); a = a.Parent() {
		if b, ok := a.Attr(nsXML, "base"); ok {
			bases = append(bases, b)
		}
	}
	base := &url.URL{}
	for i := len(bases) - 1; i >= 0; i-- {
		u, err := url.Parse(strings.TrimSpace(bases[i]))
		if err != nil {
			return "", soap.Sender("echoResolvedRef: bad xml:base: " + err.Error()).WithVersion(soap.V12)
		}
		base = base.ResolveReference(u)
	}
	u, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return "", soap.Sender("echoResolvedRef: bad xlink:href: " + err.Error()).WithVersion(soap.V12)
	}
	return base.ResolveReference(u).String(), nil
}

// body answers the Body's procedure call, if any.
func (n *node) body() error {
	p := n.m.Payload
	if !p.Valid() {
		return nil
	}
	if f := n.checkEncodingStyle(p); f != nil {
		return f
	}
	name := p.Name()
	op, ok := procedures[name.Local]
	if !ok || (name.Space != nsTest && name.Space != nsTestTypo) {
		return n.fault(soap.Sender("procedure {"+name.Space+"}"+name.Local+" not present", rpcProcNotPresent))
	}
	return op(&call{node: n, op: p, name: name.Local})
}

// checkEncodingStyle refuses an encodingStyle other than SOAP Encoding on
// the procedure element or its parameters (SOAP 1.2 Part 1, 5.1.1 and
// 5.4.6 env:DataEncodingUnknown; T80).
func (n *node) checkEncodingStyle(p xmldoc.Element) *soap.Fault {
	for e := p; e.Valid(); {
		if s, ok := e.Attr(soap.NS12, "encodingStyle"); ok {
			for _, uri := range strings.Fields(s) {
				if uri != nsEnc && uri != "http://www.w3.org/2003/05/soap-envelope/encoding/none" {
					return n.fault(&soap.Fault{Code: soap.CodeDataEncodingUnknown,
						Reason: "unknown data encoding style " + uri})
				}
			}
		}
		if e == p {
			e = p.FirstChild()
		} else {
			e = e.NextSibling()
		}
	}
	return nil
}

// fault sets f's version to the message's and returns it.
func (n *node) fault(f *soap.Fault) *soap.Fault { return f.WithVersion(n.m.Version) }
