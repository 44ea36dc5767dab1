package soap

import (
	"bytes"
	"encoding/xml"
	"strconv"
)

// Marshal returns the fault envelope in version v (an unknown version is
// written as SOAP 1.1).
//
// A VersionMismatch fault carries the env:Upgrade header block listing the
// supported envelopes, SOAP 1.2 first, in both versions (SOAP 1.2 Part 1,
// 5.4.7 and Appendix A). A MustUnderstand fault in SOAP 1.2 carries one
// env:NotUnderstood header block per name (5.4.8); SOAP 1.1 has no such
// block, so the names are only in the faultstring. A fault whose outermost
// subcode is a WS-Addressing one carries, in SOAP 1.1, its detail in a
// wsa:FaultDetail header block (WS-Addressing 1.0 SOAP Binding 6).
func (f *Fault) Marshal(v Version) []byte {
	v = v.orDefault()
	w := faultWriter{v: v, env: "env"}
	if v == V11 {
		w.env = "soap"
	}
	w.prefixes = newPrefixes(f.Subcodes)
	w.b.Grow(512 + len(f.Reason) + len(f.Detail) + len(f.Header))
	w.b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	w.start("Envelope")
	w.attr("xmlns:"+w.env, v.Namespace())
	for _, p := range w.prefixes {
		w.attr("xmlns:"+p.prefix, p.space)
	}
	w.b.WriteByte('>')
	w.header(f)
	w.open("Body")
	w.open("Fault")
	if v == V12 {
		w.fault12(f)
	} else {
		w.fault11(f)
	}
	w.close("Fault")
	w.close("Body")
	w.close("Envelope")
	w.b.WriteByte('\n')
	return w.b.Bytes()
}

type faultWriter struct {
	b        bytes.Buffer
	v        Version
	env      string // prefix of the envelope namespace
	prefixes []nsPrefix
}

func (w *faultWriter) header(f *Fault) {
	wsaDetail := w.v == V11 && len(f.Detail) > 0 && len(f.Subcodes) > 0 && isWSA(f.Subcodes[0].Space)
	upgrade := f.Code == CodeVersionMismatch
	notUnderstood := w.v == V12 && f.Code == CodeMustUnderstand && len(f.NotUnderstood) > 0
	if len(f.Header) == 0 && !wsaDetail && !upgrade && !notUnderstood {
		return
	}
	w.open("Header")
	if upgrade {
		w.upgrade()
	}
	if notUnderstood {
		for _, n := range f.NotUnderstood {
			w.qnameElement(w.env+":NotUnderstood", n)
		}
	}
	if wsaDetail {
		w.b.WriteString(`<wsa:FaultDetail xmlns:wsa="`)
		escape(&w.b, f.Subcodes[0].Space)
		w.b.WriteString(`">`)
		w.b.Write(f.Detail)
		w.b.WriteString(`</wsa:FaultDetail>`)
	}
	w.b.Write(f.Header)
	w.close("Header")
}

// upgrade writes the Upgrade header block (SOAP 1.2 Part 1, 5.4.7.1): in a
// SOAP 1.1 envelope its elements are in the SOAP 1.2 namespace (Appendix A).
func (w *faultWriter) upgrade() {
	p := w.env
	if w.v == V11 {
		p = "upg"
		w.b.WriteString(`<upg:Upgrade xmlns:upg="` + NS12 + `">`)
	} else {
		w.open("Upgrade")
	}
	w.qnameElement(p+":SupportedEnvelope", xml.Name{Space: NS12, Local: "Envelope"})
	w.qnameElement(p+":SupportedEnvelope", xml.Name{Space: NS11, Local: "Envelope"})
	w.b.WriteString("</" + p + ":Upgrade>")
}

// qnameElement writes <tag qname="ns:local" xmlns:ns="space"/>.
func (w *faultWriter) qnameElement(tag string, n xml.Name) {
	w.b.WriteString("<" + tag + ` qname="`)
	if n.Space != "" {
		w.b.WriteString("ns:")
	}
	escape(&w.b, n.Local)
	w.b.WriteByte('"')
	if n.Space != "" {
		w.attr("xmlns:ns", n.Space)
	}
	w.b.WriteString("/>")
}

func (w *faultWriter) fault12(f *Fault) {
	w.open("Code")
	w.open("Value")
	w.b.WriteString(w.env + ":" + string(f.code()))
	w.close("Value")
	for _, s := range f.Subcodes {
		w.open("Subcode")
		w.open("Value")
		w.qname(s)
		w.close("Value")
	}
	for range f.Subcodes {
		w.close("Subcode")
	}
	w.close("Code")
	w.open("Reason")
	w.start("Text")
	w.attr("xml:lang", "en")
	w.b.WriteByte('>')
	escape(&w.b, f.Reason)
	w.close("Text")
	w.close("Reason")
	if f.Role != "" {
		w.open("Role")
		escape(&w.b, f.Role)
		w.close("Role")
	}
	if len(f.Detail) > 0 {
		w.open("Detail")
		w.b.Write(f.Detail)
		w.close("Detail")
	}
}

func (w *faultWriter) fault11(f *Fault) {
	w.b.WriteString("<faultcode>")
	asCode := f.SubcodeFaultcode && len(f.Subcodes) > 0
	if asCode {
		w.qname(f.Subcodes[0])
	} else {
		w.b.WriteString(w.env + ":" + code11(f.code()))
	}
	w.b.WriteString("</faultcode><faultstring>")
	escape(&w.b, f.Reason)
	w.b.WriteString("</faultstring>")
	if f.Role != "" {
		w.b.WriteString("<faultactor>")
		escape(&w.b, f.Role)
		w.b.WriteString("</faultactor>")
	}
	subInDetail := !asCode && len(f.Subcodes) > 0
	if subInDetail || (len(f.Detail) > 0 && !isWSA(subcodeSpace(f))) {
		w.b.WriteString("<detail>")
		if subInDetail {
			w.subcodes11(f.Subcodes)
		}
		w.b.Write(f.Detail)
		w.b.WriteString("</detail>")
	}
}

// subcodes11 writes each subcode as a wsgw:Subcode detail entry, outermost
// first, for SOAP 1.1, which has no subcodes.
func (w *faultWriter) subcodes11(subs []xml.Name) {
	decl := ""
	if !hasSpace(w.prefixes, FaultNS) { // else declared on the Envelope
		decl = ` xmlns:wsgw="` + FaultNS + `"`
	}
	for _, n := range subs {
		w.b.WriteString("<wsgw:" + subcodeElem + decl + ">")
		w.qname(n)
		w.b.WriteString("</wsgw:" + subcodeElem + ">")
	}
}

// subcodeElem is the local name of the SOAP 1.1 detail entry that carries
// a subcode.
const subcodeElem = "Subcode"

func subcodeSpace(f *Fault) string {
	if len(f.Subcodes) == 0 {
		return ""
	}
	return f.Subcodes[0].Space
}

// code returns f.Code, Receiver when unset.
func (f *Fault) code() Code {
	if f.Code == "" {
		return CodeReceiver
	}
	return f.Code
}

// code11 maps a SOAP 1.2 code to its SOAP 1.1 faultcode local name.
func code11(c Code) string {
	switch c {
	case CodeSender, CodeDataEncodingUnknown:
		return "Client"
	case CodeReceiver:
		return "Server"
	}
	return string(c)
}

func (w *faultWriter) qname(n xml.Name) {
	for _, p := range w.prefixes {
		if p.space == n.Space {
			w.b.WriteString(p.prefix + ":")
			break
		}
	}
	escape(&w.b, n.Local)
}

func (w *faultWriter) start(local string) { w.b.WriteString("<" + w.env + ":" + local) }
func (w *faultWriter) open(local string)  { w.b.WriteString("<" + w.env + ":" + local + ">") }
func (w *faultWriter) close(local string) { w.b.WriteString("</" + w.env + ":" + local + ">") }

func (w *faultWriter) attr(name, value string) {
	w.b.WriteString(" " + name + `="`)
	escape(&w.b, value)
	w.b.WriteByte('"')
}

// nsPrefix is one namespace declared on the fault's Envelope for subcode
// QNames.
type nsPrefix struct{ prefix, space string }

// newPrefixes assigns a prefix to each distinct non-empty subcode namespace:
// "wsa" for WS-Addressing, "wsgw" for FaultNS, "nsN" for others.
func newPrefixes(names []xml.Name) []nsPrefix {
	var ps []nsPrefix
	used := map[string]bool{"env": true, "soap": true, "upg": true}
	for _, n := range names {
		if n.Space == "" || hasSpace(ps, n.Space) {
			continue
		}
		p := wellKnownPrefix(n.Space)
		for i := 1; p == "" || used[p]; i++ {
			p = "ns" + strconv.Itoa(i)
		}
		used[p] = true
		ps = append(ps, nsPrefix{prefix: p, space: n.Space})
	}
	return ps
}

func hasSpace(ps []nsPrefix, space string) bool {
	for _, p := range ps {
		if p.space == space {
			return true
		}
	}
	return false
}

func wellKnownPrefix(space string) string {
	switch space {
	case WSANS, WSANS2004:
		return "wsa"
	case FaultNS:
		return "wsgw"
	case WSSENS:
		return "wsse"
	}
	return ""
}

func isWSA(space string) bool { return space == WSANS || space == WSANS2004 }

// escape writes s as XML character data safe in both text and attribute
// values.
func escape(b *bytes.Buffer, s string) {
	xml.EscapeText(b, []byte(s)) //nolint:errcheck // bytes.Buffer never fails
}
