package gen

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// examplesGlob matches the WSDLs of the project's examples.
const examplesGlob = "../../examples/*/*.wsdl"

// ordersMain marshals the Orders example's SubmitOrder, whose Quantity is
// an xsd:positiveInteger (a type gowsdl leaves undeclared), and decodes it
// back.
const ordersMain = `package main

import (
	"encoding/xml"
	"fmt"

	orders "%s"
)

func main() {
	q := orders.PositiveInteger(3)
	b, err := xml.Marshal(&orders.SubmitOrder{Customer: "c", OrderId: "o1", Item: "i", Quantity: &q})
	if err != nil {
		panic(err)
	}
	var back orders.SubmitOrder
	if err := xml.Unmarshal(b, &back); err != nil {
		panic(err)
	}
	fmt.Printf("%%s %%d\n", b, *back.Quantity)
}
`

// TestGenerate_ExampleWSDLs generates a client from every example WSDL of
// the project, vets them all, and runs a program using the Orders client,
// whose schema uses xsd:positiveInteger.
func TestGenerate_ExampleWSDLs(t *testing.T) {
	files, err := filepath.Glob(examplesGlob)
	if err != nil || len(files) < 3 {
		t.Fatalf("got example WSDLs %v (%v), want stockquote, temperature and orders at least", files, err)
	}
	runner := worker(t)
	dir, importPath := tempPackageDir(t)
	generated := map[string]string{}
	var ordersPkg string
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".wsdl")
		res, err := Generate(t.Context(), Options{WSDL: f, Out: filepath.Join(dir, name), Package: name, Runner: runner})
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if len(res.Ports) == 0 {
			t.Errorf("%s: generated no port constructor, want one per SOAP port", f)
		}
		generated[importPath+"/"+name] = f
		if name == "orders" {
			ordersPkg = importPath + "/" + name
			b, err := os.ReadFile(filepath.Join(dir, name, fileXSD))
			if err != nil || !strings.Contains(string(b), "type PositiveInteger uint64") {
				t.Errorf("orders: %s: got %q (%v), want PositiveInteger declared", fileXSD, b, err)
			}
		}
	}
	vetAll(t, generated)
	if ordersPkg == "" {
		t.Fatal("no orders client generated")
	}
	main := filepath.Join(dir, "ordersmain")
	if err := os.MkdirAll(main, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(main, "main.go"), fmt.Appendf(nil, ordersMain, ordersPkg), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "run", importPath+"/ordersmain").CombinedOutput()
	const want = `<SubmitOrder xmlns="urn:wsgw:examples:orders"><Customer>c</Customer><OrderId>o1</OrderId><Item>i</Item><Quantity>3</Quantity></SubmitOrder> 3`
	if err != nil || strings.TrimSpace(string(out)) != want {
		t.Errorf("running a program with the orders client: got %q (%v), want %q", out, err, want)
	}
}

// TestGowsdlVersion_IsGoMods checks that the version gen tells users to
// go get is the one the project builds with.
func TestGowsdlVersion_IsGoMods(t *testing.T) {
	b, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	want := GowsdlModule + " " + GowsdlVersion()
	if !strings.Contains(string(b), want) {
		t.Errorf("go.mod does not require %s", want)
	}
	if gowsdlVersion != GowsdlVersion() {
		t.Errorf("gowsdlVersion: got %s, want %s (go.mod's)", gowsdlVersion, GowsdlVersion())
	}
}
