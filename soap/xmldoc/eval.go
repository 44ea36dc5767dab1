package xmldoc

import (
	"math"
	"strconv"

	"github.com/antchfx/xpath"
)

// EvalString evaluates a compiled XPath expression with e as context: a
// node-set yields the string value of its first node (ok=false when empty);
// a string, number or boolean yields its XPath string value.
func (e Element) EvalString(expr *xpath.Expr) (value string, ok bool) {
	if !e.Valid() || expr == nil {
		return "", false
	}
	switch v := expr.Evaluate(e.Navigator()).(type) {
	case *xpath.NodeIterator:
		if !v.MoveNext() {
			return "", false
		}
		return v.Current().Value(), true
	case string:
		return v, true
	case float64:
		return numberString(v), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// numberString converts a number to a string (XPath 1.0, 4.2 string()).
func numberString(f float64) string {
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
