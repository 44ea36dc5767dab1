package gen

import (
	"bytes"
	"io/fs"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// samplesDir holds WSDLs of other toolkits' test suites
// (testdata/wsdl-samples/SOURCES.md).
const samplesDir = "testdata/wsdl-samples"

// sampleOutcomes pins what gen does with each sample: "" is generated and
// vetted clean; otherwise a substring of Generate's error. The failures are
// of two kinds: wsdl.Load refusing a broken description (missing files,
// unbound prefixes, undefined references), and gowsdl generating Go that
// would not compile, which gen reports instead of writing it.
var sampleOutcomes = map[string]string{
	"axis2/RPCUnwrappingTest.wsdl":                         "",
	"axis2/RobustInOnlyServiceTest.wsdl":                   "",
	"axis2/UsingAddressing.wsdl":                           "",
	"axis2/UsingAddressingOptional.wsdl":                   "",
	"axis2/UsingAddressingRequired.wsdl":                   "",
	"cxf-testutils/addNumbers.wsdl":                        "declared more than once: AddNumbers",
	"cxf-testutils/catalog/hello_world_bindings.wsdl":      `"nopath/Invoice.xsd": reading`,
	"cxf-testutils/catalog/hello_world_messages.wsdl":      `"nopath/Invoice.xsd": reading`,
	"cxf-testutils/catalog/hello_world_port_type.wsdl":     `namespace prefix "x1" not bound`,
	"cxf-testutils/catalog/hello_world_services.wsdl":      `"doesnotexist/hello_world_bindings.wsdl": reading`,
	"cxf-testutils/catalog/hello_world_wsdl_import.wsdl":   `"nopath/Invoice.xsd": reading`,
	"cxf-testutils/doc_lit_bare.wsdl":                      "undefined types Decimal",
	"cxf-testutils/greeter_control.wsdl":                   "undefined types Boolean",
	"cxf-testutils/header_rpc_lit.wsdl":                    `"./header.xsd": reading`,
	"cxf-testutils/hello_world.wsdl":                       "",
	"cxf-testutils/hello_world_doc_lit.wsdl":               "",
	"cxf-testutils/hello_world_fault.wsdl":                 "",
	"cxf-testutils/hello_world_mixedstyle.wsdl":            "",
	"cxf-testutils/hello_world_rpc_lit.wsdl":               "",
	"cxf-testutils/hello_world_services.wsdl":              `"hello_world_bindings.wsdl.xml": reading`,
	"cxf-testutils/hello_world_soap12.wsdl":                "",
	"cxf-testutils/hello_world_soap_action.wsdl":           "",
	"cxf-testutils/hello_world_soap_action_rpc.wsdl":       "",
	"cxf-testutils/no_body_parts.wsdl":                     "",
	"cxf-testutils/soapbody_rpc.wsdl":                      "",
	"cxf-testutils/soapheader.wsdl":                        "",
	"cxf-testutils/swa-mime.wsdl":                          "",
	"gowsdl/fixtures/dyndns.wsdl":                          "",
	"gowsdl/fixtures/epcis/EPCglobal-epcis-query-1_2.wsdl": "",
	"gowsdl/fixtures/mnb-exchange.wsdl":                    "",
	"gowsdl/fixtures/stock.wsdl":                           "binding tns:StockQuoteBinding not defined",
	"gowsdl/fixtures/test.wsdl":                            "",
	"node-soap/test/wsdl/attachments.wsdl":                 `namespace prefix "xmime" not bound`,
	"node-soap/test/wsdl/binding_document.wsdl":            `namespace prefix "wsdlns" not bound`,
	"node-soap/test/wsdl/default_namespace_soap12.wsdl":    `namespace prefix "soap" not bound`,
	"node-soap/test/wsdl/empty_body.wsdl":                  "undefined types Request",
	"node-soap/test/wsdl/hello.wsdl":                       "",
	"node-soap/test/wsdl/missing_message_definition.wsdl":  "output message tns:GetWeatherResponse not defined",
	"node-soap/test/wsdl/multi-service.wsdl":               "",
	"node-soap/test/wsdl/rpcexample.wsdl":                  "undefined types Boolean",
	"node-soap/test/wsdl/self_referencing.wsdl":            "",
	"node-soap/test/wsdl/strict/one-way.wsdl":              "",
	"node-soap/test/wsdl/strict/stockquote.wsdl":           "",
	"node-soap/test/wsdl/ws-policy.wsdl":                   `namespace prefix "wsp" not bound`,
	"node-soap/test/wsdl/wsdlImport/main.wsdl":             "",
	"node-soap/test/wsdl/wsdlImport/overridden.wsdl":       "",
	"node-soap/test/wsdl/wsdlImport/sub.wsdl":              "",
	"node-soap/test/wsdl/wsdl_style_mix.wsdl":              "",
	"node-soap/test/wsdl/xsdinclude/xsd_include.wsdl":      `operation "DummySave": not defined in portType`,
	"python-zeep/tests/wsdl_files/claim.wsdl":              "",
	"python-zeep/tests/wsdl_files/http.wsdl":               "",
	"python-zeep/tests/wsdl_files/soap.wsdl":               "declared more than once: Country",
	"python-zeep/tests/wsdl_files/soap_header.wsdl":        "",
	"python-zeep/tests/wsdl_files/soap_import_2.wsdl":      "declared more than once: Country",
	"python-zeep/tests/wsdl_files/soap_import_main.wsdl":   "declared more than once: Country",
	"python-zeep/tests/wsdl_files/soap_transport_err.wsdl": "StockQuoteBinding: defined more than once",
}

// sampleWSDLs lists the .wsdl files under samplesDir, slash-separated and
// relative to it.
func sampleWSDLs(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(samplesDir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".wsdl") {
			rel, _ := filepath.Rel(samplesDir, path)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var nonIdent = regexp.MustCompile(`[^A-Za-z0-9]+`)

func TestGenerate_Samples(t *testing.T) {
	files := sampleWSDLs(t)
	runner := worker(t)
	dir, importPath := tempPackageDir(t)
	generated := map[string]string{} // import path -> sample
	for _, f := range files {
		want, pinned := sampleOutcomes[f]
		if !pinned {
			t.Errorf("%s: no pinned outcome; add it to sampleOutcomes", f)
			continue
		}
		name := "s" + nonIdent.ReplaceAllString(strings.TrimSuffix(f, ".wsdl"), "_")
		_, err := Generate(t.Context(), Options{
			WSDL: filepath.Join(samplesDir, f), Out: filepath.Join(dir, name), Package: "client", Runner: runner,
		})
		switch {
		case err == nil && want != "":
			t.Errorf("%s: generated, want an error containing %q", f, want)
		case err != nil && want == "":
			t.Errorf("%s: got error %v, want generated", f, err)
		case err != nil && !strings.Contains(err.Error(), want):
			t.Errorf("%s: got error %v, want it to contain %q", f, err, want)
		case err != nil && !strings.Contains(err.Error(), "generating client from "+filepath.Join(samplesDir, f)+": "):
			t.Errorf("%s: got error %v, want it to name the WSDL", f, err)
		case err == nil:
			generated[importPath+"/"+name] = f
		}
	}
	for f := range sampleOutcomes {
		if !strings.Contains("\n"+strings.Join(files, "\n")+"\n", "\n"+f+"\n") {
			t.Errorf("%s: pinned but not among the samples", f)
		}
	}
	t.Logf("%d samples: %d generated, %d refused", len(files), len(generated), len(files)-len(generated))
	vetAll(t, generated)
}

// vetAll runs one go vet over every generated package and reports the
// sample of each package that fails.
func vetAll(t *testing.T, pkgs map[string]string) {
	t.Helper()
	if len(pkgs) == 0 {
		return
	}
	args := []string{"vet"}
	for p := range pkgs {
		args = append(args, p)
	}
	var out bytes.Buffer
	cmd := exec.Command("go", args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err == nil {
		return
	}
	failed := false
	for line := range strings.Lines(out.String()) {
		if p, ok := strings.CutPrefix(strings.TrimSpace(line), "# "); ok && pkgs[p] != "" {
			t.Errorf("%s: generated code fails go vet", pkgs[p])
			failed = true
		}
	}
	if !failed {
		t.Errorf("go vet failed:\n%s", out.String())
	} else {
		t.Logf("go vet:\n%s", out.String())
	}
}
