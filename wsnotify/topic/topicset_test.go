package topic

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func TestTopicSet_Fixed(t *testing.T) {
	rc := mustPath(t, nsA, "r", "c")
	s, err := NewFixedSet(rc, mustPath(t, nsB, "q"))
	if err != nil {
		t.Fatalf("NewFixedSet: %v", err)
	}
	if !s.Fixed() || s.Len() != 2 {
		t.Errorf("Fixed, Len: got %v, %d, want true, 2", s.Fixed(), s.Len())
	}
	if !s.Contains(rc) {
		t.Errorf("Contains(%v): got false, want true", rc)
	}
	if r := mustPath(t, nsA, "r"); s.Contains(r) {
		t.Errorf("Contains(ancestor %v): got true, want false", r)
	}
	if err := s.Publish(rc); err != nil {
		t.Errorf("Publish(%v): got %v, want nil", rc, err)
	}
	unknown := mustPath(t, nsA, "r", "x")
	if err := s.Publish(unknown); !errors.Is(err, ErrTopicNotSupported) {
		t.Errorf("Publish(%v): got %v, want ErrTopicNotSupported", unknown, err)
	}
	if s.Contains(unknown) {
		t.Errorf("Publish on a fixed set added %v", unknown)
	}
}

func TestTopicSet_CheckSubscribe(t *testing.T) {
	s, _ := NewFixedSet(mustPath(t, nsA, "r", "c"), mustPath(t, nsB, "q"))
	open := NewOpenSet(0)
	tests := []struct {
		dialect, expr string
		want          error // for the fixed set; the open set admits all
	}{
		{DialectConcrete, "tns:r/c", nil},
		{DialectSimple, "tns:r", ErrTopicNotSupported},
		{DialectFull, "tns:r/*", nil},
		{DialectFull, "tns:*", ErrTopicNotSupported},
		{DialectFull, "tns://.", ErrInvalidExpression},
		{DialectFull, "tns://*", nil},
		{DialectFull, "tns:x|b:q", nil},
		{DialectFull, "*", nil},
		{DialectFull, "//c", ErrTopicNotSupported},
	}
	for _, tt := range tests {
		e, err := Parse(tt.dialect, tt.expr, testScope)
		if err != nil {
			if !errors.Is(err, tt.want) {
				t.Errorf("Parse(%q): got %v, want %v", tt.expr, err, tt.want)
			}
			continue
		}
		if err := s.CheckSubscribe(e); !errors.Is(err, tt.want) {
			t.Errorf("fixed CheckSubscribe(%q): got %v, want %v", tt.expr, err, tt.want)
		}
		if got := s.Matches(e); got != (tt.want == nil) {
			t.Errorf("fixed Matches(%q): got %v, want %v", tt.expr, got, tt.want == nil)
		}
		if err := open.CheckSubscribe(e); err != nil {
			t.Errorf("open CheckSubscribe(%q): got %v, want nil", tt.expr, err)
		}
	}
}

func TestTopicSet_OpenGrowsToLimit(t *testing.T) {
	s := NewOpenSet(2)
	a, b, c := mustPath(t, nsA, "a"), mustPath(t, nsA, "a", "b"), mustPath(t, nsA, "c")
	for _, p := range []Path{a, b, a} {
		if err := s.Publish(p); err != nil {
			t.Fatalf("Publish(%v): %v", p, err)
		}
	}
	if err := s.Publish(c); !errors.Is(err, ErrTopicSetFull) {
		t.Errorf("Publish over the limit: got %v, want ErrTopicSetFull", err)
	}
	if got := s.Len(); got != 2 {
		t.Errorf("Len: got %d, want 2", got)
	}
	if s.Contains(c) {
		t.Errorf("Contains(%v) after refused Publish: got true, want false", c)
	}
}

func TestTopicSet_AddRejectsInvalid(t *testing.T) {
	s := NewOpenSet(0)
	for _, p := range []Path{{Namespace: nsA}, {Namespace: nsA, Names: []string{"a b"}}, {Names: []string{"1x"}}} {
		if err := s.Add(p); !errors.Is(err, ErrInvalidExpression) {
			t.Errorf("Add(%v): got %v, want ErrInvalidExpression", p, err)
		}
	}
}

func TestTopicSet_SelectAndTopics(t *testing.T) {
	s, _ := NewFixedSet(mustPath(t, nsA, "r", "c"), mustPath(t, nsA, "r"), mustPath(t, nsA, "q"), mustPath(t, nsB, "r"))
	got := s.Select(mustParse(t, DialectFull, "tns:r//.|b:*"))
	want := []string{"{" + nsA + "}r", "{" + nsA + "}r/c", "{" + nsB + "}r"}
	if !slices.Equal(pathStrings(got), want) {
		t.Errorf("Select: got %q, want %q", pathStrings(got), want)
	}
	all := []string{"{" + nsA + "}q", "{" + nsA + "}r", "{" + nsA + "}r/c", "{" + nsB + "}r"}
	if got := pathStrings(s.Topics()); !slices.Equal(got, all) {
		t.Errorf("Topics: got %q, want %q", got, all)
	}
}

func pathStrings(ps []Path) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

func TestTopicSet_XMLGolden(t *testing.T) {
	s, _ := NewFixedSet(
		mustPath(t, nsB, "q"),
		mustPath(t, nsA, "r", "c", "d"),
		mustPath(t, nsA, "r"),
		mustPath(t, "urn:x?a=1&b=\"2\"", "s"),
	)
	got := s.XML()
	golden := filepath.Join("testdata", "topicset", "want.xml")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("reading golden file (run with -update): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("XML():\ngot  %s\nwant %s", got, want)
	}
}

func TestTopicSet_XMLRoundTrip(t *testing.T) {
	s, _ := NewFixedSet(mustPath(t, nsB, "q"), mustPath(t, nsA, "r", "c", "d"), mustPath(t, nsA, "r"), mustPath(t, "", "bare", "x"))
	back, _ := NewFixedSet()
	if err := back.AddXML(s.XML()); err != nil {
		t.Fatalf("AddXML(XML()): %v", err)
	}
	if got, want := pathStrings(back.Topics()), pathStrings(s.Topics()); !slices.Equal(got, want) {
		t.Errorf("round trip: got %q, want %q", got, want)
	}
}

func TestTopicSet_AddXMLErrors(t *testing.T) {
	tests := []struct {
		name, doc string
		want      error
	}{
		{"not a topic set", `<x/>`, ErrInvalidExpression},
		{"empty", ``, ErrInvalidExpression},
		{"foreign child", `<wstop:TopicSet xmlns:wstop="` + NamespaceT1 + `" xmlns:a="urn:a" xmlns:b="urn:b"><a:r><b:c wstop:topic="true"/></a:r></wstop:TopicSet>`, ErrTopicNotSupported},
	}
	for _, tt := range tests {
		s, _ := NewFixedSet()
		if err := s.AddXML([]byte(tt.doc)); !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
	s, _ := NewFixedSet()
	doc := `<wstop:TopicSet xmlns:wstop="` + NamespaceT1 + `"><wstop:documentation>d</wstop:documentation></wstop:TopicSet>`
	if err := s.AddXML([]byte(doc)); err != nil || s.Len() != 0 {
		t.Errorf("documentation only: got %v, %d topics, want nil, 0", err, s.Len())
	}
}
