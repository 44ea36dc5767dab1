package soap

import (
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/soap/xmldoc"
)

// readFaultOf reads s and returns the *Fault it must fail with.
func readFaultOf(t *testing.T, name, s string) *Fault {
	t.Helper()
	m, err := ReadMessage(strings.NewReader(s), xmldoc.Limits{})
	var f *Fault
	if !errors.As(err, &f) {
		t.Fatalf("%s: got message %v, error %v; want a *Fault", name, m != nil, err)
	}
	return f
}

const env12 = `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope">`
const env11 = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">`

func TestReadMessage_Structure(t *testing.T) {
	m, err := ReadMessage(strings.NewReader(`<?xml version="1.0"?>`+env12+
		`<e:Header><h:A xmlns:h="urn:h" e:mustUnderstand="true" e:role="urn:r" e:relay="1"/>`+
		`<h:B xmlns:h="urn:h" e:role="http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver"/></e:Header>`+
		`<e:Body><p:Op xmlns:p="urn:p"><x/></p:Op></e:Body></e:Envelope>`), xmldoc.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Version != V12 || !m.Header.Valid() || !m.Body.Valid() {
		t.Fatalf("got version %v header %v body %v, want 1.2 with both", m.Version, m.Header.Valid(), m.Body.Valid())
	}
	if got, want := m.Payload.Name(), (xml.Name{Space: "urn:p", Local: "Op"}); got != want {
		t.Errorf("got payload %v, want %v", got, want)
	}
	want := []HeaderBlock{
		{Name: xml.Name{Space: "urn:h", Local: "A"}, MustUnderstand: true, Role: "urn:r", Relay: true},
		{Name: xml.Name{Space: "urn:h", Local: "B"}},
	}
	if len(m.Headers) != len(want) {
		t.Fatalf("got %d headers, want %d", len(m.Headers), len(want))
	}
	for i, h := range m.Headers {
		h.Element = xmldoc.Element{}
		if h != want[i] {
			t.Errorf("header %d: got %+v, want %+v", i, h, want[i])
		}
	}
}

func TestReadMessage_Accepts(t *testing.T) {
	tests := map[string]string{
		"11 no header":        env11 + `<s:Body/></s:Envelope>`,
		"11 empty body":       env11 + `<s:Header/><s:Body></s:Body></s:Envelope>`,
		"11 mu 0":             env11 + `<s:Header><h:A xmlns:h="urn:h" s:mustUnderstand="0"/></s:Header><s:Body/></s:Envelope>`,
		"11 encodingStyle":    `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body/></s:Envelope>`,
		"12 mu false":         env12 + `<e:Header><h:A xmlns:h="urn:h" e:mustUnderstand=" false "/></e:Header><e:Body/></e:Envelope>`,
		"12 qualified attr":   `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" xmlns:x="urn:x" x:a="1"><e:Body/></e:Envelope>`,
		"12 comments":         `<!-- c -->` + env12 + `<!-- c --><e:Body><!-- c --></e:Body></e:Envelope><!-- c -->`,
		"unqualified payload": env11 + `<s:Body><foo/></s:Body></s:Envelope>`,
		"default ns":          `<Envelope xmlns="http://www.w3.org/2003/05/soap-envelope"><Body/></Envelope>`,
	}
	for name, s := range tests {
		if _, err := ReadMessage(strings.NewReader(s), xmldoc.Limits{}); err != nil {
			t.Errorf("%s: got %v, want nil", name, err)
		}
	}
}

func TestReadMessage_Refuses(t *testing.T) {
	tests := []struct {
		name, in string
		code     Code
		sub      xml.Name
		version  Version
	}{
		{"not xml", `hello`, CodeSender, FaultMalformedMessage, 0},
		{"empty", ``, CodeSender, FaultMalformedMessage, 0},
		{"doctype 12", `<!DOCTYPE e:Envelope>` + env12 + `<e:Body/></e:Envelope>`, CodeSender, FaultMalformedMessage, V12},
		{"doctype unknown", `<!DOCTYPE e:Envelope [` + strings.Repeat(" ", 5000) + `]>` + env12 + `<e:Body/></e:Envelope>`, CodeSender, FaultMalformedMessage, 0},
		{"pi 12", env12 + `<?pi x?><e:Body/></e:Envelope>`, CodeSender, FaultMalformedMessage, V12},
		{"truncated 12", env12 + `<e:Body>`, CodeSender, FaultMalformedMessage, V12},
		{"too deep 11", env11 + `<s:Body>` + strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100) + `</s:Body></s:Envelope>`, CodeSender, FaultLimitExceeded, V11},
		{"unknown ns", `<e:Envelope xmlns:e="urn:wrong"><e:Body/></e:Envelope>`, CodeVersionMismatch, xml.Name{}, 0},
		{"no ns", `<Envelope><Body/></Envelope>`, CodeVersionMismatch, xml.Name{}, 0},
		{"not envelope", `<s:Body xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"/>`, CodeVersionMismatch, xml.Name{}, V11},
		{"no body", env12 + `<e:Header/></e:Envelope>`, CodeSender, FaultMalformedMessage, V12},
		{"two bodies", env11 + `<s:Body/><s:Body/></s:Envelope>`, CodeSender, FaultMalformedMessage, V11},
		{"header after body", env12 + `<e:Body/><e:Header/></e:Envelope>`, CodeSender, FaultMalformedMessage, V12},
		{"two headers", env12 + `<e:Header/><e:Header/><e:Body/></e:Envelope>`, CodeSender, FaultMalformedMessage, V12},
		{"trailer 11", env11 + `<s:Body/><t/></s:Envelope>`, CodeSender, FaultMalformedMessage, V11},
		{"unqualified attr", `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" a="1"><e:Body/></e:Envelope>`, CodeSender, FaultMalformedMessage, V12},
		{"12 encodingStyle on Envelope", `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" e:encodingStyle="urn:x"><e:Body/></e:Envelope>`, CodeSender, FaultMalformedMessage, V12},
		{"12 encodingStyle on Body", env12 + `<e:Body e:encodingStyle="urn:x"/></e:Envelope>`, CodeSender, FaultMalformedMessage, V12},
		{"text in envelope", env11 + `hi<s:Body/></s:Envelope>`, CodeSender, FaultMalformedMessage, V11},
		{"text in body", env11 + `<s:Body>hi</s:Body></s:Envelope>`, CodeSender, FaultMalformedMessage, V11},
		{"unqualified header", env11 + `<s:Header><h/></s:Header><s:Body/></s:Envelope>`, CodeSender, FaultMalformedMessage, V11},
		{"11 mu true", env11 + `<s:Header><h:A xmlns:h="urn:h" s:mustUnderstand="true"/></s:Header><s:Body/></s:Envelope>`, CodeSender, FaultMalformedMessage, V11},
		{"12 mu yes", env12 + `<e:Header><h:A xmlns:h="urn:h" e:mustUnderstand="yes"/></e:Header><e:Body/></e:Envelope>`, CodeSender, FaultMalformedMessage, V12},
		{"12 relay 2", env12 + `<e:Header><h:A xmlns:h="urn:h" e:relay="2"/></e:Header><e:Body/></e:Envelope>`, CodeSender, FaultMalformedMessage, V12},
	}
	for _, tt := range tests {
		f := readFaultOf(t, tt.name, tt.in)
		if f.Code != tt.code || f.Version != tt.version {
			t.Errorf("%s: got %s version %v, want %s version %v", tt.name, f, f.Version, tt.code, tt.version)
		}
		if tt.sub != (xml.Name{}) && (len(f.Subcodes) != 1 || f.Subcodes[0] != tt.sub) {
			t.Errorf("%s: got subcodes %v, want %v", tt.name, f.Subcodes, tt.sub)
		}
	}
}

func TestReadMessage_DoctypeNamesIt(t *testing.T) {
	f := readFaultOf(t, "doctype", `<!DOCTYPE x []>`+env12+`<e:Body/></e:Envelope>`)
	if !strings.Contains(f.Reason, "DOCTYPE") {
		t.Errorf("got reason %q, want it to name the DOCTYPE", f.Reason)
	}
	var fe *xmldoc.ForbiddenError
	if !errors.As(f, &fe) {
		t.Errorf("got cause %v, want *xmldoc.ForbiddenError", f.Cause)
	}
}

func TestReadMessage_RefusalKeepsVersion(t *testing.T) {
	// A refused DOCTYPE before the root: the root start tag is still found
	// in the first bytes read, so the fault is in the message's version.
	for _, in := range []string{
		`<!DOCTYPE x [<!ENTITY a "b">]>` + env12 + `<e:Body/></e:Envelope>`,
		env12 + `<e:Body><?x?></e:Body></e:Envelope>`,
	} {
		f := readFaultOf(t, in, in)
		if got := f.VersionOr(V11); got != V12 {
			t.Errorf("%s: got reply version %v, want 1.2", in, got)
		}
	}
}

func TestReadMessageBytes_SameAsReader(t *testing.T) {
	in := env11 + `<s:Body><p:Op xmlns:p="urn:p"/></s:Body></s:Envelope>`
	m, err := ReadMessageBytes([]byte(in), xmldoc.Limits{})
	if err != nil || m.Version != V11 || m.Payload.Name().Local != "Op" {
		t.Fatalf("got %v, %v; want a 1.1 message with payload Op", m, err)
	}
	_, err = ReadMessageBytes([]byte(env12+`<e:Body>`), xmldoc.Limits{})
	var f *Fault
	if !errors.As(err, &f) || f.Version != V12 {
		t.Fatalf("got %v, want a 1.2 fault", err)
	}
}
