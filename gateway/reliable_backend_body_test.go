package gateway

import (
	"testing"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

func TestBodyContent_CarriesNamespacesInScope(t *testing.T) {
	// The Body's attribute value holds a '>' and text that looks like a
	// declaration: neither ends the tag nor declares anything.
	raw := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:q="urn:q" xmlns:x="urn:env-x">` +
		`<s:Header/><s:Body q:note="see xmlns:z='urn:z' and a > b" xmlns:x="urn:body-x"><q:SetQuote xmlns:y="urn:y"><x:Symbol>A</x:Symbol></q:SetQuote></s:Body></s:Envelope>`
	m, err := soap.ReadMessageBytes([]byte(raw), xmldoc.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := bodyContent(m)
	if err != nil {
		t.Fatal(err)
	}
	want := `<q:SetQuote xmlns:q="urn:q" xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:x="urn:body-x" xmlns:y="urn:y"><x:Symbol>A</x:Symbol></q:SetQuote>`
	if string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if _, err := xmldoc.ParseBytes(got, xmldoc.Limits{}); err != nil {
		t.Errorf("the payload does not stand alone: %v", err)
	}
}
