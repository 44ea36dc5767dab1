package wsnotify

import (
	"testing"

	"github.com/wsgw/wsgw/soap/xmldoc"
)

func TestFragment_CarriesInheritedDeclarations(t *testing.T) {
	in := `<r xmlns="urn:d" xmlns:a='urn:a&amp;x' xmlns:b="urn:b"><m xmlns:b="urn:b2" xmlns:c="urn:c"><a:x b:y="1"/></m></r>`
	doc, err := xmldoc.ParseBytes([]byte(in), xmldoc.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	m := doc.Root().FirstChild()
	got := inScope(doc.Raw(), m)
	want := map[string]string{"": "urn:d", "a": "urn:a&x", "b": "urn:b2", "c": "urn:c"}
	if len(got) != len(want) {
		t.Fatalf("inScope = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("inScope = %v, want %v", got, want)
		}
	}
	frag := string(fragment(doc.Raw(), m, ` z="1"`))
	wantFrag := `<m xmlns="urn:d" xmlns:a="urn:a&amp;x" z="1" xmlns:b="urn:b2" xmlns:c="urn:c"><a:x b:y="1"/></m>`
	if frag != wantFrag {
		t.Fatalf("fragment = %s, want %s", frag, wantFrag)
	}
	if _, err := xmldoc.ParseBytes([]byte(frag), xmldoc.Limits{}); err != nil {
		t.Fatalf("fragment not well-formed: %v", err)
	}
}
