package wsdl

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"testing"
)

// memFetcher serves documents from a map keyed by absolute path or URL.
type memFetcher map[string]string

func (m memFetcher) Fetch(_ context.Context, loc string) (io.ReadCloser, error) {
	s, ok := m[loc]
	if !ok {
		return nil, fmt.Errorf("open %s: %w", loc, fs.ErrNotExist)
	}
	return io.NopCloser(strings.NewReader(s)), nil
}

// loadMem loads /mem/<main> from docs (keys are names under /mem/).
func loadMem(t testing.TB, main string, docs map[string]string, opts LoadOptions) (*Definitions, error) {
	t.Helper()
	m := memFetcher{}
	for k, v := range docs {
		m["/mem/"+k] = v
	}
	opts.Fetcher = m
	return Load(context.Background(), "/mem/"+main, opts)
}

func mustLoadMem(t testing.TB, main string, docs map[string]string) *Definitions {
	t.Helper()
	d, err := loadMem(t, main, docs, LoadOptions{})
	if err != nil {
		t.Fatalf("Load: got error %v, want none", err)
	}
	return d
}

const wsdlHead = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/"
    xmlns:wsam="http://www.w3.org/2007/05/addressing/metadata"
    xmlns:wsaw="http://www.w3.org/2006/05/addressing/wsdl"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tns="http://example.com/q" targetNamespace="http://example.com/q">
`

// quoteWSDL: document/literal, SOAP 1.1 and 1.2 bindings of one port type;
// GetQuote (SOAPAction), SetQuote (one-way, explicit wsam:Action, empty
// SOAPAction), Ping (no body parts), and a second service.
const quoteWSDL = wsdlHead + `
  <types>
    <xs:schema targetNamespace="http://example.com/q" elementFormDefault="qualified">
      <xs:element name="GetQuote" type="xs:string"/>
      <xs:element name="GetQuoteResponse" type="xs:string"/>
      <xs:element name="SetQuote" type="xs:string"/>
    </xs:schema>
  </types>
  <message name="GetQuoteIn"><part name="p" element="tns:GetQuote"/></message>
  <message name="GetQuoteOut"><part name="p" element="tns:GetQuoteResponse"/></message>
  <message name="SetQuoteIn"><part name="p" element="tns:SetQuote"/></message>
  <message name="PingIn"/>
  <portType name="Quotes">
    <operation name="GetQuote"><input message="tns:GetQuoteIn"/><output message="tns:GetQuoteOut"/></operation>
    <operation name="SetQuote"><input message="tns:SetQuoteIn" wsam:Action="urn:set"/></operation>
    <operation name="Ping"><input message="tns:PingIn"/><output message="tns:GetQuoteOut"/></operation>
  </portType>
  <binding name="Q11" type="tns:Quotes">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="GetQuote"><soap:operation soapAction="http://example.com/q/GetQuote"/>
      <input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation>
    <operation name="SetQuote"><soap:operation soapAction=""/><input><soap:body use="literal"/></input></operation>
    <operation name="Ping"><soap:operation soapAction="urn:ping"/>
      <input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation>
  </binding>
  <binding name="Q12" type="tns:Quotes">
    <soap12:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsaw:UsingAddressing/>
    <operation name="GetQuote"><soap12:operation soapAction="http://example.com/q/GetQuote"/>
      <input><soap12:body use="literal"/></input><output><soap12:body use="literal"/></output></operation>
    <operation name="SetQuote"><input><soap12:body use="literal"/></input></operation>
    <operation name="Ping"><soap12:operation soapAction="urn:ping"/>
      <input><soap12:body use="literal"/></input><output><soap12:body use="literal"/></output></operation>
  </binding>
  <service name="QuoteService">
    <port name="P11" binding="tns:Q11"><soap:address location="http://backend/q11"/></port>
    <port name="P12" binding="tns:Q12"><soap12:address location="http://backend/q12"/></port>
  </service>
  <service name="Other">
    <port name="O11" binding="tns:Q11"><soap:address location="http://backend/other"/></port>
  </service>
</definitions>`
