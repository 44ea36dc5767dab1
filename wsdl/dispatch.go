package wsdl

import (
	"encoding/xml"
	"fmt"
	"sort"
	"strings"

	"github.com/wsgw/wsgw/soap"
)

// SOAP/HTTP transports (WSDL 1.1, 3.3; WSDL 1.1 SOAP 1.2 binding note, 3.2).
var httpTransports = map[string]bool{
	"http://schemas.xmlsoap.org/soap/http":          true,
	"http://schemas.xmlsoap.org/soap/http/":         true,
	"http://www.w3.org/2003/05/soap/bindings/HTTP/": true,
	"http://www.w3.org/2003/05/soap/bindings/HTTP":  true,
}

// Dispatch is the routing table of one wsdl:service: every operation of
// every SOAP port's binding. It is immutable and safe for concurrent use.
type Dispatch struct {
	ops []*Operation
	// idx[v] indexes the operations of version v; idx[0] those of all.
	idx [3]index
}

type index struct {
	action     map[string][]*Operation
	soapAction map[string][]*Operation
	body       map[xml.Name][]*Operation
}

// NewDispatch derives the table for the named service (local name; "" picks
// the only service). Keys that cannot tell operations apart are reported in
// the error, which lists every ambiguity.
//
// Ambiguity policy: when the only problem is ambiguity, NewDispatch returns
// the table AND an *AmbiguityError. Each Ambiguity says which keys still
// tell the operations apart; a WSDL ambiguous only by body QName (WS-I BP
// 1.1 R2710) whose SOAPActions or wsa:Actions differ is fully servable, and
// the caller should log the error. AmbiguityError.Indistinguishable reports
// operations no request can select (Lookup answers ErrAmbiguous for them).
// Any other error (no such service, no SOAP/HTTP port) comes with a nil
// table.
//
// Operations of the service's SOAP 1.1 and SOAP 1.2 ports appear once per
// version. Ports of non-SOAP bindings (HTTP) or SOAP over other transports
// are skipped. Operations identical in every routing fact (two ports of the
// same binding) are listed once.
func NewDispatch(d *Definitions, service string) (*Dispatch, error) {
	svc, err := d.service(service)
	if err != nil {
		return nil, err
	}
	t := &Dispatch{}
	seen := map[Operation]bool{}
	for _, p := range svc.Ports {
		b := p.Binding
		if p.Version == 0 || b.Version == 0 || !httpTransports[b.Transport] {
			continue
		}
		for _, op := range b.Operations {
			if k := *op; !seen[k] {
				seen[k] = true
				t.ops = append(t.ops, op)
			}
		}
	}
	if len(t.ops) == 0 {
		return nil, fmt.Errorf("service %s: no operations on a SOAP/HTTP port", clark(svc.Name))
	}
	for i := range t.idx {
		t.idx[i] = index{map[string][]*Operation{}, map[string][]*Operation{}, map[xml.Name][]*Operation{}}
	}
	for _, op := range t.ops {
		for _, v := range []soap.Version{0, op.Version} {
			ix := &t.idx[v]
			ix.action[op.Action] = append(ix.action[op.Action], op)
			if op.SOAPAction != "" {
				ix.soapAction[op.SOAPAction] = append(ix.soapAction[op.SOAPAction], op)
			}
			if op.Body.Local != "" {
				ix.body[op.Body] = append(ix.body[op.Body], op)
			}
		}
	}
	if amb := t.ambiguities(); len(amb) > 0 {
		return t, &AmbiguityError{Service: clark(svc.Name), Ambiguities: amb}
	}
	return t, nil
}

// service finds a service by local name ("" for the only one).
func (d *Definitions) service(name string) (*Service, error) {
	var found []*Service
	var names []string
	for _, s := range d.Services {
		names = append(names, s.Name.Local)
		if name == "" || s.Name.Local == name {
			found = append(found, s)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(d.Services) == 0:
		return nil, fmt.Errorf("wsdl %s defines no service", d.main)
	case len(found) == 0:
		return nil, fmt.Errorf("wsdl %s: no service %q (services: %s)", d.main, name, strings.Join(names, ", "))
	case name == "":
		return nil, fmt.Errorf("wsdl %s defines several services (%s): name one", d.main, strings.Join(names, ", "))
	}
	return nil, fmt.Errorf("wsdl %s: several services named %q", d.main, name)
}

// Operations lists the table's operations.
func (t *Dispatch) Operations() []*Operation { return append([]*Operation(nil), t.ops...) }

// opName is an operation's name qualified by its binding.
func opName(op *Operation) string { return clark(op.Binding) + "." + op.Name }

// ambiguities lists, per version, every key value shared by several
// operations, and which other keys still separate them.
func (t *Dispatch) ambiguities() []Ambiguity {
	var out []Ambiguity
	for _, v := range []soap.Version{soap.V11, soap.V12} {
		ix := t.idx[v]
		add := func(key, value string, ops []*Operation) {
			if len(ops) < 2 {
				return
			}
			a := Ambiguity{Version: versionName(v), Key: key, Value: value}
			for _, op := range ops {
				a.Operations = append(a.Operations, opName(op))
			}
			a.DistinguishedBy = distinguishers(key, ops)
			out = append(out, a)
		}
		for _, k := range sortedKeys(ix.body, func(n xml.Name) string { return clark(n) }) {
			add("body", k, ix.body[nameOf(k)])
		}
		var empty []*Operation // operations with no body QName
		for _, op := range t.ops {
			if op.Version == v && op.Body.Local == "" {
				empty = append(empty, op)
			}
		}
		add("body", "", empty)
		for _, k := range sortedKeys(ix.soapAction, func(s string) string { return s }) {
			add("SOAPAction", k, ix.soapAction[k])
		}
		for _, k := range sortedKeys(ix.action, func(s string) string { return s }) {
			if ops := ix.action[k]; !allSOAPAction(ops, k) {
				add("wsa:Action", k, ops) // else reported as a SOAPAction already
			}
		}
	}
	return out
}

// allSOAPAction reports whether every op's Action is its SOAPAction v
// (WS-Addressing 1.0 Metadata 4.4.1).
func allSOAPAction(ops []*Operation, v string) bool {
	for _, op := range ops {
		if op.SOAPAction != v {
			return false
		}
	}
	return true
}

// distinguishers lists the keys other than key whose values differ
// pairwise among ops (so each op can be selected by that key).
func distinguishers(key string, ops []*Operation) []string {
	var out []string
	try := func(k string, val func(*Operation) string) {
		if k == key {
			return
		}
		seen := map[string]bool{}
		for _, op := range ops {
			s := val(op)
			if s == "" || seen[s] {
				return
			}
			seen[s] = true
		}
		out = append(out, k)
	}
	try("SOAPAction", func(op *Operation) string { return op.SOAPAction })
	try("wsa:Action", func(op *Operation) string { return op.Action })
	try("body", func(op *Operation) string { return clark(op.Body) })
	return out
}

func sortedKeys[K comparable, V any](m map[K]V, str func(K) string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, str(k))
	}
	sort.Strings(out)
	return out
}

// nameOf parses clark notation back into a name.
func nameOf(s string) xml.Name {
	if strings.HasPrefix(s, "{") {
		if i := strings.LastIndex(s, "}"); i > 0 {
			return xml.Name{Space: s[1:i], Local: s[i+1:]}
		}
	}
	return xml.Name{Local: s}
}
