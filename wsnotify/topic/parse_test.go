package topic

import (
	"errors"
	"strings"
	"testing"
)

func TestParse_Valid(t *testing.T) {
	tests := []struct {
		dialect, expr string
		want          string // String() of the result
	}{
		{DialectSimple, "tns:root", "tns:root"},
		{DialectSimple, "  tns:root\n", "tns:root"},
		{DialectSimple, "root", "root"},
		{DialectSimple, "tns:r.o-o_t9", "tns:r.o-o_t9"},
		{DialectSimple, "tns:ŝtaŧion", "tns:ŝtaŧion"},
		{DialectConcrete, "tns:a", "tns:a"},
		{DialectConcrete, "tns:a/b/c", "tns:a/b/c"},
		{DialectConcrete, "tns:a/tns:b", "tns:a/tns:b"},
		{DialectConcrete, "tns:a/a:b", "tns:a/a:b"},
		{DialectFull, "tns:a/b", "tns:a/b"},
		{DialectFull, "tns:*", "tns:*"},
		{DialectFull, "tns://*", "tns://*"},
		{DialectFull, "tns://b", "tns://b"},
		{DialectFull, "tns:a/*", "tns:a/*"},
		{DialectFull, "tns:a//*", "tns:a//*"},
		{DialectFull, "tns:a//.", "tns:a//."},
		{DialectFull, "tns:a/.", "tns:a/."},
		{DialectFull, "tns:a//b/*/c", "tns:a//b/*/c"},
		{DialectFull, "tns:a | b:c", "tns:a|b:c"},
		{DialectFull, "tns:a|tns:b/c|b://*", "tns:a|tns:b/c|b://*"},
		{DialectFull, "*", "*"},
		{DialectFull, "//*", "//*"},
		{DialectFull, "//x", "//x"},
		{DialectFull, "*/tns:b", "*/tns:b"},
	}
	for _, tt := range tests {
		e, err := Parse(tt.dialect, tt.expr, testScope)
		if err != nil {
			t.Errorf("Parse(%s, %q): got error %v, want nil", dialectName(tt.dialect), tt.expr, err)
			continue
		}
		if got := e.String(); got != tt.want {
			t.Errorf("Parse(%s, %q).String(): got %q, want %q", dialectName(tt.dialect), tt.expr, got, tt.want)
		}
		if got := e.Dialect(); got != tt.dialect {
			t.Errorf("Parse(%q).Dialect(): got %q, want %q", tt.expr, got, tt.dialect)
		}
	}
}

func TestParse_Invalid(t *testing.T) {
	tests := []struct {
		dialect, expr string
		want          error
	}{
		{DialectSimple, "", ErrInvalidExpression},
		{DialectSimple, "   ", ErrInvalidExpression},
		{DialectSimple, "tns:a/b", ErrInvalidExpression},
		{DialectSimple, "tns:*", ErrInvalidExpression},
		{DialectSimple, "nope:a", ErrInvalidExpression},
		{DialectSimple, "tns:", ErrInvalidExpression},
		{DialectSimple, ":a", ErrInvalidExpression},
		{DialectSimple, "tns:1a", ErrInvalidExpression},
		{DialectSimple, "tns:a b", ErrInvalidExpression},
		{DialectSimple, "tns:a:b", ErrInvalidExpression},
		{DialectSimple, "tns:a|tns:b", ErrInvalidExpression},
		{DialectConcrete, "tns:a/", ErrInvalidExpression},
		{DialectConcrete, "tns:a//b", ErrInvalidExpression},
		{DialectConcrete, "tns:a/*", ErrInvalidExpression},
		{DialectConcrete, "tns:a/.", ErrInvalidExpression},
		{DialectConcrete, "/tns:a", ErrInvalidExpression},
		{DialectConcrete, "tns:a/nope:b", ErrInvalidExpression},
		{DialectConcrete, "tns:a/b:c", ErrTopicNotSupported},
		{DialectConcrete, "tns:a|tns:b", ErrInvalidExpression},
		{DialectFull, "tns:a/", ErrInvalidExpression},
		{DialectFull, "tns:a///b", ErrInvalidExpression},
		{DialectFull, "tns:.", ErrInvalidExpression},
		{DialectFull, ".", ErrInvalidExpression},
		{DialectFull, "//.", ErrInvalidExpression},
		{DialectFull, "//tns:a", ErrInvalidExpression},
		{DialectFull, "tns:a|", ErrInvalidExpression},
		{DialectFull, "|tns:a", ErrInvalidExpression},
		{DialectFull, "tns:a||tns:b", ErrInvalidExpression},
		{DialectFull, "tns:a/b:*", ErrInvalidExpression},
		{DialectFull, "*:a", ErrInvalidExpression},
		{DialectFull, "tns:a[@x='1']", ErrInvalidExpression},
		{DialectFull, "tns:a/..", ErrInvalidExpression},
		{DialectFull, "tns:a/.b", ErrInvalidExpression},
		{DialectFull, "tns:a / b", ErrInvalidExpression},
		{DialectFull, "tns:a\xff", ErrInvalidExpression},
		{DialectFull, "tns:a/b:c", ErrTopicNotSupported},
		{DialectFull, "*/tns:a/b:c", ErrTopicNotSupported},
	}
	for _, tt := range tests {
		_, err := Parse(tt.dialect, tt.expr, testScope)
		if !errors.Is(err, tt.want) {
			t.Errorf("Parse(%s, %q): got error %v, want %v", dialectName(tt.dialect), tt.expr, err, tt.want)
			continue
		}
		var ee *ExprError
		if !errors.As(err, &ee) {
			t.Errorf("Parse(%s, %q): got %T, want *ExprError", dialectName(tt.dialect), tt.expr, err)
		}
	}
}

func TestParse_UnknownDialect(t *testing.T) {
	for _, d := range []string{"", DialectXPath, "http://dialect.recognized.no", DialectFull + "/"} {
		_, err := Parse(d, "tns:a", testScope)
		var de *DialectError
		if !errors.As(err, &de) || !errors.Is(err, ErrDialectUnknown) {
			t.Errorf("Parse(%q): got error %v, want *DialectError", d, err)
			continue
		}
		if de.Dialect != d {
			t.Errorf("DialectError.Dialect: got %q, want %q", de.Dialect, d)
		}
	}
}

func TestParse_Namespaces(t *testing.T) {
	withDefault := scope(map[string]string{"": nsB, "tns": nsA})
	tests := []struct {
		dialect, expr string
		resolve       Resolver
		want          Path
	}{
		{DialectSimple, "tns:r", testScope, Path{nsA, []string{"r"}}},
		{DialectSimple, "r", testScope, Path{"", []string{"r"}}},
		{DialectSimple, "r", nil, Path{"", []string{"r"}}},
		{DialectSimple, "r", withDefault, Path{nsB, []string{"r"}}},
		{DialectConcrete, "tns:r/c/d", withDefault, Path{nsA, []string{"r", "c", "d"}}},
		{DialectConcrete, "tns:r/tns:c", withDefault, Path{nsA, []string{"r", "c"}}},
		{DialectFull, "tns:r/./c", withDefault, Path{nsA, []string{"r", "c"}}},
	}
	for _, tt := range tests {
		e, err := Parse(tt.dialect, tt.expr, tt.resolve)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.expr, err)
			continue
		}
		got, ok := e.Topic()
		if !ok || !got.Equal(tt.want) {
			t.Errorf("Parse(%q).Topic(): got %v, %v, want %v, true", tt.expr, got, ok, tt.want)
		}
	}
}

func TestParse_Limits(t *testing.T) {
	deep := "tns:a" + strings.Repeat("/b", 40)
	union := strings.Repeat("tns:a|", 20) + "tns:a"
	long := "tns:" + strings.Repeat("x", 5000)
	tests := []struct {
		name    string
		lim     Limits
		expr    string
		wantErr bool
	}{
		{"default depth", Limits{}, deep, true},
		{"raised depth", Limits{MaxDepth: 50}, deep, false},
		{"depth capped at MaxDepth", Limits{MaxDepth: 1000}, "tns:a" + strings.Repeat("/b", 63), true},
		{"default union", Limits{}, union, true},
		{"raised union", Limits{MaxUnion: 21}, union, false},
		{"default length", Limits{}, long, true},
		{"raised length", Limits{MaxLen: 6000}, long, false},
	}
	for _, tt := range tests {
		_, err := tt.lim.Parse(DialectFull, tt.expr, testScope)
		if gotErr := err != nil; gotErr != tt.wantErr {
			t.Errorf("%s: got error %v, want error %v", tt.name, err, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrInvalidExpression) {
			t.Errorf("%s: got error %v, want ErrInvalidExpression", tt.name, err)
		}
	}
}

func TestExprError_TruncatesExpression(t *testing.T) {
	_, err := Parse(DialectSimple, strings.Repeat("x", 1000)+"/", testScope)
	var ee *ExprError
	if !errors.As(err, &ee) {
		t.Fatalf("got %v, want *ExprError", err)
	}
	if len(ee.Expr) > maxQuoted+3 {
		t.Errorf("ExprError.Expr length: got %d, want <= %d", len(ee.Expr), maxQuoted+3)
	}
}
