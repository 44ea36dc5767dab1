package soap

import (
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/soap/xmldoc"
)

func readAddressingString(t *testing.T, in string) (Addressing, error) {
	t.Helper()
	m, err := ReadMessage(strings.NewReader(in), xmldoc.Limits{})
	if err != nil {
		t.Fatalf("reading %s: %v", in, err)
	}
	return ReadAddressing(m)
}

func TestReadAddressing_Properties(t *testing.T) {
	in := env12 + `<e:Header xmlns:w="http://www.w3.org/2005/08/addressing" xmlns:k="urn:k">` +
		`<w:To> http://gw/services/S </w:To><w:Action>urn:act</w:Action><w:MessageID>urn:uuid:1</w:MessageID>` +
		`<w:RelatesTo>urn:uuid:0</w:RelatesTo><w:RelatesTo RelationshipType="urn:rel">urn:uuid:9</w:RelatesTo>` +
		`<w:FaultTo><w:Address>http://client/faults</w:Address><w:ReferenceParameters><k:A>1</k:A><k:B/></w:ReferenceParameters>` +
		`<w:Metadata><k:M/></w:Metadata><k:Ext/></w:FaultTo>` +
		`<w:Action e:role="http://www.w3.org/2003/05/soap-envelope/role/none">urn:ignored</w:Action>` +
		`<w:Action e:role="urn:someone-else">urn:ignored</w:Action>` +
		`</e:Header><e:Body/></e:Envelope>`
	a, err := readAddressingString(t, in)
	if err != nil {
		t.Fatal(err)
	}
	if a.NS != WSANS || a.To != "http://gw/services/S" || a.Action != "urn:act" || a.MessageID != "urn:uuid:1" {
		t.Errorf("got %+v, want ns/To/Action/MessageID read", a)
	}
	wantRel := []Relation{{"urn:uuid:0", WSAReply}, {"urn:uuid:9", "urn:rel"}}
	if len(a.RelatesTo) != 2 || a.RelatesTo[0] != wantRel[0] || a.RelatesTo[1] != wantRel[1] {
		t.Errorf("got RelatesTo %v, want %v", a.RelatesTo, wantRel)
	}
	if !a.ReplyTo.IsAnonymous() || a.ReplyTo == nil || a.ReplyTo.Address != WSAAnonymous {
		t.Errorf("got ReplyTo %+v, want the anonymous default", a.ReplyTo)
	}
	ft := a.FaultTo
	if ft == nil || ft.Address != "http://client/faults" || len(ft.ReferenceParameters) != 2 || !ft.Metadata.Valid() {
		t.Fatalf("got FaultTo %+v, want address, 2 reference parameters and metadata", ft)
	}
	if got := ft.ReferenceParameters[0].Name(); got != (xml.Name{Space: "urn:k", Local: "A"}) {
		t.Errorf("got first reference parameter %v, want {urn:k}A", got)
	}
}

func TestReadAddressing_None(t *testing.T) {
	for _, h := range []string{
		`<h:X xmlns:h="urn:h"/>`,
		`<w:ReferenceParameter xmlns:w="http://www.w3.org/2005/08/addressing"/>`,
	} {
		a, err := readAddressingString(t, env11+`<s:Header>`+h+`</s:Header><s:Body/></s:Envelope>`)
		if err != nil || a.NS != "" || a.ReplyTo != nil {
			t.Errorf("%s: got %+v, %v; want no addressing", h, a, err)
		}
	}
}

func TestReadAddressing_MixedNamespacesUseTheFirst(t *testing.T) {
	a, err := readAddressingString(t, env11+`<s:Header>`+
		`<w:Action xmlns:w="http://schemas.xmlsoap.org/ws/2004/08/addressing">urn:old</w:Action>`+
		`<w:Action xmlns:w="http://www.w3.org/2005/08/addressing">urn:new</w:Action>`+
		`</s:Header><s:Body/></s:Envelope>`)
	if err != nil || a.NS != WSANS2004 || a.Action != "urn:old" || a.ReplyTo != nil {
		t.Errorf("got %+v, %v; want the 2004/08 Action and no ReplyTo default", a, err)
	}
}

func TestReadAddressing_Faults(t *testing.T) {
	const w = `xmlns:w="http://www.w3.org/2005/08/addressing"`
	tests := []struct {
		name, headers string
		subcodes      []string
	}{
		{"two To", `<w:To ` + w + `>a</w:To><w:To ` + w + `>b</w:To><w:Action ` + w + `>x</w:Action>`,
			[]string{"InvalidAddressingHeader", "InvalidCardinality"}},
		{"no Action", `<w:To ` + w + `>a</w:To>`, []string{"MessageAddressingHeaderRequired"}},
		{"empty Action", `<w:Action ` + w + `> </w:Action>`, []string{"InvalidAddressingHeader"}},
		{"Action with elements", `<w:Action ` + w + `><x/></w:Action>`, []string{"InvalidAddressingHeader"}},
		{"EPR without Address", `<w:Action ` + w + `>x</w:Action><w:ReplyTo ` + w + `/>`,
			[]string{"InvalidAddressingHeader", "MissingAddressInEPR"}},
		{"EPR two Addresses", `<w:Action ` + w + `>x</w:Action><w:ReplyTo ` + w + `><w:Address>a</w:Address><w:Address>b</w:Address></w:ReplyTo>`,
			[]string{"InvalidAddressingHeader", "InvalidEPR"}},
		{"2004 two MessageIDs", `<w:MessageID xmlns:w="http://schemas.xmlsoap.org/ws/2004/08/addressing">a</w:MessageID><w:MessageID xmlns:w="http://schemas.xmlsoap.org/ws/2004/08/addressing">b</w:MessageID>`,
			[]string{"InvalidMessageInformationHeader"}},
	}
	for _, tt := range tests {
		_, err := readAddressingString(t, env12+`<e:Header>`+tt.headers+`</e:Header><e:Body/></e:Envelope>`)
		var f *Fault
		if !errors.As(err, &f) {
			t.Errorf("%s: got %v, want a *Fault", tt.name, err)
			continue
		}
		var got []string
		for _, s := range f.Subcodes {
			got = append(got, s.Local)
		}
		if f.Code != CodeSender || f.Version != V12 || strings.Join(got, "/") != strings.Join(tt.subcodes, "/") {
			t.Errorf("%s: got %s %v version %v, want Sender %v version 1.2", tt.name, f.Code, got, f.Version, tt.subcodes)
		}
	}
}

// The Axis2 addressing test messages: invalid cardinality in both
// namespaces, omitted headers, valid messages, roles.
func TestReadAddressing_Axis2Messages(t *testing.T) {
	dir := materialDir(t, "ws-addressing/axis2-addressing-test-resources")
	for _, ns := range []string{"final", "submission"} {
		files, _ := filepath.Glob(filepath.Join(dir, "invalid-cardinality-messages", ns, "*.xml"))
		if len(files) != 6 {
			t.Errorf("%s: got %d invalid-cardinality messages, want 6", ns, len(files))
		}
		for _, path := range files {
			header := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(path), "invalidCardinality"), "Message.xml")
			_, err := ReadAddressing(mustRead(t, path))
			var f *Fault
			if !errors.As(err, &f) || len(f.Subcodes) == 0 || !isWSA(f.Subcodes[0].Space) {
				t.Errorf("%s/%s: got %v, want a WS-A fault", ns, header, err)
				continue
			}
			if !strings.Contains(string(f.Detail), ":"+header+"<") {
				t.Errorf("%s/%s: got detail %s, want ProblemHeaderQName naming %s", ns, header, f.Detail, header)
			}
			if ns == "final" && (len(f.Subcodes) != 2 || f.Subcodes[1] != WSAInvalidCardinality) {
				t.Errorf("%s/%s: got subcodes %v, want InvalidAddressingHeader/InvalidCardinality", ns, header, f.Subcodes)
			}
		}
		omitted, _ := filepath.Glob(filepath.Join(dir, "omitted-header-messages", ns, "*.xml"))
		for _, path := range omitted {
			a, err := ReadAddressing(mustRead(t, path))
			if strings.Contains(path, "noAction") {
				var f *Fault
				if !errors.As(err, &f) || !strings.HasSuffix(f.Subcodes[0].Local, "HeaderRequired") {
					t.Errorf("%s: got %v, want a HeaderRequired fault", path, err)
				}
				continue
			}
			if err != nil || a.Action != "http://ws.apache.org/tests/action" {
				t.Errorf("%s: got %+v, %v; want the action read", path, a, err)
			}
		}
	}
	a, err := ReadAddressing(mustRead(t, filepath.Join(dir, "valid-messages/final/soapmessage.xml")))
	if err != nil || a.ReplyTo == nil || a.ReplyTo.Address != "http://example.com/fabrikam/acct" ||
		len(a.ReplyTo.ReferenceParameters) != 2 || len(a.RelatesTo) != 2 || a.From == nil {
		t.Errorf("valid final message: got %+v, %v", a, err)
	}
	for _, name := range []string{"soap12roleTest.xml", "soap11roleTest.xml"} {
		a, err := ReadAddressing(mustRead(t, filepath.Join(dir, name)))
		if err != nil || a.NS != "" {
			t.Errorf("%s: got %+v, %v; want no header targeted here", name, a, err)
		}
	}
	a, err = ReadAddressing(mustRead(t, filepath.Join(dir, "valid-messages/final/soapmessage.customrole.soap12.xml")))
	if err != nil || a.Action != "invalid-notinrole" || len(a.RelatesTo) != 2 {
		t.Errorf("custom role message: got %+v, %v; want only the headers without a role", a, err)
	}
}

func mustRead(t *testing.T, path string) *Message {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := ReadMessage(f, xmldoc.Limits{})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

func TestCheckAction_Mismatch(t *testing.T) {
	a := Addressing{NS: WSANS, Action: "urn:a"}
	for _, httpAction := range []string{"", "urn:a"} {
		if err := CheckAction(V11, a, httpAction); err != nil {
			t.Errorf("%q: got %v, want nil", httpAction, err)
		}
	}
	if err := CheckAction(V11, Addressing{}, "urn:b"); err != nil {
		t.Errorf("no WS-A: got %v, want nil", err)
	}
	err := CheckAction(V12, a, "urn:b")
	var f *Fault
	if !errors.As(err, &f) || len(f.Subcodes) != 2 || f.Subcodes[1] != WSAActionMismatch {
		t.Fatalf("got %v, want InvalidAddressingHeader/ActionMismatch", err)
	}
}

// A fault about the addressing headers still gets what addresses it: the
// message's MessageID and fault endpoint.
func TestReadAddressing_FaultContext(t *testing.T) {
	a, err := readAddressingString(t, env11+`<s:Header>`+
		`<w:MessageID xmlns:w="http://www.w3.org/2005/08/addressing">urn:uuid:1</w:MessageID>`+
		`<w:To xmlns:w="http://www.w3.org/2005/08/addressing">urn:a</w:To>`+
		`<w:To xmlns:w="http://www.w3.org/2005/08/addressing">urn:b</w:To>`+
		`<w:FaultTo xmlns:w="http://www.w3.org/2005/08/addressing"><w:Address>http://www.w3.org/2005/08/addressing/none</w:Address></w:FaultTo>`+
		`</s:Header><s:Body/></s:Envelope>`)
	if err == nil {
		t.Fatal("got no error, want InvalidCardinality")
	}
	if a.NS != WSANS || a.MessageID != "urn:uuid:1" || !a.FaultTo.IsNone() {
		t.Errorf("got %+v, want NS, MessageID urn:uuid:1 and FaultTo none", a)
	}
}
