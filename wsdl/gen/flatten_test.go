package gen

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/beevik/etree"

	"github.com/wsgw/wsgw/wsdl"
)

// routing is what a client needs of an operation; flattening keeps it.
type routing struct {
	Name, SOAPAction, Body, Binding, Style, Use string
	Version                                     int
}

func routingOf(t *testing.T, defs *wsdl.Definitions) []routing {
	t.Helper()
	d, err := wsdl.NewDispatch(defs, "")
	if err != nil {
		t.Fatal(err)
	}
	var out []routing
	for _, op := range d.Operations() {
		out = append(out, routing{op.Name, op.SOAPAction, clark(op.Body), clark(op.Binding), op.Style, op.Use, int(op.Version)})
	}
	slices.SortFunc(out, func(a, b routing) int { return a.Version - b.Version })
	return out
}

func flattenFixture(t *testing.T) (orig *wsdl.Definitions, flat []byte) {
	t.Helper()
	orig, err := wsdl.Load(t.Context(), "testdata/flatten/main.wsdl", wsdl.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(orig.Documents) != 4 {
		t.Fatalf("got %d documents, want 4 (main, sub, echo.xsd, common.xsd)", len(orig.Documents))
	}
	flat, err = Flatten(orig)
	if err != nil {
		t.Fatal(err)
	}
	return orig, flat
}

func TestFlatten_KeepsTheOperationsOfAnImportingWSDL(t *testing.T) {
	orig, flat := flattenFixture(t)
	path := filepath.Join(t.TempDir(), "flat.wsdl")
	if err := os.WriteFile(path, flat, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := wsdl.Load(t.Context(), path, wsdl.LoadOptions{})
	if err != nil {
		t.Fatalf("loading the flattened wsdl: %v\n%s", err, flat)
	}
	if len(got.Documents) != 1 {
		t.Errorf("flattened wsdl loads %d documents, want 1 (self-contained)", len(got.Documents))
	}
	if w, g := routingOf(t, orig), routingOf(t, got); !slices.Equal(g, w) {
		t.Errorf("got operations %+v, want %+v", g, w)
	}
}

func TestFlatten_InlinesSchemasAndMergesIncludes(t *testing.T) {
	_, flat := flattenFixture(t)
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(flat); err != nil {
		t.Fatal(err)
	}
	root := doc.Root()
	var schemas = map[string]*etree.Element{}
	for _, e := range descendants(root) {
		switch {
		case is(e, nsWSDL, "import"), is(e, nsXSD, "include"):
			t.Errorf("flattened wsdl has %s", e.FullTag())
		case is(e, nsXSD, "import") && e.SelectAttr("schemaLocation") != nil:
			t.Errorf("xsd:import keeps schemaLocation %q", e.SelectAttrValue("schemaLocation", ""))
		case is(e, nsXSD, "schema"):
			schemas[e.SelectAttrValue("targetNamespace", "")] = e
		}
	}
	if len(schemas) != 2 || schemas["urn:sub"] == nil || schemas["urn:common"] == nil {
		t.Fatalf("got schemas %v, want urn:sub and urn:common", schemas)
	}
	var names []string
	for _, c := range schemas["urn:sub"].ChildElements() {
		if n := c.SelectAttrValue("name", ""); n != "" {
			names = append(names, n)
		}
	}
	if want := []string{"EchoResponse", "Echo", "EchoType"}; !slices.Equal(names, want) {
		t.Errorf("urn:sub schema declares %v, want %v (echo.xsd merged in)", names, want)
	}
	// The merged element keeps the meaning of its prefix e: (urn:sub in echo.xsd).
	for _, c := range schemas["urn:sub"].ChildElements() {
		if c.SelectAttrValue("name", "") == "Echo" {
			if ns, _ := lookupNS(c, "e"); ns != "urn:sub" {
				t.Errorf("merged Echo: prefix e is %q, want urn:sub", ns)
			}
		}
	}
	var bindings []string
	for _, b := range children(root, nsWSDL, "binding") {
		bindings = append(bindings, b.SelectAttrValue("name", "")+" "+b.SelectAttrValue("type", ""))
	}
	if want := []string{"EchoSoap11 wsgwtns:EchoPort", "EchoSoap12 wsgwtns:EchoPort"}; !slices.Equal(bindings, want) {
		t.Errorf("got bindings %q, want %q (SOAP 1.1 first, type in the main namespace)", bindings, want)
	}
}

func TestGenerate_ImportingWSDLBothPortsVet(t *testing.T) {
	runner := worker(t)
	dir, importPath := tempPackageDir(t)
	res, err := Generate(t.Context(), Options{WSDL: "testdata/flatten/main.wsdl", Out: dir, Package: "echo", Runner: runner})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range res.Ports {
		got = append(got, p.Func+" "+p.Address)
	}
	if want := []string{"NewEchoSoap11 http://example.com/echo11", "NewEchoSoap12 http://example.com/echo12"}; !slices.Equal(got, want) {
		t.Errorf("got ports %q, want %q", got, want)
	}
	if want := (Action{Body: "{urn:sub}Echo", Action: "urn:sub:Echo12"}); !slices.Equal(res.Ports[1].Actions, []Action{want}) {
		t.Errorf("SOAP 1.2 port actions: got %+v, want [%+v]", res.Ports[1].Actions, want)
	}
	if out, err := exec.Command("go", "vet", importPath).CombinedOutput(); err != nil {
		t.Errorf("go vet: %v\n%s", err, out)
	}
}

func TestGenerate_RefusesABadPackageName(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	_, err := Generate(t.Context(), Options{WSDL: "testdata/flatten/main.wsdl", Out: out, Package: "func"})
	if want := `generating client from testdata/flatten/main.wsdl: package name "func" is not a Go identifier`; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestGenerate_RemovesItsStalePortsFile(t *testing.T) {
	runner := worker(t)
	dir, _ := tempPackageDir(t)
	stale := filepath.Join(dir, filePorts)
	if err := os.WriteFile(stale, []byte("// Code generated by wsgw gen from old.wsdl. DO NOT EDIT.\n\npackage echo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// sub.wsdl has a port type and no service: no ports.go.
	res, err := Generate(t.Context(), Options{WSDL: "testdata/flatten/sub/sub.wsdl", Out: dir, Package: "echo", Runner: runner})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Ports) != 0 {
		t.Errorf("got ports %+v, want none", res.Ports)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stat %s: got %v, want it removed", stale, err)
	}
}

func TestGenerate_FromAPublishedWSDLWithImports(t *testing.T) {
	runner := worker(t)
	orig, _ := flattenFixture(t)
	var pub *wsdl.Publication
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		doc, ok := pub.Lookup(r.URL.Query())
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(doc)
	}))
	endpoint := "http://" + srv.Listener.Addr().String() + "/services/Echo"
	pub, err := orig.Publish("EchoService", endpoint)
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	defer srv.Close()
	res, err := Generate(t.Context(), Options{WSDL: endpoint + "?wsdl", Out: t.TempDir(), Package: "echo", Runner: runner})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Ports) != 2 || res.Ports[1].Address != endpoint {
		t.Errorf("got ports %+v, want 2 at the published address", res.Ports)
	}
}
