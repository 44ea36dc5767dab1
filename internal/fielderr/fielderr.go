// Package fielderr is the one shape of configuration errors in wsgw: a
// problem with one field, its path carried as data.
//
// Every library Validate (gateway, gateway/cluster, queueing, egress,
// wsnotify, wsreliable, wsreliable/driver) returns nil or a join
// (errors.Join) of *Error values, in the order of the fields they are
// about (never in map order). A caller outside this module reads the path
// through the documented interface
//
//	interface{ Field() string }
//
// ("Services[1].Reliable.MaxQueue"); one inside it reads the steps of
// Error.Path. A parent composes its children's errors with List.Nest,
// which puts its own path in front of theirs: nothing is ever recovered by
// parsing an error's text. cmd/wsgw walks the steps to name the key of the
// YAML file, and its line, that the problem is about.
//
// (choice) A package of its own, internal to the module, rather than a
// type per package: seven packages report field errors and one parent
// (gateway) composes them; with one type, Nest needs no adapter and
// cmd/wsgw one mapping. Paths use the Go names of the struct fields, the
// names a library user writes; the file format's names are cmd/wsgw's.
package fielderr

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Kind says what a Step of a Path selects.
type Kind uint8

// Step kinds.
const (
	FieldStep Kind = iota // a struct field, by its Go name
	IndexStep             // an element of a slice
	KeyStep               // an entry of a map
)

// Step is one selection in a Path.
type Step struct {
	Kind  Kind
	Name  string // the field's Go name (FieldStep) or the map key (KeyStep)
	Index int    // the element's index (IndexStep)
}

// Path is a field path from the validated value inwards. The empty Path is
// the value itself. Its methods return a new Path and never change p, so
// one parent path can be extended many times.
type Path []Step

// Field returns p followed by the struct field name (a Go name).
func (p Path) Field(name string) Path { return p.with(Step{Kind: FieldStep, Name: name}) }

// Index returns p followed by the slice index i.
func (p Path) Index(i int) Path { return p.with(Step{Kind: IndexStep, Index: i}) }

// Key returns p followed by the map key k.
func (p Path) Key(k string) Path { return p.with(Step{Kind: KeyStep, Name: k}) }

// Join returns p followed by q.
func (p Path) Join(q Path) Path {
	out := make(Path, 0, len(p)+len(q))
	return append(append(out, p...), q...)
}

func (p Path) with(s Step) Path {
	return append(p[:len(p):len(p)], s) // the full slice expression copies: p is never shared
}

// String renders p as "Services[1].Key.Namespaces[q]". A map key that is
// empty or holds one of `.[]"` or a space is quoted as a Go string.
func (p Path) String() string {
	var b strings.Builder
	for _, s := range p {
		switch s.Kind {
		case FieldStep:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.Name)
		case IndexStep:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.Index))
			b.WriteByte(']')
		case KeyStep:
			b.WriteByte('[')
			if s.Name == "" || strings.ContainsAny(s.Name, `.[]" `) {
				b.WriteString(strconv.Quote(s.Name))
			} else {
				b.WriteString(s.Name)
			}
			b.WriteByte(']')
		}
	}
	return b.String()
}

// Error is one problem with the field at Path.
type Error struct {
	Path Path
	Err  error // what is wrong with the field
}

// At returns the problem err of the field at p.
func At(p Path, err error) *Error { return &Error{Path: p, Err: err} }

// Errorf returns the problem of the field at p, formatted as fmt.Errorf
// does (%w wraps).
func Errorf(p Path, format string, args ...any) *Error {
	return &Error{Path: p, Err: fmt.Errorf(format, args...)}
}

// Error reads "path: problem", or the problem alone for the empty path.
func (e *Error) Error() string {
	if len(e.Path) == 0 {
		return e.Err.Error()
	}
	return e.Path.String() + ": " + e.Err.Error()
}

// Field returns the path of the field, rendered by Path.String.
func (e *Error) Field() string { return e.Path.String() }

// Unwrap returns the problem.
func (e *Error) Unwrap() error { return e.Err }

// All returns the field errors err holds, in order: an *Error is itself;
// a join (any other error with Unwrap() []error) gives those of its
// branches; any other error is a problem of the empty path, its text kept
// whole (a field error wrapped by fmt.Errorf is not looked into: compose
// with List.Nest instead). nil gives nil.
func All(err error) []*Error {
	switch e := err.(type) {
	case nil:
		return nil
	case *Error:
		return []*Error{e}
	case interface{ Unwrap() []error }:
		var out []*Error
		for _, x := range e.Unwrap() {
			out = append(out, All(x)...)
		}
		return out
	}
	return []*Error{{Err: err}}
}

// Under returns err's problems (see All) with p in front of each path:
// what a value at p reports, seen from its parent. nil gives nil.
func Under(p Path, err error) error {
	var l List
	l.Nest(p, err)
	return l.Err()
}

// List collects field errors in the order they are added. The zero value
// is empty and ready.
type List struct {
	errs []*Error
}

// Add adds the problem of the field at p, formatted as fmt.Errorf does.
func (l *List) Add(p Path, format string, args ...any) {
	l.errs = append(l.errs, Errorf(p, format, args...))
}

// Nest adds the problems err reports about a value at p (what the value's
// own Validate returned): each field error's path goes after p; an error
// that is no field error is a problem of p itself. nil adds nothing.
func (l *List) Nest(p Path, err error) {
	for _, e := range All(err) {
		l.errs = append(l.errs, &Error{Path: p.Join(e.Path), Err: e.Err})
	}
}

// Len returns the number of problems.
func (l *List) Len() int { return len(l.errs) }

// Errors returns the problems in the order they were added.
func (l *List) Errors() []*Error { return l.errs }

// Err returns nil without problems, else the join of them all.
func (l *List) Err() error {
	if len(l.errs) == 0 {
		return nil
	}
	errs := make([]error, len(l.errs))
	for i, e := range l.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}
