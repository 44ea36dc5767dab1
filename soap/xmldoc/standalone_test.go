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

// Attribute values are not markup: a '>' or text like a declaration in
// one neither ends a start tag nor declares anything; an element that
// undeclares the default namespace keeps that.
func TestStandalone_AttributeValuesAndUndeclaredDefault(t *testing.T) {
	d := mustParse(t, `<e:Envelope xmlns:e="urn:env" xmlns:q="urn:q" xmlns:x="urn:env-x" xmlns="urn:default">`+
		`<e:Body note="a &gt; b, xmlns:z='urn:not-a-declaration'" xmlns:x="urn:body-x">`+
		`<q:Op xmlns:y="urn:y&amp;&quot;" a="1>0"><x:Arg>q:Value</x:Arg><Plain/></q:Op>`+
		`<Bare xmlns=""/></e:Body></e:Envelope>`)
	op := d.Root().FirstChild().FirstChild()
	want := `<q:Op xmlns="urn:default" xmlns:e="urn:env" xmlns:q="urn:q" xmlns:x="urn:body-x" xmlns:y="urn:y&amp;&quot;" a="1>0"><x:Arg>q:Value</x:Arg><Plain/></q:Op>`
	got := op.Standalone()
	if string(got) != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	alone, err := ParseBytes(got, Limits{})
	if err != nil {
		t.Fatalf("the element does not stand alone: %v", err)
	}
	if n := alone.Root().FirstChild().NextSibling().Name(); n.Space != "urn:default" {
		t.Errorf("name of <Plain/> standing alone: got %v, want it in urn:default", n)
	}
	if got, want := string(op.NextSibling().Standalone()), `<Bare xmlns:e="urn:env" xmlns:q="urn:q" xmlns:x="urn:body-x" xmlns=""/>`; got != want {
		t.Errorf("an element undeclaring the default namespace: got %s, want %s", got, want)
	}
}

// TestStandalone_OmitKeepsBindingsInUse: a binding to an omitted namespace
// is still added when the element uses its prefix (an element or attribute
// name, or a QName in content): without it the bytes are not
// namespace-well-formed, or the prefix takes the meaning of wherever they
// are carried.
func TestStandalone_OmitKeepsBindingsInUse(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`<e:Envelope xmlns:e="urn:env"><e:Body><n xmlns="urn:n"><e:Fault/></n></e:Body></e:Envelope>`,
			`<n xmlns:e="urn:env" xmlns="urn:n"><e:Fault/></n>`},
		{`<e:Envelope xmlns:e="urn:env"><e:Body><n xmlns="urn:n" e:a="1"/></e:Body></e:Envelope>`,
			`<n xmlns:e="urn:env" xmlns="urn:n" e:a="1"/>`},
		{`<e:Envelope xmlns:e="urn:env"><e:Body><n xmlns="urn:n">e:Sender</n></e:Body></e:Envelope>`,
			`<n xmlns:e="urn:env" xmlns="urn:n">e:Sender</n>`},
		{`<Envelope xmlns="urn:env"><Body><p:n xmlns:p="urn:n"><x/></p:n></Body></Envelope>`,
			`<p:n xmlns="urn:env" xmlns:p="urn:n"><x/></p:n>`},
		{`<s:Envelope xmlns:s="urn:env"><s:Body><n xmlns="urn:n" xmlns:ss="urn:ss"><ss:x/>s</n></s:Body></s:Envelope>`,
			`<n xmlns="urn:n" xmlns:ss="urn:ss"><ss:x/>s</n>`},
	} {
		doc, err := ParseBytes([]byte(tc.in), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		got := doc.Root().FirstChild().FirstChild().Standalone("urn:env")
		if string(got) != tc.want {
			t.Errorf("got %s, want %s", got, tc.want)
		}
		if _, err := ParseBytes(got, Limits{}); err != nil {
			t.Errorf("%s does not parse: %v", got, err)
		}
	}
}
