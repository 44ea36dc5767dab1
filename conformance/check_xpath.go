package conformance

import (
	"fmt"
	"regexp"
)

func (k *checker) xpaths(e *Expect) error {
	for _, a := range e.XPath {
		if err := k.xpath(a); err != nil {
			return err
		}
	}
	return nil
}

func (k *checker) xpath(a XPathAssertion) error {
	a.Expr = k.v.expand(a.Expr)
	res, err := k.evaluate(a.Expr)
	if err != nil {
		return fmt.Errorf("xpath %s: %v", a.Expr, err)
	}
	vals := values(res)
	first := ""
	if len(vals) > 0 {
		first = vals[0]
	}
	if a.Count != nil {
		if isScalar(res) {
			return fmt.Errorf("xpath %s: count needs a node-set", a.Expr)
		}
		if len(vals) != *a.Count {
			return fmt.Errorf("xpath %s: got %d nodes, want %d", a.Expr, len(vals), *a.Count)
		}
	}
	if a.Exists != nil {
		exists := len(vals) > 0
		if b, ok := res.(bool); ok {
			exists = b
		}
		if exists != *a.Exists {
			return fmt.Errorf("xpath %s: exists is %v, want %v", a.Expr, exists, *a.Exists)
		}
	}
	if a.Equals != nil {
		want := k.v.expand(*a.Equals)
		if first != want {
			return fmt.Errorf("xpath %s: got %q, want %q", a.Expr, first, want)
		}
	}
	if a.Matches != "" && !regexp.MustCompile(a.Matches).MatchString(first) {
		return fmt.Errorf("xpath %s: got %q, want a match of %q", a.Expr, first, a.Matches)
	}
	return nil
}

func isScalar(res any) bool {
	switch res.(type) {
	case string, float64, bool:
		return true
	}
	return false
}
