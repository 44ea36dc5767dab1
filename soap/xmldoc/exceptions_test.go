package xmldoc

import (
	"bytes"
	"encoding/xml"
	"io"
	"testing"
)

// stdAccepts reports whether encoding/xml (strict) reads in without error.
func stdAccepts(in string) bool {
	dec := xml.NewDecoder(bytes.NewReader([]byte(in)))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
	}
}

// TestParse_EncodingXMLExceptions pins where this package and encoding/xml
// part ways (see stdExceptions and attrWS in diff_test.go), so that a change
// on either side shows up here.
func TestParse_EncodingXMLExceptions(t *testing.T) {
	accepted := []struct{ name, in string }{
		{"5th edition name", "<\U00010000/>"},
		{"UTF8 alias", `<?xml version="1.0" encoding="UTF8"?><a/>`},
	}
	for _, tt := range accepted {
		if _, err := ParseBytes([]byte(tt.in), Limits{}); err != nil {
			t.Errorf("%s: got %v, want accepted", tt.name, err)
		}
		if stdAccepts(tt.in) {
			t.Errorf("%s: encoding/xml now accepts it; drop the exception", tt.name)
		}
	}
	// Stricter than encoding/xml: well-formedness and namespace rules it
	// does not check, and what SOAP forbids.
	refused := []struct{ name, in string }{
		{"DOCTYPE", `<!DOCTYPE a><a/>`},
		{"processing instruction", `<a><?pi?></a>`},
		{"undeclared prefix", `<p:a/>`},
		{"undeclared prefix undeclared", `<a xmlns:p=""/>`},
		{"duplicate expanded name", `<a xmlns:p="u" xmlns:q="u" p:x="1" q:x="2"/>`},
		{"two roots", `<a/><b/>`},
		{"text after root", `<a/>x`},
		{"text before root", `x<a/>`},
		{"misplaced declaration", ` <?xml version="1.0"?><a/>`},
	}
	for _, tt := range refused {
		if _, err := ParseBytes([]byte(tt.in), Limits{}); err == nil {
			t.Errorf("%s: got accepted, want refused", tt.name)
		}
		if !stdAccepts(tt.in) {
			t.Errorf("%s: encoding/xml refuses it too now; move it to the table tests", tt.name)
		}
	}
	// Attribute-value normalisation (XML 1.0, 3.3.3): a literal tab, CR
	// or LF becomes a space here; encoding/xml keeps it.
	d := mustParse(t, "<a x=\"1\t2&#9;3\"/>")
	if got, _ := d.Root().Attr("", "x"); got != "1 2\t3" {
		t.Errorf("normalised value: got %q, want %q", got, "1 2\t3")
	}
}
