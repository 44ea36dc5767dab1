package wsdl

import "errors"

// ErrNoOperation is returned by Lookup when no operation matches.
var ErrNoOperation = errors.New("no operation matches the request")

// MismatchError is returned by Lookup when the request's keys name different
// operations (e.g. SOAPAction says one, the body element another).
type MismatchError struct {
	By map[string]string // key kind ("SOAPAction", "wsa:Action", "body") -> operation
}

func (e *MismatchError) Error() string { panic("unimplemented") }
