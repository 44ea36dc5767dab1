package soap

import (
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/soap/xmldoc"
)

func TestHeaderBlock_Targeted(t *testing.T) {
	tests := []struct {
		role     string
		ultimate bool
		roles    []string
		want     bool
	}{
		{"", true, nil, true},
		{"", false, nil, false},
		{RoleUltimateReceiver, true, nil, true},
		{RoleUltimateReceiver, false, nil, false},
		{RoleNext, false, nil, true},
		{ActorNext, false, nil, true},
		{RoleNone, true, []string{RoleNone}, false},
		{"urn:r", true, nil, false},
		{"urn:r", false, []string{"urn:q", "urn:r"}, true},
	}
	for _, tt := range tests {
		h := HeaderBlock{Role: tt.role}
		if got := h.Targeted(tt.ultimate, tt.roles...); got != tt.want {
			t.Errorf("role %q ultimate %v roles %v: got %v, want %v", tt.role, tt.ultimate, tt.roles, got, tt.want)
		}
	}
}

func TestMessage_CheckMustUnderstand(t *testing.T) {
	in := env12 + `<e:Header xmlns:h="urn:h">` +
		`<h:Ult e:mustUnderstand="true"/>` +
		`<h:Next e:mustUnderstand="1" e:role="http://www.w3.org/2003/05/soap-envelope/role/next"/>` +
		`<h:None e:mustUnderstand="1" e:role="http://www.w3.org/2003/05/soap-envelope/role/none"/>` +
		`<h:Other e:mustUnderstand="1" e:role="urn:other"/>` +
		`<h:Mine e:mustUnderstand="1" e:role="urn:mine"/>` +
		`<h:Optional/>` +
		`<h:Known e:mustUnderstand="1"/>` +
		`</e:Header><e:Body/></e:Envelope>`
	m, err := ReadMessage(strings.NewReader(in), xmldoc.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	known := func(n xml.Name) bool { return n.Local == "Known" }
	tests := []struct {
		ultimate bool
		roles    []string
		want     []string
	}{
		{true, nil, []string{"Ult", "Next"}},
		{false, nil, []string{"Next"}},
		{false, []string{"urn:mine"}, []string{"Next", "Mine"}},
	}
	for _, tt := range tests {
		err := m.CheckMustUnderstand(tt.ultimate, known, tt.roles...)
		var f *Fault
		if !errors.As(err, &f) || f.Code != CodeMustUnderstand || f.Version != V12 {
			t.Fatalf("ultimate %v: got %v, want a 1.2 MustUnderstand fault", tt.ultimate, err)
		}
		var got []string
		for _, n := range f.NotUnderstood {
			got = append(got, n.Local)
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("ultimate %v roles %v: got NotUnderstood %v, want %v", tt.ultimate, tt.roles, got, tt.want)
		}
	}
	all := func(xml.Name) bool { return true }
	if err := m.CheckMustUnderstand(true, all); err != nil {
		t.Errorf("everything understood: got %v, want nil", err)
	}
}

func TestMessage_CheckMustUnderstand_SOAP11Actor(t *testing.T) {
	in := env11 + `<s:Header xmlns:h="urn:h">` +
		`<h:Next s:mustUnderstand="1" s:actor="http://schemas.xmlsoap.org/soap/actor/next"/>` +
		`<h:Elsewhere s:mustUnderstand="1" s:actor="urn:x"/>` +
		`<h:Unqualified mustUnderstand="1" actor="urn:ignored"/>` +
		`</s:Header><s:Body/></s:Envelope>`
	m, err := ReadMessage(strings.NewReader(in), xmldoc.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	err = m.CheckMustUnderstand(false, func(xml.Name) bool { return false })
	var f *Fault
	if !errors.As(err, &f) || len(f.NotUnderstood) != 1 || f.NotUnderstood[0].Local != "Next" {
		t.Fatalf("got %v, want MustUnderstand for Next only", err)
	}
	if got := string(f.Marshal(V11)); !strings.Contains(got, "<faultcode>soap:MustUnderstand</faultcode>") {
		t.Errorf("got %s, want faultcode soap:MustUnderstand", got)
	}
}

// The W3C collection's intermediary tests (Axis2's copy keeps them): which
// mandatory headers a node faults on depends on the roles it plays. Node B
// is an intermediary playing .../B; node C the ultimate receiver playing
// .../C.
func TestMessage_CheckMustUnderstand_W3CIntermediaries(t *testing.T) {
	dir := materialDir(t, "soap12-w3c-testcollection/axis2-SOAP12Testing/RequestMessages")
	const ts = "http://example.org/ts-tests/"
	tests := []struct {
		file     string
		role     string
		ultimate bool
		want     int // headers not understood
	}{
		{"SOAP12ReqT6_A.xml", ts + "B", false, 0},  // echoOk for C, not mandatory
		{"SOAP12ReqT17_A.xml", ts + "B", false, 1}, // Unknown, role next, mandatory
		{"SOAP12ReqT17_A.xml", ts + "C", true, 1},
		{"SOAP12ReqT62_A.xml", ts + "B", false, 3}, // three mandatory headers for B
		{"SOAP12ReqT62_A.xml", ts + "C", true, 0},  // none for C
	}
	for _, tt := range tests {
		m := mustRead(t, dir+"/"+tt.file)
		err := m.CheckMustUnderstand(tt.ultimate, noneUnderstood, tt.role)
		got := 0
		var f *Fault
		if errors.As(err, &f) {
			got = len(f.NotUnderstood)
		}
		if got != tt.want {
			t.Errorf("%s at %s: got %d headers not understood (%v), want %d", tt.file, tt.role, got, err, tt.want)
		}
	}
}
