package conformance

import (
	"github.com/antchfx/xpath"
)

// compileXPath compiles an XPath 1.0 expression with the given bindings.
func compileXPath(expr string, ns map[string]string) (*xpath.Expr, error) {
	return xpath.CompileWithNS(expr, ns)
}
