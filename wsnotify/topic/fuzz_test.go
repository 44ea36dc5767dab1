package topic

import (
	"errors"
	"testing"
)

// FuzzParse checks that Parse never panics, that it fails only with the
// typed errors, and that String is a fixed point: Parse(String()) gives an
// Equal expression with the same String.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"tns:r", "r", "tns:r/c/d", "tns:r/tns:c", "tns:*", "tns://*", "tns:r//.",
		"tns:r/./c", "*", "//*", "*/tns:c", "tns:a | b:c", "tns:a|", "tns:a//b/*/c",
		"//child_topic[@wstop:topic=\"true\"]", "tns:root_topic1//child_topic",
		"tns:a/b:c", "  tns:a\n", "tns:ŝ", "tns:a\xff", "a:b:c", "tns:.",
	}
	for _, s := range seeds {
		for d := range 3 {
			f.Add(uint8(d), false, s)
		}
	}
	withDefault := scope(map[string]string{"": nsB, "a": nsA, "tns": nsA, "b": nsB})
	topics := []Path{
		{Namespace: nsA, Names: []string{"r"}},
		{Namespace: nsA, Names: []string{"r", "c", "d"}},
		{Namespace: nsB, Names: []string{"c"}},
	}
	f.Fuzz(func(t *testing.T, d uint8, useDefault bool, expr string) {
		dialect := Dialects()[int(d)%3]
		resolve := testScope
		if useDefault {
			resolve = withDefault
		}
		e, err := Parse(dialect, expr, resolve)
		if err != nil {
			if !errors.Is(err, ErrInvalidExpression) && !errors.Is(err, ErrTopicNotSupported) {
				t.Fatalf("Parse(%q): untyped error %v", expr, err)
			}
			return
		}
		s := e.String()
		e2, err := Parse(dialect, s, resolve)
		if err != nil {
			t.Fatalf("Parse(%q) ok, Parse(String() = %q): %v", expr, s, err)
		}
		if !e.Equal(e2) || e2.String() != s {
			t.Fatalf("Parse(%q): round trip through %q gave %q, not equal", expr, s, e2.String())
		}
		for _, p := range topics {
			if e.Match(p) != e2.Match(p) {
				t.Fatalf("Parse(%q) and Parse(%q) disagree on %v", expr, s, p)
			}
		}
		if p, ok := e.Topic(); ok && !e.Match(p) {
			t.Fatalf("Parse(%q).Topic() = %v, which it does not match", expr, p)
		}
	})
}

// FuzzTopicSetAddXML checks that AddXML never panics and that what it
// accepts survives a round trip through XML.
func FuzzTopicSetAddXML(f *testing.F) {
	f.Add([]byte(`<wstop:TopicSet xmlns:wstop="` + NamespaceT1 + `" xmlns:t="urn:t"><t:r wstop:topic="true"><c wstop:topic="true"/></t:r></wstop:TopicSet>`))
	f.Add([]byte(`<wstop:TopicSet xmlns:wstop="` + NamespaceT1 + `"><wstop:documentation/><r><c wstop:topic="1"/></r></wstop:TopicSet>`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		s := NewOpenSet(100)
		if err := s.AddXML(doc); err != nil {
			return
		}
		back := NewOpenSet(100)
		if err := back.AddXML(s.XML()); err != nil {
			t.Fatalf("AddXML(XML()) of an accepted set: %v", err)
		}
		if got, want := pathStrings(back.Topics()), pathStrings(s.Topics()); len(got) != len(want) {
			t.Fatalf("round trip: got %q, want %q", got, want)
		}
	})
}
