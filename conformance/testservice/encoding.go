package testservice

import (
	"encoding/xml"
	"strconv"
	"strings"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// SOAP 1.2 Part 2 fault subcodes used by node C (3.2 decoding faults,
// 4.4 RPC faults).
var (
	encMissingID      = xml.Name{Space: nsEnc, Local: "MissingID"}
	encDuplicateID    = xml.Name{Space: nsEnc, Local: "DuplicateID"}
	rpcBadArguments   = xml.Name{Space: nsRPC, Local: "BadArguments"}
	rpcProcNotPresent = xml.Name{Space: nsRPC, Local: "ProcedureNotPresent"}
)

// value is a decoded simple parameter.
type value struct {
	text string
	nil  bool // absent, or xsi:nil true
}

// resolve follows e's enc:ref to the element carrying the matching enc:id
// (SOAP 1.2 Part 2, 3.1.5): an element with both is a Sender fault (T59),
// an unknown id Sender/enc:MissingID (T56).
func (n *node) resolve(e xmldoc.Element) (xmldoc.Element, error) {
	ref, ok := e.Attr(nsEnc, "ref")
	if !ok {
		return e, nil
	}
	if _, has := e.Attr(nsEnc, "id"); has {
		return e, n.fault(soap.Sender("element " + e.Name().Local + " has both enc:id and enc:ref (SOAP 1.2 Part 2, 3.1.5.3)"))
	}
	if err := n.indexIDs(); err != nil {
		return e, err
	}
	id := strings.TrimPrefix(strings.TrimSpace(ref), "#")
	t, ok := n.ids[id]
	if !ok {
		return e, n.fault(soap.Sender("enc:ref "+ref+" names no enc:id", encMissingID))
	}
	return t, nil
}

// indexIDs collects the enc:id attributes of the whole envelope once.
func (n *node) indexIDs() error {
	if n.ids != nil {
		return nil
	}
	n.ids = map[string]xmldoc.Element{}
	var walk func(e xmldoc.Element) error
	walk = func(e xmldoc.Element) error {
		if id, ok := e.Attr(nsEnc, "id"); ok {
			id = strings.TrimSpace(id)
			if _, dup := n.ids[id]; dup {
				return n.fault(soap.Sender("enc:id "+id+" occurs twice", encDuplicateID))
			}
			n.ids[id] = e
		}
		for c := e.FirstChild(); c.Valid(); c = c.NextSibling() {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(n.m.Envelope)
}

// simple decodes e (invalid: absent) as a simple value: refs followed,
// xsi:nil honoured; an element with child elements is
// Sender/rpc:BadArguments (T27, T58).
func (n *node) simple(e xmldoc.Element) (value, error) {
	if !e.Valid() {
		return value{nil: true}, nil
	}
	e, err := n.resolve(e)
	if err != nil {
		return value{}, err
	}
	if s, ok := e.Attr(nsXSI, "nil"); ok && (strings.TrimSpace(s) == "true" || strings.TrimSpace(s) == "1") {
		return value{nil: true}, nil
	}
	if e.HasChildElements() {
		return value{}, n.fault(soap.Sender("parameter "+e.Name().Local+" is not a simple value", rpcBadArguments))
	}
	return value{text: e.Text()}, nil
}

// array decodes e as an array of simple values, checking enc:arraySize
// (SOAP 1.2 Part 2, 3.1.6: "*" may only be the first size; T61).
func (n *node) array(e xmldoc.Element) ([]value, error) {
	if !e.Valid() {
		return nil, n.fault(soap.Sender("missing array parameter", rpcBadArguments))
	}
	e, err := n.resolve(e)
	if err != nil {
		return nil, err
	}
	if size, ok := e.Attr(nsEnc, "arraySize"); ok {
		for i, tok := range strings.Fields(size) {
			if tok == "*" && i == 0 {
				continue
			}
			if _, err := strconv.ParseUint(tok, 10, 31); err != nil {
				return nil, n.fault(soap.Sender("enc:arraySize " + strconv.Quote(size) + " is not valid ('*' may only be the first size)"))
			}
		}
	}
	var vs []value
	for c := e.FirstChild(); c.Valid(); c = c.NextSibling() {
		v, err := n.simple(c)
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, nil
}
