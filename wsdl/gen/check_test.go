package gen

import (
	"strings"
	"testing"
)

const header = "package p\n\nimport \"github.com/hooklift/gowsdl/soap\"\n\nvar _ soap.Client\n"

func TestGowsdlOutput_LoggedErrorsAreErrors(t *testing.T) {
	code := &Code{
		Parts: map[string][]byte{"header": []byte(header), "types": []byte("\n"), "operations": []byte("\n")},
		Log:   "Reading file /tmp/x.wsdl\n[WARN] m message doesn't have any parts, ignoring message...\ngenTypes error template: types:3: bad\n",
	}
	_, warnings, err := gowsdlOutput(code)
	if err == nil || err.Error() != "gowsdl: template: types:3: bad" {
		t.Errorf("got error %v, want gowsdl: template: types:3: bad", err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "doesn't have any parts") {
		t.Errorf("got warnings %q, want the [WARN] line", warnings)
	}
}

func TestGowsdlOutput_UnparsableCodeIsAnError(t *testing.T) {
	code := &Code{Parts: map[string][]byte{"header": []byte(header), "types": []byte("type X struct {"), "operations": nil}}
	if _, _, err := gowsdlOutput(code); err == nil || !strings.Contains(err.Error(), "gowsdl generated no operations") {
		t.Errorf("got %v, want no operations", err)
	}
	code.Parts["operations"] = []byte("\n")
	if _, _, err := gowsdlOutput(code); err == nil || !strings.Contains(err.Error(), "does not parse") {
		t.Errorf("got %v, want does not parse", err)
	}
}

func TestDeclared_DuplicatesAndUndefinedTypes(t *testing.T) {
	cases := []struct{ src, want string }{
		{header + "type A struct{ B *B; C []int }\ntype B string\nfunc NewA(c *soap.Client) *A { return nil }\n", ""},
		{header + "type A string\ntype A int\n", "declared more than once: A"},
		{header + "type A struct{ X *Array; Y map[string]Boolean }\nfunc F(r *Decimal) (*A, error) { return nil, nil }\n", "undefined types Array, Boolean, Decimal"},
	}
	for _, c := range cases {
		names, err := declared([]byte(c.src))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: got %v, want no error", c.src, err)
		case c.want == "" && !names["NewA"]:
			t.Errorf("%s: got names %v, want NewA among them", c.src, names)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: got %v, want an error containing %q", c.src, err, c.want)
		}
	}
}

func TestGoName_ExportedIdentifiers(t *testing.T) {
	for in, want := range map[string]string{"echo-soap11": "EchoSoap11", "StockQuoteSoap12": "StockQuoteSoap12", "1st.port": "Port1stPort", "x_y": "XY"} {
		if got := goName(in); got != want {
			t.Errorf("goName(%q): got %q, want %q", in, got, want)
		}
	}
}

func TestFreeName_AvoidsGowsdlNames(t *testing.T) {
	taken := map[string]bool{"NewEcho": true}
	if got := freeName("Echo", taken); got != "EchoPort1" || !taken["NewEchoPort1"] || !taken["EchoPort1Address"] {
		t.Errorf("got %q (taken %v), want EchoPort1 marked taken", got, taken)
	}
}
