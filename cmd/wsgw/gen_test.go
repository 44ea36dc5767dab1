package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// genTmpRoot holds the temporary packages of these tests: inside the
// module (so that they build against its go.mod, gowsdl required) and
// ignored by git and by ./... patterns (testdata).
var genTmpRoot = filepath.Join("..", "..", "wsdl", "gen", "testdata")

// buildWsgw builds the wsgw command without -race: `wsgw gen` runs gowsdl,
// whose v0.5.0 has a data race of its own, in a child process of itself.
func buildWsgw(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not found")
	}
	bin := filepath.Join(t.TempDir(), "wsgw")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building wsgw: %v\n%s", err, out)
	}
	return bin
}

// tempPackageDir makes a directory under genTmpRoot, removed after the test.
func tempPackageDir(t *testing.T) (dir, importPath string) {
	t.Helper()
	dir, err := os.MkdirTemp(genTmpRoot, "tmp-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir, "github.com/wsgw/wsgw/wsdl/gen/testdata/" + filepath.Base(dir)
}

func runWsgw(t *testing.T, bin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String(), errb.String()
	}
	if err != nil {
		t.Fatalf("running wsgw %v: %v", args, err)
	}
	return 0, out.String(), errb.String()
}

// stockQuoteMain calls GetQuote on each port through the generated
// package, recording the media types on the wire.
const stockQuoteMain = `package main

import (
	"fmt"
	"net/http"
	"os"

	sq "%s/stockquote"
)

type recorder struct{}

func (recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil {
		fmt.Printf("wire %%s %%q %%s\n", req.Header.Get("Content-Type"), req.Header.Get("SOAPAction"), resp.Header.Get("Content-Type"))
	}
	return resp, err
}

func main() {
	hc := &http.Client{Transport: recorder{}}
	ports := []struct {
		name string
		c    sq.StockQuotePortType
	}{{"soap11", sq.NewStockQuoteSoap11("", hc)}, {"soap12", sq.NewStockQuoteSoap12("", hc)}}
	for _, p := range ports {
		r, err := p.c.GetQuote(&sq.GetQuote{Symbol: "ACME"})
		if err != nil {
			fmt.Println(p.name, "error", err)
			os.Exit(1)
		}
		fmt.Println(p.name, r.Symbol, r.Price, r.ServedBy)
	}
	_, err := sq.NewStockQuoteSoap12("", hc).GetQuote(&sq.GetQuote{})
	f, ok := sq.SOAPFaultOf(err)
	fmt.Printf("fault %%v %%s %%q\n", ok, f.Code, f.String)
}
`

func TestGen_StockQuoteClientCallsGatewayOverSOAP11And12(t *testing.T) {
	bin := buildWsgw(t)
	d := startTestDemo(t)
	dir, importPath := tempPackageDir(t)
	wsdlURL := d.URL + "/services/StockQuote?wsdl"
	code, stdout, stderr := runWsgw(t, bin, "gen", "--wsdl", wsdlURL, "--out", filepath.Join(dir, "stockquote"), "--package", "stockquote")
	if code != 0 {
		t.Fatalf("wsgw gen: got exit %d, want 0; stderr:\n%s", code, stderr)
	}
	for _, want := range []string{"NewStockQuoteSoap11", "NewStockQuoteSoap12", "default address " + d.URL + "/services/StockQuote",
		"\n  go get github.com/hooklift/gowsdl@v0.5.0\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("wsgw gen printed\n%s\nwant it to mention %s", stdout, want)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "main"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main", "main.go"), fmt.Appendf(nil, stockQuoteMain, importPath), 0o644); err != nil {
		t.Fatal(err)
	}
	client := filepath.Join(t.TempDir(), "client")
	build := exec.Command("go", "build", "-o", client, importPath+"/main")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the client: %v\n%s", err, out)
	}
	out, err := exec.Command(client).CombinedOutput()
	if err != nil {
		t.Fatalf("running the client: %v\n%s", err, out)
	}
	checkStockQuoteOutput(t, string(out))
}

// checkStockQuoteOutput checks the answers and the wire of each call.
func checkStockQuoteOutput(t *testing.T, out string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 6 {
		t.Fatalf("client printed\n%s\nwant 6 lines", out)
	}
	wants := []struct{ line, prefix string }{
		// SOAP 1.1: text/xml, the quoted SOAPAction of the port's binding.
		{lines[0], `wire text/xml; charset="utf-8" "\"urn:wsgw:examples:stockquote/GetQuote\"" text/xml`},
		{lines[1], "soap11 ACME 42.5 p"},
		// SOAP 1.2: application/soap+xml with the action, no SOAPAction; a SOAP 1.2 reply.
		{lines[2], `wire application/soap+xml; charset=utf-8; action="urn:wsgw:examples:stockquote/GetQuote" "" application/soap+xml`},
		{lines[3], "soap12 ACME 42.5 p"},
		// The SOAP 1.2 Sender fault (HTTP 400) reaches the caller as a SOAP 1.1 Client fault.
		{lines[5], `fault true wsgw11:Client "service StockQuote: the request has no partition key"`},
	}
	for _, w := range wants {
		if !strings.HasPrefix(w.line, w.prefix) {
			t.Errorf("got line %q, want it to start with %q", w.line, w.prefix)
		}
	}
	// Affinity: both calls for ACME land on one partition.
	p11 := strings.Fields(lines[1])[3]
	p12 := strings.Fields(lines[3])[3]
	if strings.Split(p11, "/")[0] != strings.Split(p12, "/")[0] {
		t.Errorf("ServedBy %s over SOAP 1.1 and %s over SOAP 1.2: want one partition", p11, p12)
	}
}

func TestGen_Usage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"gen", "--wsdl", "x.wsdl"}, &out, &errb); code != 2 {
		t.Errorf("gen without --out and --package: got exit %d, want 2", code)
	}
	if !strings.Contains(errb.String(), "Usage: wsgw gen") {
		t.Errorf("got stderr %q, want the usage", errb.String())
	}
}

func TestGen_FailsWithMessageNamingTheWSDL(t *testing.T) {
	bin := buildWsgw(t)
	wsdl := filepath.Join(t.TempDir(), "broken.wsdl")
	// xsd:boolean as a doc/literal bare part's element type: gowsdl
	// refers to an undefined Go type Boolean.
	const doc = `<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="urn:t" targetNamespace="urn:t">
  <types><xsd:schema targetNamespace="urn:t"><xsd:element name="flag" type="xsd:boolean"/></xsd:schema></types>
  <message name="m"><part name="p" element="tns:flag"/></message>
  <portType name="P"><operation name="op"><input message="tns:m"/><output message="tns:m"/></operation></portType>
  <binding name="B" type="tns:P"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="op"><soap:operation soapAction="urn:op"/><input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation>
  </binding>
  <service name="S"><port name="p" binding="tns:B"><soap:address location="http://localhost/x"/></port></service>
</definitions>`
	if err := os.WriteFile(wsdl, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := runWsgw(t, bin, "gen", "--wsdl", wsdl, "--out", out, "--package", "p")
	if code != 1 {
		t.Errorf("got exit %d, want 1", code)
	}
	if want := "wsgw gen: generating client from " + wsdl + ": gowsdl generated Go that does not compile: undefined types Boolean"; !strings.HasPrefix(stderr, want) {
		t.Errorf("got stderr %q, want it to start with %q", stderr, want)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("stat %s: got %v, want it not to exist (nothing written on failure)", out, err)
	}
}
