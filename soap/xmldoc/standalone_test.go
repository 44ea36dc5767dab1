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

func TestStandalone_Omit(t *testing.T) {
	doc, err := ParseBytes([]byte(`<e:Envelope xmlns:e="urn:env" xmlns:t="urn:t"><e:Body><n xmlns="urn:n">t:x</n></e:Body></e:Envelope>`), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	got := string(doc.Root().FirstChild().FirstChild().Standalone("urn:env"))
	if want := `<n xmlns:t="urn:t" xmlns="urn:n">t:x</n>`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
