package wsdl

import (
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/soap"
)

func quoteDispatch(t *testing.T) *Dispatch {
	t.Helper()
	d := mustLoadMem(t, "q.wsdl", map[string]string{"q.wsdl": quoteWSDL})
	tb, err := NewDispatch(d, "QuoteService")
	if err != nil {
		t.Fatalf("NewDispatch: got error %v, want none", err)
	}
	return tb
}

func findOp(t *testing.T, tb *Dispatch, v soap.Version, name string) *Operation {
	t.Helper()
	for _, op := range tb.Operations() {
		if op.Version == v && op.Name == name {
			return op
		}
	}
	t.Fatalf("operation %s (version %d) not in table", name, v)
	return nil
}

func TestNewDispatch_OperationFacts(t *testing.T) {
	tb := quoteDispatch(t)
	if got := len(tb.Operations()); got != 6 {
		t.Fatalf("operations: got %d, want 6 (3 per SOAP version)", got)
	}
	q := "http://example.com/q"
	tests := []struct {
		v    soap.Version
		want Operation
	}{
		{soap.V11, Operation{Name: "GetQuote", SOAPAction: q + "/GetQuote", Action: q + "/GetQuote",
			OutputAction: q + "/Quotes/GetQuoteResponse", Body: xml.Name{Space: q, Local: "GetQuote"},
			Style: "document", Use: "literal", Version: soap.V11, Binding: xml.Name{Space: q, Local: "Q11"}}},
		{soap.V11, Operation{Name: "SetQuote", Action: "urn:set", Body: xml.Name{Space: q, Local: "SetQuote"},
			Style: "document", Use: "literal", OneWay: true, Version: soap.V11, Binding: xml.Name{Space: q, Local: "Q11"}}},
		{soap.V11, Operation{Name: "Ping", SOAPAction: "urn:ping", Action: "urn:ping",
			OutputAction: q + "/Quotes/PingResponse", Style: "document", Use: "literal", Version: soap.V11,
			Binding: xml.Name{Space: q, Local: "Q11"}}},
		{soap.V12, Operation{Name: "SetQuote", Action: "urn:set", Body: xml.Name{Space: q, Local: "SetQuote"},
			Style: "document", Use: "literal", OneWay: true, Version: soap.V12, Binding: xml.Name{Space: q, Local: "Q12"}}},
	}
	for _, tt := range tests {
		got := findOp(t, tb, tt.v, tt.want.Name)
		if *got != tt.want {
			t.Errorf("%s v%d:\n got %+v\nwant %+v", tt.want.Name, tt.v, *got, tt.want)
		}
	}
}

func TestDefaultAction_Delimiters(t *testing.T) {
	tests := []struct{ tns, pt, io, want string }{
		{"http://example.com/q", "Quotes", "GetQuoteRequest", "http://example.com/q/Quotes/GetQuoteRequest"},
		{"http://example.com/q/", "Quotes", "GetQuoteRequest", "http://example.com/q/Quotes/GetQuoteRequest"},
		{"urn:example:q", "Quotes", "GetQuoteRequest", "urn:example:q:Quotes:GetQuoteRequest"},
		{"URN:example:q:", "Quotes", "Set", "URN:example:q:Quotes:Set"},
		{"urn-like/x", "P", "In", "urn-like/x/P/In"},
	}
	for _, tt := range tests {
		if got := defaultAction(tt.tns, tt.pt, tt.io); got != tt.want {
			t.Errorf("defaultAction(%q, %q, %q): got %q, want %q", tt.tns, tt.pt, tt.io, got, tt.want)
		}
	}
}

// The default names of WSDL 1.1, 2.4.5 and explicit names feed the default
// action: one-way input = operation name, request-response input =
// name+"Request", output = name+"Response".
func TestLoad_DefaultActionNames(t *testing.T) {
	w := strings.NewReplacer(`"http://example.com/q"`, `"urn:ex:q"`).Replace(wsdlHead) + `
  <message name="M"/>
  <portType name="P">
    <operation name="OneWay"><input message="tns:M"/></operation>
    <operation name="RR"><input message="tns:M"/><output message="tns:M"/></operation>
    <operation name="Named"><input name="In" message="tns:M"/><output name="Out" message="tns:M"/></operation>
  </portType>
  <binding name="B" type="tns:P"><soap:binding/>
    <operation name="OneWay"><input><soap:body/></input></operation>
    <operation name="RR"><input><soap:body/></input><output><soap:body/></output></operation>
    <operation name="Named"><input><soap:body/></input><output><soap:body/></output></operation>
  </binding>
  <service name="S"><port name="p" binding="tns:B"><soap:address location="http://x/"/></port></service>
</definitions>`
	d := mustLoadMem(t, "a.wsdl", map[string]string{"a.wsdl": w})
	want := map[string][2]string{
		"OneWay": {"urn:ex:q:P:OneWay", ""},
		"RR":     {"urn:ex:q:P:RRRequest", "urn:ex:q:P:RRResponse"},
		"Named":  {"urn:ex:q:P:In", "urn:ex:q:P:Out"},
	}
	b := findBinding(t, d, "B")
	if b.Style != "document" || b.Version != soap.V11 {
		t.Errorf("binding: got style %q version %d, want document 1", b.Style, b.Version)
	}
	for _, op := range b.Operations {
		w := want[op.Name]
		if op.Action != w[0] || op.OutputAction != w[1] {
			t.Errorf("%s: got actions %q, %q, want %q, %q", op.Name, op.Action, op.OutputAction, w[0], w[1])
		}
	}
}

func findBinding(t *testing.T, d *Definitions, local string) *Binding {
	t.Helper()
	for _, s := range d.Services {
		for _, p := range s.Ports {
			if p.Binding.Name.Local == local {
				return p.Binding
			}
		}
	}
	t.Fatalf("binding %s not found", local)
	return nil
}

func TestDispatch_Lookup(t *testing.T) {
	tb := quoteDispatch(t)
	q := "http://example.com/q"
	body := func(l string) xml.Name { return xml.Name{Space: q, Local: l} }
	tests := []struct {
		name    string
		k       Key
		want    string // operation name, or "" when an error is expected
		wantV   soap.Version
		wantErr error // ErrNoOperation, ErrAmbiguous, or errMismatch
	}{
		{"quoted SOAPAction", Key{Version: soap.V11, SOAPAction: `"` + q + `/GetQuote"`}, "GetQuote", soap.V11, nil},
		{"body only, SOAP 1.2", Key{Version: soap.V12, Body: body("GetQuote")}, "GetQuote", soap.V12, nil},
		{"wsa:Action explicit", Key{Version: soap.V11, WSAAction: "urn:set"}, "SetQuote", soap.V11, nil},
		{"wsa:Action equal to SOAPAction", Key{Version: soap.V12, WSAAction: q + "/GetQuote"}, "GetQuote", soap.V12, nil},
		{"wsa:Action and body agree", Key{Version: soap.V11, WSAAction: "urn:set", Body: body("SetQuote")}, "SetQuote", soap.V11, nil},
		{"empty SOAPAction is absent", Key{Version: soap.V11, SOAPAction: `""`, Body: body("SetQuote")}, "SetQuote", soap.V11, nil},
		{"unknown SOAPAction is absent", Key{Version: soap.V11, SOAPAction: "urn:bogus", Body: body("GetQuote")}, "GetQuote", soap.V11, nil},
		{"empty input body: action only", Key{Version: soap.V11, SOAPAction: "urn:ping"}, "Ping", soap.V11, nil},
		{"any version, one name", Key{Body: body("GetQuote")}, "GetQuote", soap.V11, nil},
		{"wsa:Action vs body", Key{Version: soap.V11, WSAAction: "urn:set", Body: body("GetQuote")}, "", 0, errMismatch},
		{"SOAPAction vs body", Key{Version: soap.V11, SOAPAction: q + "/GetQuote", Body: body("SetQuote")}, "", 0, errMismatch},
		{"wsa:Action vs SOAPAction", Key{Version: soap.V11, WSAAction: "urn:set", SOAPAction: "urn:ping"}, "", 0, errMismatch},
		{"unknown wsa:Action", Key{Version: soap.V11, WSAAction: "urn:nothing", Body: body("GetQuote")}, "", 0, ErrNoOperation},
		{"unknown body", Key{Version: soap.V11, Body: body("Nothing")}, "", 0, ErrNoOperation},
		{"no keys", Key{Version: soap.V11}, "", 0, ErrNoOperation},
		{"bad version", Key{Version: 7, Body: body("GetQuote")}, "", 0, ErrNoOperation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, err := tb.Lookup(tt.k)
			if tt.wantErr != nil {
				var mm *MismatchError
				ok := errors.Is(err, tt.wantErr) || tt.wantErr == errMismatch && errors.As(err, &mm)
				if !ok || op != nil {
					t.Fatalf("got (%v, %v), want error %v", op, err, tt.wantErr)
				}
				return
			}
			if err != nil || op.Name != tt.want || op.Version != tt.wantV {
				t.Fatalf("got (%+v, %v), want %s v%d", op, err, tt.want, tt.wantV)
			}
		})
	}
}

var errMismatch = errors.New("mismatch")

// Named says what each key names alone, also where Lookup tolerates the
// keys' disagreement (a body under Ping, whose input body is empty; a
// wsa:Action naming nothing).
func TestDispatch_Named(t *testing.T) {
	tb := quoteDispatch(t)
	q := "http://example.com/q"
	body := func(l string) xml.Name { return xml.Name{Space: q, Local: l} }
	tests := []struct {
		name string
		k    Key
		want string // the names of each key's operations, keys joined by ";"
	}{
		{"every key", Key{Version: soap.V11, WSAAction: "urn:ping", SOAPAction: `"` + q + `/GetQuote"`, Body: body("SetQuote")}, "Ping;GetQuote;SetQuote"},
		{"unknown wsa:Action", Key{Version: soap.V11, WSAAction: "urn:nothing", Body: body("SetQuote")}, "SetQuote"},
		{"unknown SOAPAction and body", Key{Version: soap.V12, SOAPAction: "urn:bogus", Body: body("Nothing")}, ""},
		{"any version", Key{Body: body("GetQuote")}, "GetQuote"},
		{"bad version", Key{Version: 7, Body: body("GetQuote")}, ""},
	}
	for _, tt := range tests {
		var got []string
		for _, ops := range tb.Named(tt.k) {
			got = append(got, names(ops))
		}
		if g := strings.Join(got, ";"); g != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, g, tt.want)
		}
	}
	if op, err := tb.Lookup(Key{Version: soap.V11, WSAAction: "urn:ping", Body: body("SetQuote")}); err != nil || op.Name != "Ping" {
		t.Errorf("Lookup of Ping's action with SetQuote's body: got (%v, %v), want Ping", op, err)
	}
}

func TestMismatchError_Names(t *testing.T) {
	tb := quoteDispatch(t)
	_, err := tb.Lookup(Key{Version: soap.V11, WSAAction: "urn:set",
		Body: xml.Name{Space: "http://example.com/q", Local: "GetQuote"}})
	var mm *MismatchError
	if !errors.As(err, &mm) {
		t.Fatalf("got %v, want *MismatchError", err)
	}
	if got, want := mm.Error(), "request keys name different operations: body -> GetQuote; wsa:Action -> SetQuote"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// Two operations with the same body element: distinguishable by SOAPAction
// (a table plus a loggable *AmbiguityError) or by nothing (Indistinguishable).
func TestNewDispatch_Ambiguity(t *testing.T) {
	mk := func(saB string) string {
		return wsdlHead + `
  <message name="In"><part name="p" element="tns:Req"/></message>
  <portType name="P">
    <operation name="A"><input message="tns:In"/></operation>
    <operation name="B"><input message="tns:In"/></operation>
  </portType>
  <binding name="Bd" type="tns:P"><soap:binding transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="A"><soap:operation soapAction="urn:a"/><input><soap:body/></input></operation>
    <operation name="B"><soap:operation soapAction="` + saB + `"/><input><soap:body/></input></operation>
  </binding>
  <service name="S"><port name="p" binding="tns:Bd"><soap:address location="http://x/"/></port></service>
</definitions>`
	}
	t.Run("SOAPAction distinguishes", func(t *testing.T) {
		d := mustLoadMem(t, "a.wsdl", map[string]string{"a.wsdl": mk("urn:b")})
		tb, err := NewDispatch(d, "")
		var ae *AmbiguityError
		if !errors.As(err, &ae) || tb == nil {
			t.Fatalf("got (%v, %v), want table and *AmbiguityError", tb, err)
		}
		if ae.Indistinguishable() {
			t.Errorf("Indistinguishable: got true, want false (%v)", ae)
		}
		want := `service {http://example.com/q}S: ambiguous dispatch (WS-I BP 1.1 R2710): SOAP 1.1: operations {http://example.com/q}Bd.A, {http://example.com/q}Bd.B share body {http://example.com/q}Req; dispatched by SOAPAction or wsa:Action only`
		if ae.Error() != want {
			t.Errorf("got %q, want %q", ae.Error(), want)
		}
		if op, err := tb.Lookup(Key{Version: soap.V11, SOAPAction: "urn:b", Body: xml.Name{Space: "http://example.com/q", Local: "Req"}}); err != nil || op.Name != "B" {
			t.Errorf("by SOAPAction: got (%v, %v), want B", op, err)
		}
		if _, err := tb.Lookup(Key{Version: soap.V11, Body: xml.Name{Space: "http://example.com/q", Local: "Req"}}); !errors.Is(err, ErrAmbiguous) {
			t.Errorf("by body: got %v, want ErrAmbiguous", err)
		}
	})
	t.Run("nothing distinguishes", func(t *testing.T) {
		d := mustLoadMem(t, "a.wsdl", map[string]string{"a.wsdl": mk("urn:a")})
		_, err := NewDispatch(d, "S")
		var ae *AmbiguityError
		if !errors.As(err, &ae) || !ae.Indistinguishable() {
			t.Fatalf("got %v, want an indistinguishable *AmbiguityError", err)
		}
	})
}

func TestNewDispatch_ServiceSelection(t *testing.T) {
	d := mustLoadMem(t, "q.wsdl", map[string]string{"q.wsdl": quoteWSDL})
	tests := []struct{ name, wantErr string }{
		{"", "defines several services (QuoteService, Other): name one"},
		{"Nope", `no service "Nope" (services: QuoteService, Other)`},
		{"Other", ""},
	}
	for _, tt := range tests {
		_, err := NewDispatch(d, tt.name)
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("NewDispatch(%q): got %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

// rpc: the wrapper is the operation name in soap:body/@namespace, with or
// without parts; encoded is recognised; without namespace the binding's
// target namespace is used and noted. document with a type= part: no body
// QName, noted. soap:header parts and soap:body/@parts leave the body.
func TestLoad_BodyQNames(t *testing.T) {
	w := wsdlHead + `
  <message name="Empty"/>
  <message name="Typed"><part name="x" type="xs:string"/></message>
  <message name="WithHeader"><part name="h" element="tns:Hdr"/><part name="b" element="tns:Bdy"/></message>
  <message name="TwoParts"><part name="a" element="tns:A"/><part name="b" element="tns:B"/></message>
  <portType name="P">
    <operation name="rpcLit"><input message="tns:Typed"/></operation>
    <operation name="rpcEnc"><input message="tns:Empty"/></operation>
    <operation name="rpcNoNS"><input message="tns:Typed"/></operation>
    <operation name="docTyped"><input message="tns:Typed"/></operation>
    <operation name="docHeader"><input message="tns:WithHeader"/></operation>
    <operation name="docParts"><input message="tns:TwoParts"/></operation>
  </portType>
  <binding name="B" type="tns:P"><soap:binding style="rpc" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="rpcLit"><input><soap:body use="literal" namespace="urn:rpc"/></input></operation>
    <operation name="rpcEnc"><input><soap:body use="encoded" namespace="urn:enc" encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"/></input></operation>
    <operation name="rpcNoNS"><input><soap:body use="literal"/></input></operation>
    <operation name="docTyped"><soap:operation style="document"/><input><soap:body use="literal"/></input></operation>
    <operation name="docHeader"><soap:operation style="document"/><input><soap:header message="tns:WithHeader" part="h" use="literal"/><soap:body use="literal"/></input></operation>
    <operation name="docParts"><soap:operation style="document"/><input><soap:body parts="b" use="literal"/></input></operation>
  </binding>
  <service name="S"><port name="p" binding="tns:B"><soap:address location="http://x/"/></port></service>
</definitions>`
	d := mustLoadMem(t, "a.wsdl", map[string]string{"a.wsdl": w})
	q := "http://example.com/q"
	want := map[string]struct {
		body      xml.Name
		style     string
		use       string
		noteStart string
	}{
		"rpcLit":    {xml.Name{Space: "urn:rpc", Local: "rpcLit"}, "rpc", "literal", ""},
		"rpcEnc":    {xml.Name{Space: "urn:enc", Local: "rpcEnc"}, "rpc", "encoded", ""},
		"rpcNoNS":   {xml.Name{Space: q, Local: "rpcNoNS"}, "rpc", "literal", "soap:body has no namespace"},
		"docTyped":  {xml.Name{}, "document", "literal", `document-style body part "x" is declared with type=`},
		"docHeader": {xml.Name{Space: q, Local: "Bdy"}, "document", "literal", ""},
		"docParts":  {xml.Name{Space: q, Local: "B"}, "document", "literal", ""},
	}
	for _, op := range d.Services[0].Ports[0].Binding.Operations {
		w := want[op.Name]
		if op.Body != w.body || op.Style != w.style || op.Use != w.use || !strings.HasPrefix(op.Note, w.noteStart) || (w.noteStart == "") != (op.Note == "") {
			t.Errorf("%s: got body %s style %s use %s note %q, want %s %s %s %q...",
				op.Name, clark(op.Body), op.Style, op.Use, op.Note, clark(w.body), w.style, w.use, w.noteStart)
		}
	}
}

// An HTTP binding is recognised and its port left out of dispatch.
func TestNewDispatch_HTTPBindingIgnored(t *testing.T) {
	w := strings.Replace(wsdlHead, `xmlns:xs=`, `xmlns:http="http://schemas.xmlsoap.org/wsdl/http/" xmlns:xs=`, 1) + `
  <message name="M"><part name="p" element="tns:E"/></message>
  <portType name="P"><operation name="Op"><input message="tns:M"/></operation></portType>
  <binding name="H" type="tns:P"><http:binding verb="GET"/>
    <operation name="Op"><http:operation location="/op"/><input><http:urlEncoded/></input></operation></binding>
  <binding name="S" type="tns:P"><soap:binding transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="Op"><input><soap:body/></input></operation></binding>
  <service name="Svc">
    <port name="h" binding="tns:H"><http:address location="http://x/h"/></port>
    <port name="s" binding="tns:S"><soap:address location="http://x/s"/></port>
  </service>
</definitions>`
	d := mustLoadMem(t, "a.wsdl", map[string]string{"a.wsdl": w})
	if p := d.Services[0].Ports[0]; p.Version != 0 || p.Binding.Version != 0 {
		t.Errorf("http port: got versions %d/%d, want 0/0", p.Version, p.Binding.Version)
	}
	tb, err := NewDispatch(d, "Svc")
	if err != nil || len(tb.Operations()) != 1 || tb.Operations()[0].Binding.Local != "S" {
		t.Fatalf("got (%v, %v), want the SOAP operation only", tb, err)
	}
}
