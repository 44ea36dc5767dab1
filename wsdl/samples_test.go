package wsdl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// samplesDir holds WSDLs of other toolkits' test suites
// (testdata/wsdl-samples/SOURCES.md).
const samplesDir = "testdata/wsdl-samples"

// sampleOutcomes pins what every .wsdl under samplesDir gives, so that a
// change shows. "ok" lists each service as Name:operations, with "~" when
// NewDispatch reported ambiguities that other keys resolve, "!" when some
// operations cannot be told apart at all, and "=none" when the service
// has no SOAP/HTTP port. "error:" is the whole Load error, the samples
// directory stripped: it names the file, the element and the problem.
var sampleOutcomes = map[string]string{
	"axis2/RPCUnwrappingTest.wsdl":                         "ok RPCUnwrappingServiceTest:4~",
	"axis2/RobustInOnlyServiceTest.wsdl":                   "ok wsdltest:1",
	"axis2/UsingAddressing.wsdl":                           "ok Version:2",
	"axis2/UsingAddressingOptional.wsdl":                   "ok Version:2",
	"axis2/UsingAddressingRequired.wsdl":                   "ok Version:2",
	"cxf-testutils/addNumbers.wsdl":                        "ok AddNumbersService:1",
	"cxf-testutils/catalog/hello_world_bindings.wsdl":      "error: loading wsdl cxf-testutils/catalog/hello_world_bindings.wsdl: in cxf-testutils/catalog/hello_world_messages.wsdl: xsd:import schemaLocation \"nopath/Invoice.xsd\": reading cxf-testutils/catalog/nopath/Invoice.xsd: open cxf-testutils/catalog/nopath/Invoice.xsd: no such file or directory",
	"cxf-testutils/catalog/hello_world_messages.wsdl":      "error: loading wsdl cxf-testutils/catalog/hello_world_messages.wsdl: xsd:import schemaLocation \"nopath/Invoice.xsd\": reading cxf-testutils/catalog/nopath/Invoice.xsd: open cxf-testutils/catalog/nopath/Invoice.xsd: no such file or directory",
	"cxf-testutils/catalog/hello_world_port_type.wsdl":     "error: loading wsdl cxf-testutils/catalog/hello_world_port_type.wsdl: portType {http://apache.org/hello_world}Greeter: operation \"sayHi\": input: message \"x1:sayHiRequest\": namespace prefix \"x1\" not bound\nloading wsdl cxf-testutils/catalog/hello_world_port_type.wsdl: portType {http://apache.org/hello_world}Greeter: operation \"greetMe\": input: message \"x1:greetMeRequest\": namespace prefix \"x1\" not bound\nloading wsdl cxf-testutils/catalog/hello_world_port_type.wsdl: portType {http://apache.org/hello_world}Greeter: operation \"pingMe\": input: message \"x1:pingMeRequest\": namespace prefix \"x1\" not bound",
	"cxf-testutils/catalog/hello_world_services.wsdl":      "error: loading wsdl cxf-testutils/catalog/hello_world_services.wsdl: wsdl:import location \"doesnotexist/hello_world_bindings.wsdl\": reading cxf-testutils/catalog/doesnotexist/hello_world_bindings.wsdl: open cxf-testutils/catalog/doesnotexist/hello_world_bindings.wsdl: no such file or directory",
	"cxf-testutils/catalog/hello_world_wsdl_import.wsdl":   "error: loading wsdl cxf-testutils/catalog/hello_world_wsdl_import.wsdl: in cxf-testutils/catalog/hello_world_messages.wsdl: xsd:import schemaLocation \"nopath/Invoice.xsd\": reading cxf-testutils/catalog/nopath/Invoice.xsd: open cxf-testutils/catalog/nopath/Invoice.xsd: no such file or directory",
	"cxf-testutils/doc_lit_bare.wsdl":                      "ok SOAPService:4",
	"cxf-testutils/greeter_control.wsdl":                   "ok ControlService:4 GreeterService:4 ReliableGreeterService:4 Reliable12GreeterService:4 BasicGreeterService:4 ClusteredGreeterService:8",
	"cxf-testutils/header_rpc_lit.wsdl":                    "error: loading wsdl cxf-testutils/header_rpc_lit.wsdl: xsd:import schemaLocation \"./header.xsd\": reading cxf-testutils/header.xsd: open cxf-testutils/header.xsd: no such file or directory",
	"cxf-testutils/hello_world.wsdl":                       "ok SOAPService:7 SOAPProviderService:7 SOAPDispatchService:7 SOAPService_DocLitBare:1 SOAPServiceAddressingDocLitBare:1 SOAPService_Test1:7 SOAPServiceAddressing:7 SOAPServiceConcurrencyTest:7 SOAPServiceBogusAddressTest:7 SOAPServiceMultiPortTypeTest:8",
	"cxf-testutils/hello_world_doc_lit.wsdl":               "ok SOAPService:4 MultiTransportService:4 SOAPService2:4 SOAPService3:4 SOAPService4:4 SOAPService5:4 SOAPService6:4 SOAPService7:4 SOAPService8=none XMLService1=none XMLService2=none XMLService3=none XMLService4=none",
	"cxf-testutils/hello_world_fault.wsdl":                 "ok SOAPService:1",
	"cxf-testutils/hello_world_mixedstyle.wsdl":            "ok SOAPService:4",
	"cxf-testutils/hello_world_rpc_lit.wsdl":               "ok SOAPServiceRPCLit:4 SOAPServiceProviderRPCLit:4 SOAPServiceRPCLit1:4 SOAPServiceRPCLit2:4 SOAPServiceRPCLit3:4 SOAPServiceRPCLit4:4 SOAPServiceRPCLit5:4 SOAPServiceRPCLit6:4 SOAPServiceRPCLit8:4",
	"cxf-testutils/hello_world_services.wsdl":              "error: loading wsdl cxf-testutils/hello_world_services.wsdl: wsdl:import location \"hello_world_bindings.wsdl.xml\": reading cxf-testutils/hello_world_bindings.wsdl.xml: open cxf-testutils/hello_world_bindings.wsdl.xml: no such file or directory",
	"cxf-testutils/hello_world_soap12.wsdl":                "ok SOAPService:2",
	"cxf-testutils/hello_world_soap_action.wsdl":           "ok SOAPService:2 SOAP12Service:2 WrappedSOAPService:2 WrappedSOAP12Service:2",
	"cxf-testutils/hello_world_soap_action_rpc.wsdl":       "ok SOAPRPCService:2",
	"cxf-testutils/no_body_parts.wsdl":                     "ok NoBodyParts:1",
	"cxf-testutils/soapbody_rpc.wsdl":                      "ok SOAPRPCBodyService:2~",
	"cxf-testutils/soapheader.wsdl":                        "ok SOAPHeaderService:8",
	"cxf-testutils/swa-mime.wsdl":                          "ok SwAService:4",
	"gowsdl/fixtures/dyndns.wsdl":                          "ok Api:11",
	"gowsdl/fixtures/epcis/EPCglobal-epcis-query-1_2.wsdl": "ok EPCglobalEPCISService:7",
	"gowsdl/fixtures/mnb-exchange.wsdl":                    "ok MNBArfolyamService:12",
	"gowsdl/fixtures/stock.wsdl":                           "error: loading wsdl gowsdl/fixtures/stock.wsdl: service {http://example.com/stockquote.wsdl}StockQuoteService: port \"StockQuotePort\": binding tns:StockQuoteBinding not defined",
	"gowsdl/fixtures/test.wsdl":                            "ok MNBArfolyamService:1",
	"node-soap/test/wsdl/attachments.wsdl":                 "error: loading wsdl node-soap/test/wsdl/attachments.wsdl: line 15: attribute xmime:expectedContentTypes: namespace prefix \"xmime\" not bound",
	"node-soap/test/wsdl/binding_document.wsdl":            "error: loading wsdl node-soap/test/wsdl/binding_document.wsdl: binding mySoapBinding: type \"wsdlns:mySoapPort\": namespace prefix \"wsdlns\" not bound\nloading wsdl node-soap/test/wsdl/binding_document.wsdl: service myAPI: port \"mySoapPort\": binding \"wsdlns:mySoapBinding\": namespace prefix \"wsdlns\" not bound",
	"node-soap/test/wsdl/default_namespace_soap12.wsdl":    "error: loading wsdl node-soap/test/wsdl/default_namespace_soap12.wsdl: line 30: element soap:binding: namespace prefix \"soap\" not bound",
	"node-soap/test/wsdl/empty_body.wsdl":                  "ok MyService:1",
	"node-soap/test/wsdl/hello.wsdl":                       "ok Hello_Service:1",
	"node-soap/test/wsdl/missing_message_definition.wsdl":  "error: loading wsdl node-soap/test/wsdl/missing_message_definition.wsdl: portType {http://example.com/weather}WeatherPortType: operation \"GetWeather\": output message tns:GetWeatherResponse not defined",
	"node-soap/test/wsdl/multi-service.wsdl":               "ok Hello_Service:1 Bye_Service:2",
	"node-soap/test/wsdl/rpcexample.wsdl":                  "ok RpcExample:13",
	"node-soap/test/wsdl/self_referencing.wsdl":            "ok Service1:2",
	"node-soap/test/wsdl/strict/one-way.wsdl":              "ok OneWayService:1",
	"node-soap/test/wsdl/strict/stockquote.wsdl":           "ok StockQuoteService:3",
	"node-soap/test/wsdl/ws-policy.wsdl":                   "error: loading wsdl node-soap/test/wsdl/ws-policy.wsdl: line 6: element wsp:Policy: namespace prefix \"wsp\" not bound",
	"node-soap/test/wsdl/wsdlImport/main.wsdl":             "ok UserRemoteServiceImplService:1",
	"node-soap/test/wsdl/wsdlImport/overridden.wsdl":       "ok (no services)",
	"node-soap/test/wsdl/wsdlImport/sub.wsdl":              "ok (no services)",
	"node-soap/test/wsdl/wsdl_style_mix.wsdl":              "ok HL7Service:1",
	"node-soap/test/wsdl/xsdinclude/xsd_include.wsdl":      "error: loading wsdl node-soap/test/wsdl/xsdinclude/xsd_include.wsdl: binding {http://www.dummy.com}DummyBinding: operation \"DummySave\": not defined in portType {http://www.dummy.com}DummyPortType",
	"python-zeep/tests/wsdl_files/claim.wsdl":              "ok GetClaimDetailsService:1",
	"python-zeep/tests/wsdl_files/http.wsdl":               "ok StockQuoteService=none",
	"python-zeep/tests/wsdl_files/soap.wsdl":               "ok StockQuoteService:2!",
	"python-zeep/tests/wsdl_files/soap_header.wsdl":        "ok StockQuoteService:1",
	"python-zeep/tests/wsdl_files/soap_import_2.wsdl":      "ok (no services)",
	"python-zeep/tests/wsdl_files/soap_import_main.wsdl":   "ok StockQuoteService:1",
	"python-zeep/tests/wsdl_files/soap_transport_err.wsdl": "error: loading wsdl python-zeep/tests/wsdl_files/soap_transport_err.wsdl: binding {http://example.com/stockquote.wsdl}StockQuoteBinding: defined more than once",
}

// Known negatives (named in the conformance collection's README): the
// problem each must be refused for.
var sampleNegatives = map[string]string{
	"node-soap/test/wsdl/missing_message_definition.wsdl":  `portType {http://example.com/weather}WeatherPortType: operation "GetWeather": output message tns:GetWeatherResponse not defined`,
	"python-zeep/tests/wsdl_files/soap_transport_err.wsdl": `binding {http://example.com/stockquote.wsdl}StockQuoteBinding: defined more than once`,
	"node-soap/test/wsdl/default_namespace_soap12.wsdl":    `element soap:binding: namespace prefix "soap" not bound`,
	"node-soap/test/wsdl/attachments.wsdl":                 `attribute xmime:expectedContentTypes: namespace prefix "xmime" not bound`,
	"node-soap/test/wsdl/ws-policy.wsdl":                   `element wsp:Policy: namespace prefix "wsp" not bound`,
}

// fileOnly reads local files and refuses the network: the walk must not
// depend on third-party hosts.
var fileOnly = FetcherFunc(func(ctx context.Context, loc string) (io.ReadCloser, error) {
	if isURL(loc) {
		return nil, errors.New("network disabled in tests")
	}
	return defaultFetcher{}.Fetch(ctx, loc)
})

func TestSamples_LoadOrFailPrecisely(t *testing.T) {
	abs, err := filepath.Abs(samplesDir)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	err = filepath.WalkDir(samplesDir, func(p string, de fs.DirEntry, err error) error {
		if err == nil && !de.IsDir() && strings.HasSuffix(p, ".wsdl") {
			rel, _ := filepath.Rel(samplesDir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var regen []string
	for _, rel := range files {
		got := sampleOutcome(t, filepath.Join(samplesDir, rel), abs)
		regen = append(regen, fmt.Sprintf("\t%q: %q,", rel, got))
		want, ok := sampleOutcomes[rel]
		if !ok {
			t.Errorf("%s: not in sampleOutcomes; got %s", rel, got)
		} else if got != want {
			t.Errorf("%s:\n got %s\nwant %s", rel, got, want)
		}
		if neg, ok := sampleNegatives[rel]; ok && (!strings.HasPrefix(got, "error: ") || !strings.Contains(got, neg)) {
			t.Errorf("%s: known negative: got %s, want an error with %q", rel, got, neg)
		}
	}
	for rel := range sampleOutcomes {
		if _, err := os.Stat(filepath.Join(samplesDir, rel)); err != nil {
			t.Errorf("%s: pinned but missing", rel)
		}
	}
	if t.Failed() {
		t.Logf("current outcomes:\n%s", strings.Join(regen, "\n"))
	}
}

// sampleOutcome loads one sample, builds and checks the dispatch table of
// each service, and summarises.
func sampleOutcome(t *testing.T, path, absRoot string) string {
	d, err := Load(context.Background(), path, LoadOptions{Fetcher: fileOnly})
	if err != nil {
		s := strings.ReplaceAll(err.Error(), absRoot+"/", "")
		s = strings.ReplaceAll(s, samplesDir+"/", "")
		if !strings.HasPrefix(s, "loading wsdl ") {
			t.Errorf("%s: error does not name the file: %s", path, s)
		}
		return "error: " + s
	}
	var out []string
	for _, s := range d.Services {
		tb, err := NewDispatch(d, s.Name.Local)
		var ae *AmbiguityError
		switch {
		case errors.As(err, &ae) && ae.Indistinguishable():
			out = append(out, fmt.Sprintf("%s:%d!", s.Name.Local, len(tb.Operations())))
		case errors.As(err, &ae):
			out = append(out, fmt.Sprintf("%s:%d~", s.Name.Local, len(tb.Operations())))
		case err != nil:
			out = append(out, s.Name.Local+"=none")
			continue
		default:
			out = append(out, fmt.Sprintf("%s:%d", s.Name.Local, len(tb.Operations())))
		}
		checkSelfLookup(t, path, tb, ae)
		if _, err := d.Publish(s.Name.Local, "http://gw.example/services/x"); err != nil {
			t.Errorf("%s: Publish(%s): %v", path, s.Name.Local, err)
		}
	}
	if len(out) == 0 {
		return "ok (no services)"
	}
	return "ok " + strings.Join(out, " ")
}

// checkSelfLookup looks every operation up by all of its own keys: it must
// come back, unless NewDispatch said nothing tells it apart.
func checkSelfLookup(t *testing.T, path string, tb *Dispatch, ae *AmbiguityError) {
	for _, op := range tb.Operations() {
		k := Key{Version: op.Version, SOAPAction: op.SOAPAction, WSAAction: op.Action, Body: op.Body}
		got, err := tb.Lookup(k)
		if errors.Is(err, ErrAmbiguous) && ae != nil && ae.Indistinguishable() {
			continue
		}
		if err != nil || got != op {
			t.Errorf("%s: Lookup(own keys of %s): got (%v, %v)", path, opName(op), got, err)
		}
	}
}

// Through a fetcher that plays the XML catalog CXF's test uses, the
// catalog sample resolves: service, binding, port type, messages and
// schema in four documents, each with its own prefixes.
func TestSamples_CXFCatalogAcrossDocuments(t *testing.T) {
	dir := filepath.Join(samplesDir, "cxf-testutils", "catalog")
	catalog := FetcherFunc(func(ctx context.Context, loc string) (io.ReadCloser, error) {
		if strings.HasSuffix(loc, "/nopath/Invoice.xsd") {
			return io.NopCloser(strings.NewReader(`<schema xmlns="http://www.w3.org/2001/XMLSchema" targetNamespace="http://cxf.apache.org/courseware/Invoice"/>`)), nil
		}
		return fileOnly.Fetch(ctx, strings.Replace(loc, "/doesnotexist/", "/", 1))
	})
	d, err := Load(context.Background(), filepath.Join(dir, "hello_world_services.wsdl"), LoadOptions{Fetcher: catalog})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := len(d.Documents); got != 5 {
		t.Errorf("documents: got %d, want 5", got)
	}
	tb, err := NewDispatch(d, "SOAPService")
	if err != nil {
		t.Fatalf("NewDispatch: %v", err)
	}
	var got []string
	for _, op := range tb.Operations() {
		got = append(got, op.Name+" "+clark(op.Body)+" "+op.Action)
	}
	want := []string{
		"sayHi {http://apache.org/hello_world/types}sayHi http://apache.org/hello_world/Greeter/sayHiRequest",
		"greetMe {http://apache.org/hello_world/types}greetMe http://apache.org/hello_world/Greeter/greetMeRequest",
		"pingMe {http://apache.org/hello_world/types}pingMe http://apache.org/hello_world/Greeter/pingMeRequest",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("operations:\n got %s\nwant %s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	p, err := d.Publish("SOAPService", "http://gw/services/hello")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := p.Lookup(url.Values{"wsdl": {""}})
	if !strings.Contains(string(b), `location="http://gw/services/hello?wsdl=1"`) {
		t.Errorf("published main: want the import rewritten to ?wsdl=1:\n%s", b)
	}
}
