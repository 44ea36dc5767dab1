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
	frag := string(fragment(doc.Raw(), m, ` z="1"`))
	wantFrag := `<m xmlns="urn:d" xmlns:a="urn:a&amp;x" z="1" xmlns:b="urn:b2" xmlns:c="urn:c"><a:x b:y="1"/></m>`
	if frag != wantFrag {
		t.Fatalf("fragment = %s, want %s", frag, wantFrag)
	}
	if _, err := xmldoc.ParseBytes([]byte(frag), xmldoc.Limits{}); err != nil {
		t.Fatalf("fragment not well-formed: %v", err)
	}
}

func TestFragment_RedeclaredAlikeAndPrefixedRoot(t *testing.T) {
	in := `<s:r xmlns:s="urn:s" xmlns:a="urn:a" xmlns="urn:d"><a:m xmlns:a="urn:a"><x/></a:m></s:r>`
	doc, err := xmldoc.ParseBytes([]byte(in), xmldoc.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	frag := string(fragment(doc.Raw(), doc.Root().FirstChild(), ""))
	want := `<a:m xmlns="urn:d" xmlns:s="urn:s" xmlns:a="urn:a"><x/></a:m>`
	if frag != want {
		t.Fatalf("fragment = %s, want %s", frag, want)
	}
	if _, err := xmldoc.ParseBytes([]byte(frag), xmldoc.Limits{}); err != nil {
		t.Fatalf("fragment not well-formed: %v", err)
	}
}
