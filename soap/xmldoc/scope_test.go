package xmldoc

import (
	"maps"
	"testing"
)

func TestElement_InScopeNamespaces(t *testing.T) {
	d := mustParse(t, `<r xmlns="urn:d" xmlns:a='urn:a&amp;x' xmlns:b="urn:b" xmlns:xml="http://www.w3.org/XML/1998/namespace">`+
		`<m xmlns:b="urn:b2" xmlns:c="urn:c"><n xmlns=""><o xmlns:a="urn:a&amp;x"/></n></m><s/></r>`)
	r := d.Root()
	m := r.FirstChild()
	n := m.FirstChild()
	o := n.FirstChild()
	cases := []struct {
		name       string
		e          Element
		scope, own map[string]string
	}{
		{"root", r, map[string]string{"": "urn:d", "a": "urn:a&x", "b": "urn:b"},
			map[string]string{"": "urn:d", "a": "urn:a&x", "b": "urn:b"}},
		{"redeclares b", m, map[string]string{"": "urn:d", "a": "urn:a&x", "b": "urn:b2", "c": "urn:c"},
			map[string]string{"b": "urn:b2", "c": "urn:c"}},
		{"undeclares the default", n, map[string]string{"a": "urn:a&x", "b": "urn:b2", "c": "urn:c"},
			map[string]string{"": ""}},
		{"redeclares a alike", o, map[string]string{"a": "urn:a&x", "b": "urn:b2", "c": "urn:c"},
			map[string]string{"a": "urn:a&x"}},
		{"sibling", m.NextSibling(), map[string]string{"": "urn:d", "a": "urn:a&x", "b": "urn:b"}, map[string]string{}},
	}
	for _, c := range cases {
		if got := c.e.InScopeNamespaces(); !maps.Equal(got, c.scope) {
			t.Errorf("%s: InScopeNamespaces: got %v, want %v", c.name, got, c.scope)
		}
		if got := c.e.NamespaceDecls(); !maps.Equal(got, c.own) {
			t.Errorf("%s: NamespaceDecls: got %v, want %v", c.name, got, c.own)
		}
	}
}

func TestElement_InScopeNamespacesNone(t *testing.T) {
	d := mustParse(t, `<a><b/></a>`)
	if got := d.Root().FirstChild().InScopeNamespaces(); len(got) != 0 {
		t.Errorf("no declarations: got %v, want none", got)
	}
	var e Element
	if e.InScopeNamespaces() != nil || e.NamespaceDecls() != nil {
		t.Errorf("zero Element: got bindings, want nil")
	}
}
