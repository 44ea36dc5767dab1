package wsdl

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrNoOperation is returned by Lookup when no operation matches.
var ErrNoOperation = errors.New("no operation matches the request")

// ErrAmbiguous is returned (wrapped) by Lookup when the request's keys match
// several operations that the WSDL gives no way to tell apart. NewDispatch
// reports the same situation up front in its *AmbiguityError.
var ErrAmbiguous = errors.New("request matches several operations")

// MismatchError is returned by Lookup when the request's keys name different
// operations (e.g. SOAPAction says one, the body element another).
type MismatchError struct {
	// By maps a key kind ("wsa:Action", "SOAPAction", "body") to the
	// operation(s) it names: names joined by ",", "" when it names none.
	By map[string]string
}

func (e *MismatchError) Error() string {
	kinds := make([]string, 0, len(e.By))
	for k := range e.By {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var b strings.Builder
	b.WriteString("request keys name different operations:")
	for i, k := range kinds {
		if i > 0 {
			b.WriteByte(';')
		}
		op := e.By[k]
		if op == "" {
			op = "(none)"
		}
		fmt.Fprintf(&b, " %s -> %s", k, op)
	}
	return b.String()
}

// LoadError is the error of Load: it names the document, the element and
// the problem. Its text reads
//
//	loading wsdl hello.wsdl: binding {urn:x}B: operation "sayHi": input message tns:Missing not defined
//
// and, when the problem is in an imported document,
//
//	loading wsdl main.wsdl: in /abs/sub.wsdl: portType {urn:x}P: ...
type LoadError struct {
	Main     string // the location given to Load
	Document string // the document holding the problem ("" or Main: the main one)
	Element  string // e.g. `binding {urn:x}B: operation "sayHi"`; may be ""
	Err      error  // the problem
}

func (e *LoadError) Error() string {
	var b strings.Builder
	b.WriteString("loading wsdl ")
	b.WriteString(e.Main)
	b.WriteString(": ")
	if e.Document != "" && e.Document != e.Main {
		b.WriteString("in ")
		b.WriteString(e.Document)
		b.WriteString(": ")
	}
	if e.Element != "" {
		b.WriteString(e.Element)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *LoadError) Unwrap() error { return e.Err }

// Ambiguity is one set of operations that a key cannot tell apart.
type Ambiguity struct {
	Version    string   // "SOAP 1.1" or "SOAP 1.2"
	Key        string   // "body", "SOAPAction" or "wsa:Action"
	Value      string   // the shared key value ({ns}local for body; "" for an empty body)
	Operations []string // binding-qualified names: "{ns}Binding.op"
	// DistinguishedBy lists the other keys that still tell these operations
	// apart ("SOAPAction", "wsa:Action", "body"). Empty: no request can
	// select one of them; Lookup answers ErrAmbiguous.
	DistinguishedBy []string
}

func (a Ambiguity) String() string {
	v := a.Value
	if v == "" {
		v = "(empty)"
	}
	s := fmt.Sprintf("%s: operations %s share %s %s", a.Version,
		strings.Join(a.Operations, ", "), a.Key, v)
	if len(a.DistinguishedBy) == 0 {
		return s + " and nothing else tells them apart"
	}
	return s + "; dispatched by " + strings.Join(a.DistinguishedBy, " or ") + " only"
}

// AmbiguityError is returned by NewDispatch together with a usable table
// when some key cannot tell operations apart (WS-I BP 1.1 R2710). It lists
// every ambiguity. Callers decide: log it (the table still routes every
// request that carries a distinguishing key) or refuse the WSDL when
// Indistinguishable reports true.
type AmbiguityError struct {
	Service     string
	Ambiguities []Ambiguity
}

func (e *AmbiguityError) Error() string {
	parts := make([]string, len(e.Ambiguities))
	for i, a := range e.Ambiguities {
		parts[i] = a.String()
	}
	return fmt.Sprintf("service %s: ambiguous dispatch (WS-I BP 1.1 R2710): %s",
		e.Service, strings.Join(parts, "; "))
}

// Indistinguishable reports whether some operations cannot be told apart by
// any key at all.
func (e *AmbiguityError) Indistinguishable() bool {
	for _, a := range e.Ambiguities {
		if len(a.DistinguishedBy) == 0 {
			return true
		}
	}
	return false
}
