package xmldoc

import (
	"strings"
	"testing"

	"github.com/antchfx/xpath"
)

// Expressions of the XPath 1.0 grammar pass the check, and antchfx/xpath
// compiles them too.
func TestCheckXPathSyntax_Valid(t *testing.T) {
	for _, expr := range []string{
		"//q:Symbol", "/q:a/q:b[1]/@id", "/", "//*[local-name()='Symbol']", "q:*", "*", "@*",
		".", "..", "./q:a", "../q:a", "child::q:a", "descendant-or-self::node()/child::q:b",
		"ancestor-or-self::*[2]", "attribute::id", "text()", "//comment()", "processing-instruction('x')",
		"count(//q:a) > 1", "1 + 2 * 3 - -4 div 5 mod 6", "1 - - 2", "string(//q:a)", "concat('a', \"b\", 1.5, .5, 2.)",
		"//q:a | //q:b", "(//q:a)[1]", "(//q:a)[1]/q:b", "//q:a[@x = 'y' and @z != 'w' or not(@v)]",
		"//q:a[. <= 3][. >= 1][. < 4][. > 0]", "//div/mod", "//and", "//or[and]", "div * mod",
		" //q:a \n", "//q:ä", "$v", "id('x')/q:a", "q:f(1)",
	} {
		if err := checkXPathSyntax(expr); err != nil {
			t.Errorf("%q: got %v, want valid", expr, err)
			continue
		}
		if strings.Contains(expr, "$") || strings.Contains(expr, "q:f(") || strings.HasPrefix(expr, "id(") {
			continue // a variable or a function antchfx/xpath lacks: syntax only
		}
		if _, err := xpath.CompileWithNS(expr, map[string]string{"q": "urn:q"}); err != nil {
			t.Errorf("%q: antchfx/xpath: got %v, want it compiled", expr, err)
		}
	}
}

// Expressions outside the grammar fail at the first token the grammar
// cannot take, saying what it wanted there.
func TestCheckXPathSyntax_Invalid(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{"", "at column 1: want an expression, got the end"},
		{"//q:Symbol[", "at column 12: want an expression, got the end"},
		{"//q:Symbol)", `at column 11: want an operator or the end, got ")"`},
		{"a b", `at column 3: want an operator, got "b"`},
		{"//", "at column 3: want a location step, got the end"},
		{"/q:a/", "at column 6: want a location step, got the end"},
		{"//q:a[1", `at column 8: want ], got the end`},
		{"count(//a", `at column 10: want ) or ,, got the end`},
		{"count(//a,)", `at column 11: want an expression, got ")"`},
		{"1 +", "at column 4: want an expression, got the end"},
		{"'abc", "at column 1: want a closing ' of the literal, got the end"},
		{"//q:", "at column 5: want a local name or * after the prefix, got the end"},
		{"foo::a", `at column 1: want an axis name, got "foo"`},
		{"child::", "at column 8: want a location step, got the end"},
		{"//a ! b", `at column 5: want an expression, got '!'`},
		{"$", "at column 2: want a variable name, got the end"},
		{"text(", `at column 6: want ), got the end`},
		{"//ä]", `at column 4: want an operator or the end, got "]"`},
	} {
		err := checkXPathSyntax(tc.expr)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q: got %v, want %s", tc.expr, err, tc.want)
		}
		if _, cerr := CompileXPath(tc.expr, map[string]string{"q": "urn:q"}); cerr == nil {
			t.Errorf("CompileXPath(%q): got nil, want an error", tc.expr)
		}
	}
}

// The check never panics, and every error it gives names a column.
func FuzzCheckXPathSyntax(f *testing.F) {
	for _, s := range []string{"//q:Symbol", "count(//a) > 1", "(//a)[1]/b", "child::text()", "'x", "a b", "$v:w", "1.5e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		if err := checkXPathSyntax(expr); err != nil && !strings.HasPrefix(err.Error(), "at column ") {
			t.Fatalf("%q: got %v, want an error naming the column", expr, err)
		}
	})
}
