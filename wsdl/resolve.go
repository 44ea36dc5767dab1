package wsdl

import (
	"encoding/xml"
	"errors"
	"fmt"
	"strings"

	"github.com/beevik/etree"

	"github.com/wsgw/wsgw/soap"
)

// build links the components of every loaded WSDL document into
// Definitions. QName references resolve in the namespace scope of the
// element holding them and may point into any loaded document.
func build(l *loader) (*Definitions, error) {
	m := &model{
		l:         l,
		messages:  map[xml.Name]*message{},
		portTypes: map[xml.Name]*portType{},
		bindings:  map[xml.Name]*Binding{},
		raw:       map[string][]component{},
	}
	m.collect()
	m.buildMessages()
	m.buildPortTypes()
	for _, c := range m.raw["binding"] {
		if b := m.buildBinding(c); b != nil {
			m.bindings[c.name] = b
		}
	}
	d := &Definitions{Documents: l.docs, main: l.main, byLoc: l.byLoc}
	d.TargetNamespace, _ = attr(l.docs[0].tree.Root(), "targetNamespace")
	for _, c := range m.raw["service"] {
		d.Services = append(d.Services, m.buildService(c))
	}
	if len(m.errs) > 0 {
		return nil, errors.Join(m.errs...)
	}
	return d, nil
}

// soapNS returns the WSDL SOAP binding namespace of version v.
func soapNS(v soap.Version) string {
	if v == soap.V12 {
		return nsSOAP12
	}
	return nsSOAP11
}

// buildBinding reads a wsdl:binding (WSDL 1.1, 2.5) with its SOAP 1.1
// (3.3-3.6) or SOAP 1.2 (WSDL 1.1 SOAP 1.2 binding note) extensions.
func (m *model) buildBinding(c component) *Binding {
	b := &Binding{Name: c.name, Style: "document"}
	elem := "binding " + clark(c.name)
	qn, raw, err := qnameAttr(c.el, "type")
	if err != nil {
		m.fail(c.doc, elem, err)
		return nil
	}
	pt := m.portTypes[qn]
	if pt == nil {
		m.fail(c.doc, elem, fmt.Errorf("type %s: portType not defined", raw))
		return nil
	}
	b.PortType = qn
	switch {
	case child(c.el, nsSOAP11, "binding") != nil:
		b.Version = soap.V11
	case child(c.el, nsSOAP12, "binding") != nil:
		b.Version = soap.V12
	default: // HTTP (WSDL 1.1, 4) or another binding: recognised, not dispatched
		return b
	}
	sb := child(c.el, soapNS(b.Version), "binding")
	if s, ok := attr(sb, "style"); ok && s != "" {
		b.Style = s
	}
	b.Transport, _ = attr(sb, "transport")
	b.UsingAddressing = usesAddressing(c.el)
	for _, o := range children(c.el, nsWSDL, "operation") {
		if op := m.buildBindingOp(c, b, pt, o); op != nil {
			b.Operations = append(b.Operations, op)
		}
	}
	return b
}

// usesAddressing reports a wsaw:UsingAddressing element or a wsam:Addressing
// policy assertion anywhere in the binding (WS-Addressing 1.0 Metadata 3.1).
func usesAddressing(e *etree.Element) bool {
	for _, c := range e.ChildElements() {
		n := elemName(c)
		if (n.Local == "UsingAddressing" && (n.Space == nsWSAW || n.Space == nsWSAWSub)) ||
			(n.Local == "Addressing" && n.Space == nsWSAM) || usesAddressing(c) {
			return true
		}
	}
	return false
}

// findPTOp finds the portType operation a binding operation binds: by
// name, and by input/output names when the name is overloaded (WSDL 1.1,
// 2.5; overloading is forbidden by WS-I BP 1.1 R2304 but legal WSDL).
func findPTOp(pt *portType, o *etree.Element, name string) (*ptOp, error) {
	var cands []*ptOp
	for _, op := range pt.ops {
		if op.name == name {
			cands = append(cands, op)
		}
	}
	if len(cands) > 1 {
		in, out := ioNameOf(o, "input"), ioNameOf(o, "output")
		var keep []*ptOp
		for _, op := range cands {
			if (in == "" || op.input != nil && op.input.name == in) &&
				(out == "" || op.output != nil && op.output.name == out) {
				keep = append(keep, op)
			}
		}
		cands = keep
	}
	switch len(cands) {
	case 0:
		return nil, fmt.Errorf("not defined in portType %s", clark(pt.name))
	case 1:
		return cands[0], nil
	}
	return nil, fmt.Errorf("overloaded in portType %s and input/output names do not tell which", clark(pt.name))
}

func ioNameOf(o *etree.Element, which string) string {
	if e := child(o, nsWSDL, which); e != nil {
		n, _ := attr(e, "name")
		return n
	}
	return ""
}

// buildBindingOp derives the dispatch facts of one binding operation.
func (m *model) buildBindingOp(c component, b *Binding, pt *portType, o *etree.Element) *Operation {
	name, _ := attr(o, "name")
	elem := fmt.Sprintf("binding %s: operation %q", clark(c.name), name)
	pop, err := findPTOp(pt, o, name)
	if err != nil {
		m.fail(c.doc, elem, err)
		return nil
	}
	if pop.broken || pop.input == nil || !pop.inputFirst && pop.output != nil {
		return nil // notification / solicit-response: nothing to dispatch
	}
	ns := soapNS(b.Version)
	op := &Operation{Name: name, Style: b.Style, Use: "literal", Version: b.Version,
		Binding: b.Name, OneWay: pop.output == nil}
	if so := child(o, ns, "operation"); so != nil {
		op.SOAPAction, _ = attr(so, "soapAction")
		op.SOAPAction = strings.TrimSpace(op.SOAPAction)
		if s, ok := attr(so, "style"); ok && s != "" {
			op.Style = s
		}
	}
	if op.Style != "document" && op.Style != "rpc" {
		m.fail(c.doc, elem, fmt.Errorf("style %q is neither document nor rpc", op.Style))
		return nil
	}
	in := child(o, nsWSDL, "input")
	var body *etree.Element
	if in != nil {
		body = child(in, ns, "body")
	}
	if body != nil {
		if u, ok := attr(body, "use"); ok && u != "" {
			op.Use = u
		}
	}
	if err := m.setBody(op, pop, in, body, c.doc); err != nil {
		m.fail(c.doc, elem, err)
		return nil
	}
	m.setActions(op, pt, pop)
	return op
}

// setActions fills Action and OutputAction (WS-Addressing 1.0 Metadata
// 4.4.1 and 4.4.4). The default pattern uses the target namespace of the
// document defining the portType.
func (m *model) setActions(op *Operation, pt *portType, pop *ptOp) {
	tns := pt.name.Space
	switch {
	case pop.input.action != "":
		op.Action = pop.input.action
	case op.SOAPAction != "":
		op.Action = op.SOAPAction
	default:
		op.Action = defaultAction(tns, pt.name.Local, pop.input.name)
	}
	if pop.output != nil {
		op.OutputAction = pop.output.action
		if op.OutputAction == "" {
			op.OutputAction = defaultAction(tns, pt.name.Local, pop.output.name)
		}
	}
}

// setBody computes the body QName. rpc (WSDL 1.1, 3.5): the wrapper is the
// operation name in soap:body/@namespace (WS-I BP 1.1 R2717 requires it;
// absent, the binding's target namespace is used, as toolkits do).
// document: the element of the first part carried in the body: those named
// by soap:body/@parts, else the message's parts less those bound to
// soap:header.
func (m *model) setBody(op *Operation, pop *ptOp, in, body *etree.Element, d *Document) error {
	if op.Style == "rpc" {
		ns, ok := "", false
		if body != nil {
			ns, ok = attr(body, "namespace")
		}
		if !ok || strings.TrimSpace(ns) == "" {
			ns = op.Binding.Space
			op.Note = "soap:body has no namespace (WS-I BP 1.1 R2717); using the binding's target namespace"
		}
		op.Body = xml.Name{Space: strings.TrimSpace(ns), Local: op.Name}
		return nil
	}
	parts, err := m.bodyParts(pop.input.msg, in, body)
	if err != nil {
		return err
	}
	if len(parts) == 0 {
		return nil
	}
	if parts[0].element.Local == "" {
		op.Note = fmt.Sprintf("document-style body part %q is declared with type=, not element= (WS-I BP 1.1 R2204): no body QName; matched by action only", parts[0].name)
		return nil
	}
	op.Body = parts[0].element
	return nil
}

func (m *model) bodyParts(msg *message, in, body *etree.Element) ([]part, error) {
	byName := map[string]part{}
	for _, p := range msg.parts {
		byName[p.name] = p
	}
	if body != nil {
		if names, ok := attr(body, "parts"); ok {
			var out []part
			for _, n := range strings.Fields(names) {
				p, ok := byName[n]
				if !ok {
					return nil, fmt.Errorf("soap:body parts: message %s has no part %q", clark(msg.name), n)
				}
				out = append(out, p)
			}
			return out, nil
		}
	}
	inHeader := map[string]bool{}
	if in != nil {
		for _, h := range in.ChildElements() {
			if h.Tag != "header" {
				continue
			}
			if s := elemName(h).Space; s != nsSOAP11 && s != nsSOAP12 {
				continue
			}
			qn, raw, err := qnameAttr(h, "message")
			if err != nil {
				return nil, fmt.Errorf("soap:header: %w", err)
			}
			if m.messages[qn] == nil {
				return nil, fmt.Errorf("soap:header message %s not defined", raw)
			}
			if qn == msg.name {
				p, _ := attr(h, "part")
				inHeader[p] = true
			}
		}
	}
	var out []part
	for _, p := range msg.parts {
		if !inHeader[p.name] {
			out = append(out, p)
		}
	}
	return out, nil
}

// buildService reads a wsdl:service and its ports (WSDL 1.1, 2.6-2.7).
func (m *model) buildService(c component) *Service {
	s := &Service{Name: c.name}
	for _, p := range children(c.el, nsWSDL, "port") {
		name, _ := attr(p, "name")
		elem := fmt.Sprintf("service %s: port %q", clark(c.name), name)
		if name == "" {
			m.fail(c.doc, elem, errors.New("missing name attribute"))
			continue
		}
		qn, raw, err := qnameAttr(p, "binding")
		if err != nil {
			m.fail(c.doc, elem, err)
			continue
		}
		b := m.bindings[qn]
		if b == nil {
			if m.hasRaw("binding", qn) {
				continue // the binding's own error is reported
			}
			m.fail(c.doc, elem, fmt.Errorf("binding %s not defined", raw))
			continue
		}
		port := &Port{Name: name, Binding: b}
		for _, v := range []soap.Version{soap.V11, soap.V12} {
			if a := child(p, soapNS(v), "address"); a != nil {
				port.Address, _ = attr(a, "location")
				port.Version = v
			}
		}
		if port.Version != 0 && b.Version != 0 {
			// soap:address on a SOAP 1.2 binding (CXF writes it): the
			// binding decides the envelope version.
			port.Version = b.Version
		}
		s.Ports = append(s.Ports, port)
	}
	return s
}

func (m *model) hasRaw(kind string, n xml.Name) bool {
	for _, c := range m.raw[kind] {
		if c.name == n {
			return true
		}
	}
	return false
}

// versionName names a SOAP version without calling into package soap.
func versionName(v soap.Version) string {
	switch v {
	case soap.V11:
		return "SOAP 1.1"
	case soap.V12:
		return "SOAP 1.2"
	}
	return "non-SOAP"
}
