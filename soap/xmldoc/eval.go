package xmldoc

import (
	"math"
	"strconv"
	"sync"
	"unsafe"

	"github.com/antchfx/xpath"
)

// evalLocks serialise evaluations of one *xpath.Expr: antchfx/xpath keeps
// iteration state inside a compiled expression, so two goroutines
// evaluating the same one race (Select clones it, Evaluate does not). The
// locks are striped by the expression's address so that nothing is
// retained per expression.
var evalLocks [64]sync.Mutex

func evalLock(expr *xpath.Expr) *sync.Mutex {
	return &evalLocks[uintptr(unsafe.Pointer(expr))>>4%uintptr(len(evalLocks))]
}

// EvalString evaluates a compiled XPath expression with e as context: a
// node-set yields the string value of its first node (ok=false when empty);
// a string, number or boolean yields its XPath string value.
//
// It is safe for concurrent use, but evaluations of the same expr take
// turns (see evalLocks); XPath.EvalString evaluates in parallel.
func (e Element) EvalString(expr *xpath.Expr) (value string, ok bool) {
	if !e.Valid() || expr == nil {
		return "", false
	}
	mu := evalLock(expr)
	mu.Lock()
	v := expr.Evaluate(e.Navigator()) // a node-set result iterates over a clone
	mu.Unlock()
	return resultString(v)
}

// resultString converts an XPath result to its string value (XPath 1.0,
// 4.2 string()): for a node-set, the value of its first node.
func resultString(v any) (string, bool) {
	switch v := v.(type) {
	case *xpath.NodeIterator:
		if !v.MoveNext() {
			return "", false
		}
		return v.Current().Value(), true
	case string:
		return v, true
	case float64:
		return NumberString(v), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// NumberString converts an XPath number to its string value (XPath 1.0,
// 4.2 string()).
func NumberString(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// XPath is a compiled XPath 1.0 expression that any number of goroutines
// may evaluate at once: it keeps a pool of antchfx/xpath compilations of
// the same text, one per concurrent evaluation.
type XPath struct {
	src  string
	ns   map[string]string
	pool sync.Pool // of *xpath.Expr
}

// CompileXPath compiles expr; ns binds the prefixes it uses to namespace
// URIs (name tests then match by URI, whatever prefix a document uses). A
// prefix ns does not bind is an error, also when ns is nil (antchfx/xpath
// would otherwise match it against the prefixes of each document). An
// expression outside the XPath 1.0 grammar, trailing tokens included, is
// an error naming the column and what was wanted there (xpathsyntax.go).
func CompileXPath(expr string, ns map[string]string) (*XPath, error) {
	if err := checkXPathSyntax(expr); err != nil {
		return nil, err
	}
	x := &XPath{src: expr, ns: make(map[string]string, len(ns))}
	for k, v := range ns {
		x.ns[k] = v
	}
	first, err := xpath.CompileWithNS(expr, x.ns) // never nil: see above
	if err != nil {
		return nil, err
	}
	x.pool.Put(first)
	return x, nil
}

// String returns the expression's source text.
func (x *XPath) String() string { return x.src }

func (x *XPath) get() *xpath.Expr {
	if e, ok := x.pool.Get().(*xpath.Expr); ok {
		return e
	}
	e, err := xpath.CompileWithNS(x.src, x.ns)
	if err != nil {
		panic("xmldoc: recompiling " + x.src + ": " + err.Error()) // compiled once already
	}
	return e
}

// EvalString evaluates x with e as context, like Element.EvalString.
func (x *XPath) EvalString(e Element) (value string, ok bool) {
	if !e.Valid() {
		return "", false
	}
	expr := x.get()
	v := expr.Evaluate(e.Navigator())
	x.pool.Put(expr)
	return resultString(v)
}
