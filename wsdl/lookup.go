package wsdl

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/wsgw/wsgw/soap"
)

// Key is what a request offers for dispatch; empty fields are absent.
type Key struct {
	Version    soap.Version // 0: any version
	SOAPAction string       // HTTP SOAPAction header or SOAP 1.2 action parameter; quotes are stripped
	WSAAction  string       // wsa:Action header
	Body       xml.Name     // first child element of soap:Body
}

// Lookup finds the operation for k. It returns ErrNoOperation when nothing
// matches and a *MismatchError when the keys present name different
// operations.
//
// Rules, applied to the operations of k.Version (all when 0):
//
//  1. The primary key picks candidates: wsa:Action when present (an
//     operation's Action: explicit, else its non-empty SOAPAction, else the
//     default pattern; WS-Addressing 1.0 Metadata 4.4). A wsa:Action that
//     names no operation gives ErrNoOperation (WS-A ActionNotSupported),
//     whatever the other keys say. Otherwise SOAPAction, when non-empty
//     (after stripping quotes) and naming at least one operation; a
//     SOAPAction naming none is treated as absent (clients send stale or
//     made-up values). Otherwise the body QName.
//  2. Each other key present narrows the candidates: a SOAPAction that
//     names operations must name the candidate; a body QName must equal
//     the candidate's Body unless that Body is zero (empty or type= input
//     bodies are matched by action only). Narrowing to nothing is a
//     *MismatchError saying which key named which operation.
//  3. One candidate left: found. Several: ErrAmbiguous (the WSDL cannot
//     tell them apart; NewDispatch reported it). None: ErrNoOperation.
func (t *Dispatch) Lookup(k Key) (*Operation, error) {
	if int(k.Version) >= len(t.idx) {
		return nil, fmt.Errorf("%w: unknown SOAP version %d", ErrNoOperation, k.Version)
	}
	ix := &t.idx[k.Version]
	sa := strings.Trim(strings.TrimSpace(k.SOAPAction), `"`)
	bySA := ix.soapAction[sa]
	if sa == "" {
		bySA = nil
	}
	var cands []*Operation
	var primary string
	switch {
	case k.WSAAction != "":
		cands, primary = ix.action[k.WSAAction], "wsa:Action"
		if len(cands) == 0 {
			return nil, fmt.Errorf("%w: wsa:Action %q names no operation", ErrNoOperation, k.WSAAction)
		}
	case len(bySA) > 0:
		cands, primary = bySA, "SOAPAction"
	case k.Body.Local != "":
		cands, primary = ix.body[k.Body], "body"
		if len(cands) == 0 {
			return nil, fmt.Errorf("%w: body element %s", ErrNoOperation, clark(k.Body))
		}
	default:
		return nil, fmt.Errorf("%w: request has no usable wsa:Action, SOAPAction or body element", ErrNoOperation)
	}
	first := cands
	if primary != "SOAPAction" && len(bySA) > 0 {
		cands = keep(cands, func(op *Operation) bool { return op.SOAPAction == sa })
		if len(cands) == 0 {
			return nil, &MismatchError{By: map[string]string{primary: names(first), "SOAPAction": names(bySA)}}
		}
	}
	if primary != "body" && k.Body.Local != "" {
		next := keep(cands, func(op *Operation) bool { return op.Body.Local == "" || op.Body == k.Body })
		if len(next) == 0 {
			by := map[string]string{primary: names(first), "body": names(ix.body[k.Body])}
			if primary != "SOAPAction" && len(bySA) > 0 {
				by["SOAPAction"] = names(bySA)
			}
			return nil, &MismatchError{By: by}
		}
		cands = next
	}
	if len(cands) > 1 && !(k.Version == 0 && sameName(cands)) {
		return nil, fmt.Errorf("%w: %s", ErrAmbiguous, names(cands))
	}
	return cands[0], nil
}

// sameName reports whether ops are one operation bound for several
// versions (Key.Version 0 then takes the first).
func sameName(ops []*Operation) bool {
	for _, op := range ops[1:] {
		if op.Name != ops[0].Name {
			return false
		}
	}
	return true
}

// keep returns the operations of ops satisfying f; ops itself when all do
// (the common case allocates nothing).
func keep(ops []*Operation, f func(*Operation) bool) []*Operation {
	all := true
	for _, op := range ops {
		all = all && f(op)
	}
	if all {
		return ops
	}
	var out []*Operation
	for _, op := range ops {
		if f(op) {
			out = append(out, op)
		}
	}
	return out
}

// names lists operation names, without repeats, joined by ",".
func names(ops []*Operation) string {
	var out []string
	for _, op := range ops {
		dup := false
		for _, n := range out {
			dup = dup || n == op.Name
		}
		if !dup {
			out = append(out, op.Name)
		}
	}
	return strings.Join(out, ",")
}

// Named returns, for each key of k that names operations on its own (of
// k.Version, all when 0), the operations it names, in key order:
// wsa:Action, SOAPAction (quotes stripped), body QName. Lookup picks one
// operation from the keys together and tolerates some disagreement (a
// SOAPAction naming nothing, a body under an operation whose Body is
// zero); Named tells a caller what a receiver dispatching on one key
// alone would pick, for checks that must hold whichever key it uses.
func (t *Dispatch) Named(k Key) [][]*Operation {
	if int(k.Version) >= len(t.idx) {
		return nil
	}
	ix := &t.idx[k.Version]
	var out [][]*Operation
	add := func(ops []*Operation) {
		if len(ops) > 0 {
			out = append(out, ops)
		}
	}
	if k.WSAAction != "" {
		add(ix.action[k.WSAAction])
	}
	if sa := strings.Trim(strings.TrimSpace(k.SOAPAction), `"`); sa != "" {
		add(ix.soapAction[sa])
	}
	if k.Body.Local != "" {
		add(ix.body[k.Body])
	}
	return out
}
