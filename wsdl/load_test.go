package wsdl

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/soap"
)

func TestLoad_ErrorsNameFileElementProblem(t *testing.T) {
	missingMsg := strings.Replace(quoteWSDL, `<input message="tns:GetQuoteIn"/>`, `<input message="tns:Missing"/>`, 1)
	tests := []struct {
		name string
		docs map[string]string
		want string
	}{
		{"missing message", map[string]string{"q.wsdl": missingMsg},
			`loading wsdl /mem/q.wsdl: portType {http://example.com/q}Quotes: operation "GetQuote": input message tns:Missing not defined`},
		{"missing portType", map[string]string{"q.wsdl": strings.Replace(quoteWSDL, `<binding name="Q12" type="tns:Quotes">`, `<binding name="Q12" type="tns:Nope">`, 1)},
			`loading wsdl /mem/q.wsdl: binding {http://example.com/q}Q12: type tns:Nope: portType not defined`},
		{"missing binding", map[string]string{"q.wsdl": strings.Replace(quoteWSDL, `binding="tns:Q12"`, `binding="tns:Q13"`, 1)},
			`loading wsdl /mem/q.wsdl: service {http://example.com/q}QuoteService: port "P12": binding tns:Q13 not defined`},
		{"operation not in portType", map[string]string{"q.wsdl": strings.Replace(quoteWSDL, `<operation name="Ping"><soap:operation`, `<operation name="Pong"><soap:operation`, 1)},
			`loading wsdl /mem/q.wsdl: binding {http://example.com/q}Q11: operation "Pong": not defined in portType {http://example.com/q}Quotes`},
		{"unbound prefix in QName", map[string]string{"q.wsdl": strings.Replace(quoteWSDL, `binding="tns:Q12"`, `binding="x:Q12"`, 1)},
			`loading wsdl /mem/q.wsdl: service {http://example.com/q}QuoteService: port "P12": binding "x:Q12": namespace prefix "x" not bound`},
		{"unbound element prefix", map[string]string{"q.wsdl": strings.Replace(quoteWSDL, `<types>`, `<types><wsp:Policy/>`, 1)},
			`loading wsdl /mem/q.wsdl: line 10: element wsp:Policy: namespace prefix "wsp" not bound`},
		{"duplicate binding", map[string]string{"q.wsdl": strings.Replace(quoteWSDL, `<binding name="Q12"`, `<binding name="Q11"`, 1)},
			"loading wsdl /mem/q.wsdl: binding {http://example.com/q}Q11: defined more than once\n" +
				`loading wsdl /mem/q.wsdl: service {http://example.com/q}QuoteService: port "P12": binding tns:Q12 not defined`},
		{"DOCTYPE", map[string]string{"q.wsdl": `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e "x">]><definitions xmlns="http://schemas.xmlsoap.org/wsdl/"/>`},
			`loading wsdl /mem/q.wsdl: line 1: DOCTYPE not allowed`},
		{"not wsdl", map[string]string{"q.wsdl": `<html/>`},
			`loading wsdl /mem/q.wsdl: root element html is neither wsdl:definitions nor xsd:schema`},
		{"missing import", map[string]string{"q.wsdl": strings.Replace(quoteWSDL, `<types>`, `<import namespace="urn:x" location="sub/x.wsdl"/><types>`, 1)},
			`loading wsdl /mem/q.wsdl: wsdl:import location "sub/x.wsdl": reading /mem/sub/x.wsdl: open /mem/sub/x.wsdl: file does not exist`},
		{"problem in imported document", map[string]string{
			"q.wsdl":     strings.Replace(quoteWSDL, `<types>`, `<import namespace="urn:x" location="sub/x.wsdl"/><types>`, 1),
			"sub/x.wsdl": `<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" targetNamespace="urn:x"><portType name="P"><operation name="o"><input message="M"/></operation></portType></definitions>`},
			`loading wsdl /mem/q.wsdl: in /mem/sub/x.wsdl: portType {urn:x}P: operation "o": input message M not defined`},
		{"xsd:include of a WSDL", map[string]string{
			"q.wsdl": strings.Replace(quoteWSDL, `elementFormDefault="qualified">`, `elementFormDefault="qualified"><xs:include schemaLocation="q.wsdl"/>`, 1)},
			`loading wsdl /mem/q.wsdl: xsd:include schemaLocation "q.wsdl": /mem/q.wsdl is not an XML Schema document`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadMem(t, "q.wsdl", tt.docs, LoadOptions{})
			if err == nil || err.Error() != tt.want {
				t.Fatalf("got  %v\nwant %s", err, tt.want)
			}
			var le *LoadError
			if !errors.As(err, &le) {
				t.Errorf("got %T, want a *LoadError in the chain", err)
			}
		})
	}
}

// Bindings, port types, messages and schemas in different documents, with
// different prefixes for the same namespaces, and imports that form cycles:
// each document is loaded once.
func TestLoad_CrossDocumentAndCycles(t *testing.T) {
	docs := map[string]string{
		"svc.wsdl": `<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
  xmlns:b="urn:bind" targetNamespace="urn:svc">
  <import namespace="urn:bind" location="bind/bind.wsdl"/>
  <service name="S"><port name="p" binding="b:B"><soap:address location="http://x/"/></port></service>
</definitions>`,
		"bind/bind.wsdl": `<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
  xmlns:pt="urn:pt" targetNamespace="urn:bind">
  <wsdl:import namespace="urn:pt" location="../pt.wsdl"/>
  <wsdl:import namespace="urn:svc" location="../svc.wsdl"/>
  <wsdl:binding name="B" type="pt:P"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="op"><wsdl:input><soap:body use="literal"/></wsdl:input></wsdl:operation>
  </wsdl:binding>
</wsdl:definitions>`,
		"pt.wsdl": `<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:xsd="http://www.w3.org/2001/XMLSchema"
  xmlns:m="urn:pt" targetNamespace="urn:pt">
  <import namespace="urn:bind" location="bind/bind.wsdl"/>
  <types><xsd:schema targetNamespace="urn:types"><xsd:import namespace="urn:a" schemaLocation="xsd/a.xsd"/></xsd:schema></types>
  <message name="In"><part name="p" element="t:Op" xmlns:t="urn:types"/></message>
  <portType name="P"><operation name="op"><input message="m:In"/></operation></portType>
</definitions>`,
		"xsd/a.xsd": `<schema xmlns="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:a">
  <import namespace="urn:b" schemaLocation="b.xsd"/><include schemaLocation="a2.xsd"/></schema>`,
		"xsd/a2.xsd": `<schema xmlns="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:a"><include schemaLocation="a.xsd"/></schema>`,
		"xsd/b.xsd":  `<schema xmlns="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:b"><import namespace="urn:a" schemaLocation="a.xsd"/></schema>`,
	}
	d := mustLoadMem(t, "svc.wsdl", docs)
	var locs []string
	for _, doc := range d.Documents {
		locs = append(locs, strings.TrimPrefix(doc.Location, "/mem/")+":"+doc.Kind)
	}
	if got, want := strings.Join(locs, " "), "svc.wsdl:wsdl bind/bind.wsdl:wsdl pt.wsdl:wsdl xsd/a.xsd:xsd xsd/b.xsd:xsd xsd/a2.xsd:xsd"; got != want {
		t.Errorf("documents: got %s, want %s", got, want)
	}
	tb, err := NewDispatch(d, "S")
	if err != nil {
		t.Fatal(err)
	}
	op := tb.Operations()[0]
	if op.Body != (xml.Name{Space: "urn:types", Local: "Op"}) || op.Action != "urn:pt:P:op" || !op.OneWay {
		t.Errorf("got body %s action %q oneway %v, want {urn:types}Op, urn:pt:P:op, true", clark(op.Body), op.Action, op.OneWay)
	}
}

func TestLoad_Bounds(t *testing.T) {
	chain := map[string]string{}
	for i := 0; i < 6; i++ {
		chain[string(rune('a'+i))+".xsd"] = `<schema xmlns="http://www.w3.org/2001/XMLSchema"><include schemaLocation="` + string(rune('a'+i+1)) + `.xsd"/></schema>`
	}
	chain["g.xsd"] = `<schema xmlns="http://www.w3.org/2001/XMLSchema"/>`
	chain["q.wsdl"] = strings.Replace(quoteWSDL, `elementFormDefault="qualified">`, `elementFormDefault="qualified"><xs:include schemaLocation="a.xsd"/>`, 1)
	tests := []struct {
		name string
		opts LoadOptions
		want string
	}{
		{"depth", LoadOptions{MaxDepth: 3}, `in /mem/c.xsd: xsd:include schemaLocation "d.xsd": imports nested deeper than 3`},
		{"docs", LoadOptions{MaxDocs: 4}, `more than 4 documents`},
		{"bytes", LoadOptions{MaxBytes: 1000}, `loading wsdl /mem/q.wsdl: reading /mem/q.wsdl: document larger than 1000 bytes`},
		{"total", LoadOptions{MaxTotalBytes: int64(len(chain["q.wsdl"]) + 100)}, `bytes in total`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadMem(t, "q.wsdl", chain, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if d, err := loadMem(t, "q.wsdl", chain, LoadOptions{}); err != nil || len(d.Documents) != 8 {
		t.Fatalf("default bounds: got %v, want 8 documents loaded", err)
	}
}

// A WSDL served over HTTP imports an XSD by a relative location; the XSD
// imports another that imports it back (a cycle); a file: location from an
// HTTP document is refused.
func TestLoad_HTTP(t *testing.T) {
	docs := map[string]string{
		"/ws/main.wsdl": strings.Replace(quoteWSDL, `elementFormDefault="qualified">`,
			`elementFormDefault="qualified"><xs:import namespace="urn:t" schemaLocation="types/t.xsd"/>`, 1),
		"/ws/types/t.xsd":  `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t"><xs:import namespace="urn:u" schemaLocation="/ws/u.xsd"/></xs:schema>`,
		"/ws/u.xsd":        `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:u"><xs:import namespace="urn:t" schemaLocation="types/t.xsd"/></xs:schema>`,
		"/ws/evil.wsdl":    `<definitions xmlns="http://schemas.xmlsoap.org/wsdl/"><import namespace="urn:x" location="file:///etc/passwd"/></definitions>`,
		"/ws/doctype.wsdl": `<!DOCTYPE x SYSTEM "http://example.com/x.dtd"><definitions xmlns="http://schemas.xmlsoap.org/wsdl/"/>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, ok := docs[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		w.Write([]byte(s))
	}))
	defer srv.Close()
	ctx := context.Background()
	opts := LoadOptions{HTTPClient: srv.Client()}

	d, err := Load(ctx, srv.URL+"/ws/main.wsdl", opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := []string{srv.URL + "/ws/main.wsdl", srv.URL + "/ws/types/t.xsd", srv.URL + "/ws/u.xsd"}
	if len(d.Documents) != len(want) {
		t.Fatalf("documents: got %d, want %d", len(d.Documents), len(want))
	}
	for i, w := range want {
		if d.Documents[i].Location != w {
			t.Errorf("document %d: got %s, want %s", i, d.Documents[i].Location, w)
		}
	}
	if _, err := NewDispatch(d, "QuoteService"); err != nil {
		t.Errorf("NewDispatch: %v", err)
	}

	for path, wantErr := range map[string]string{
		"/ws/evil.wsdl":    `wsdl:import location "file:///etc/passwd": location "file:///etc/passwd": a document read over HTTP may only import http(s) locations`,
		"/ws/doctype.wsdl": `DOCTYPE not allowed`,
		"/ws/none.wsdl":    `HTTP status 404 Not Found`,
	} {
		_, err := Load(ctx, srv.URL+path, opts)
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("%s: got %v, want it to contain %q", path, err, wantErr)
		}
	}
}

func TestLoad_SOAP12AddressOnSOAP12Binding(t *testing.T) {
	d := mustLoadMem(t, "q.wsdl", map[string]string{"q.wsdl": strings.Replace(quoteWSDL,
		`<soap12:address location="http://backend/q12"/>`, `<soap:address location="http://backend/q12"/>`, 1)})
	p := d.Services[0].Ports[1]
	if p.Version != soap.V12 || p.Address != "http://backend/q12" {
		t.Errorf("got version %d address %q, want 2 (from the binding) and http://backend/q12", p.Version, p.Address)
	}
}
