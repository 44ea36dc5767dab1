package xmldoc

import "testing"

func TestStandalone_CarriesInheritedNamespaces(t *testing.T) {
	doc, err := ParseBytes([]byte(`<a xmlns="urn:d" xmlns:p="urn:p" xmlns:q="urn:q"><p:b xmlns:q="urn:q2" v="p:x">q:y</p:b></a>`), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	got := string(doc.Root().FirstChild().Standalone())
	want := `<p:b xmlns="urn:d" xmlns:p="urn:p" xmlns:q="urn:q2" v="p:x">q:y</p:b>`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	back, err := ParseBytes([]byte(got), Limits{})
	if err != nil {
		t.Fatalf("the standalone element does not parse: %v", err)
	}
	if n := back.Root().Name(); n.Space != "urn:p" || n.Local != "b" {
		t.Errorf("got root %v, want {urn:p}b", n)
	}
}
