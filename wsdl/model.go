package wsdl

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/beevik/etree"
)

// The abstract part of a description (WSDL 1.1, 2.3 messages, 2.4 port
// types), collected from every loaded WSDL document.

type message struct {
	name  xml.Name
	parts []part
}

type part struct {
	name    string
	element xml.Name // zero when declared with type=
	typ     xml.Name
}

type portType struct {
	name xml.Name
	ops  []*ptOp
}

// ptOp is a portType operation (WSDL 1.1, 2.4). Its transmission primitive
// follows from the order of input and output (2.4.1-2.4.4).
type ptOp struct {
	name           string
	input, output  *ptIO // nil when absent
	inputFirst     bool
	inName, outNam string // explicit input/output names ("" if absent)
	broken         bool   // its error is reported; bindings skip it silently
}

type ptIO struct {
	name   string // explicit or defaulted (WSDL 1.1, 2.4.5)
	msg    *message
	action string // explicit wsam:Action / wsaw:Action; "" if absent
}

// component is one named top-level element awaiting resolution.
type component struct {
	name xml.Name
	el   *etree.Element
	doc  *Document
}

// model holds every named component of every WSDL document and collects
// the problems found while linking them.
type model struct {
	l         *loader
	messages  map[xml.Name]*message
	portTypes map[xml.Name]*portType
	bindings  map[xml.Name]*Binding
	raw       map[string][]component // kind -> components, document order
	errs      []error
}

const maxErrs = 10

func (m *model) fail(d *Document, elem string, err error) {
	if len(m.errs) < maxErrs {
		m.errs = append(m.errs, m.l.errf(d, elem, "%w", err))
	}
}

// collect indexes the top-level message, portType, binding and service
// elements of every WSDL document; a name defined twice in one target
// namespace is an error (WSDL 1.1, 2.3-2.7: names are unique per kind).
func (m *model) collect() {
	seen := map[string]*Document{}
	for _, d := range m.l.docs {
		if d.Kind != "wsdl" {
			continue
		}
		root := d.tree.Root()
		tns, _ := attr(root, "targetNamespace")
		for _, c := range root.ChildElements() {
			n := elemName(c)
			if n.Space != nsWSDL {
				continue
			}
			switch n.Local {
			case "message", "portType", "binding", "service":
			default:
				continue
			}
			local, ok := attr(c, "name")
			name := xml.Name{Space: tns, Local: local}
			elem := n.Local + " " + clark(name)
			if !ok || local == "" {
				m.fail(d, n.Local, fmt.Errorf("missing name attribute"))
				continue
			}
			key := n.Local + " " + clark(name)
			if prev, dup := seen[key]; dup {
				where := ""
				if prev != d {
					where = " (first in " + prev.Location + ")"
				}
				m.fail(d, elem, fmt.Errorf("defined more than once%s", where))
				continue
			}
			seen[key] = d
			m.raw[n.Local] = append(m.raw[n.Local], component{name: name, el: c, doc: d})
		}
	}
}

// buildMessages reads every wsdl:message and its parts.
func (m *model) buildMessages() {
	for _, c := range m.raw["message"] {
		msg := &message{name: c.name}
		elem := "message " + clark(c.name)
		for _, p := range children(c.el, nsWSDL, "part") {
			pn, _ := attr(p, "name")
			pt := part{name: pn}
			_, hasEl := attr(p, "element")
			_, hasType := attr(p, "type")
			var err error
			switch {
			case hasEl:
				pt.element, _, err = qnameAttr(p, "element")
			case hasType:
				pt.typ, _, err = qnameAttr(p, "type")
			default:
				err = fmt.Errorf("has neither element nor type")
			}
			if err != nil {
				m.fail(c.doc, fmt.Sprintf("%s: part %q", elem, pn), err)
				continue
			}
			msg.parts = append(msg.parts, pt)
		}
		m.messages[c.name] = msg
	}
}

// buildPortTypes reads every wsdl:portType, resolving message references.
func (m *model) buildPortTypes() {
	for _, c := range m.raw["portType"] {
		pt := &portType{name: c.name}
		for _, o := range children(c.el, nsWSDL, "operation") {
			if op := m.buildPTOp(c, o); op != nil {
				pt.ops = append(pt.ops, op)
			}
		}
		m.portTypes[c.name] = pt
	}
}

func (m *model) buildPTOp(c component, o *etree.Element) *ptOp {
	name, _ := attr(o, "name")
	op := &ptOp{name: name}
	elem := fmt.Sprintf("portType %s: operation %q", clark(c.name), name)
	for _, e := range o.ChildElements() {
		n := elemName(e)
		if n.Space != nsWSDL || (n.Local != "input" && n.Local != "output") {
			continue
		}
		qn, raw, err := qnameAttr(e, "message")
		if err != nil {
			m.fail(c.doc, elem, fmt.Errorf("%s: %w", n.Local, err))
			op.broken = true
			return op
		}
		msg := m.messages[qn]
		if msg == nil {
			m.fail(c.doc, elem, fmt.Errorf("%s message %s not defined", n.Local, raw))
			op.broken = true
			return op
		}
		io := &ptIO{msg: msg, action: explicitAction(e)}
		io.name, _ = attr(e, "name")
		if n.Local == "input" {
			op.input, op.inName = io, io.name
			op.inputFirst = op.output == nil
		} else {
			op.output, op.outNam = io, io.name
		}
	}
	if op.input == nil && op.output == nil {
		m.fail(c.doc, elem, fmt.Errorf("has neither input nor output"))
		op.broken = true
		return op
	}
	defaultIONames(op)
	return op
}

// defaultIONames applies WSDL 1.1, 2.4.5: an unnamed one-way or
// notification message takes the operation name; in request-response the
// input takes name+"Request", the output name+"Response"; in
// solicit-response the output takes name+"Solicit", the input
// name+"Response".
func defaultIONames(op *ptOp) {
	both := op.input != nil && op.output != nil
	set := func(io *ptIO, suffix string) {
		if io != nil && io.name == "" {
			if both {
				io.name = op.name + suffix
			} else {
				io.name = op.name
			}
		}
	}
	if op.inputFirst || op.output == nil {
		set(op.input, "Request")
		set(op.output, "Response")
	} else {
		set(op.output, "Solicit")
		set(op.input, "Response")
	}
}

// explicitAction reads wsam:Action (WS-Addressing 1.0 Metadata 4.4.1), or
// the older wsaw:Action (WSDL Binding CR) / submission wsa:Action.
func explicitAction(e *etree.Element) string {
	for _, ns := range []string{nsWSAM, nsWSAW, nsWSAWSub, nsWSA04, nsWSA05} {
		if v, ok := attrNS(e, ns, "Action"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// defaultAction is WS-Addressing 1.0 Metadata 4.4.4:
// [target namespace][delimiter][port type name][delimiter][input|output name]
// where the delimiter is ":" for a URN target namespace and "/" otherwise,
// and none is added after a target namespace already ending with it.
func defaultAction(tns, portType, ioName string) string {
	delim := "/"
	if strings.HasPrefix(strings.ToLower(tns), "urn:") {
		delim = ":"
	}
	s := tns
	if !strings.HasSuffix(s, delim) {
		s += delim
	}
	return s + portType + delim + ioName
}
