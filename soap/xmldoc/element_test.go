package xmldoc

import (
	"sync"
	"testing"

	"github.com/antchfx/xpath"
)

func TestElement_InvalidIsInert(t *testing.T) {
	var e Element
	if e.Valid() || e.Name().Local != "" || e.Prefix() != "" || e.Text() != "" || e.Attrs() != nil ||
		e.HasChildElements() || e.Parent().Valid() || e.FirstChild().Valid() || e.NextSibling().Valid() ||
		e.Navigator() != nil {
		t.Errorf("zero Element: got a non-zero result, want zero values")
	}
	if _, ok := e.Attr("", "x"); ok {
		t.Errorf("Attr: got ok, want not ok")
	}
	if s, end := e.Span(); s != 0 || end != 0 {
		t.Errorf("Span: got %d %d, want 0 0", s, end)
	}
	if _, ok := e.LookupNamespace("xml"); ok {
		t.Errorf("LookupNamespace: got ok, want not ok")
	}
	if _, ok := e.ResolveQName("a"); ok {
		t.Errorf("ResolveQName: got ok, want not ok")
	}
	d := mustParse(t, `<a><b/></a>`)
	if got := d.Root().FirstChild().FirstChild().FirstChild().Name().Local; got != "" {
		t.Errorf("chain past the end: got %q, want empty", got)
	}
}

func TestElement_Child(t *testing.T) {
	d := mustParse(t, soapEnvelope(1<<10))
	body := d.Root().Child(soap12NS, "Body")
	if got := body.Name().Local; got != "Body" {
		t.Fatalf("Child(Body): got %q, want Body", got)
	}
	if got := body.Child(quoteNS, "GetQuotes").Child(quoteNS, "Symbol").Text(); got != "IBM" {
		t.Errorf("Symbol text: got %q, want IBM", got)
	}
	if d.Root().Child("", "Body").Valid() {
		t.Errorf("Child without namespace: got valid, want invalid")
	}
}

func TestDoc_ConcurrentReads(t *testing.T) {
	d := mustParse(t, soapEnvelope(16<<10))
	ns := map[string]string{"q": quoteNS}
	const src = "string(//q:Item[@id='7']/q:Price)"
	expr, _ := xpath.CompileWithNS(src, ns)
	x, err := CompileXPath(src, ns)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 30 {
				got1, _ := d.Root().EvalString(expr)
				got2, _ := x.EvalString(d.Root())
				if got1 != "7.25" || got2 != "7.25" {
					t.Errorf("got %q and %q, want 7.25", got1, got2)
					return
				}
				_ = dump(d)
			}
		})
	}
	wg.Wait()
}

func TestCompileXPath(t *testing.T) {
	if _, err := CompileXPath("//q:", nil); err == nil {
		t.Errorf("bad expression: got no error, want one")
	}
	ns := map[string]string{"q": quoteNS}
	x, err := CompileXPath("//q:Symbol", ns)
	if err != nil {
		t.Fatal(err)
	}
	ns["q"] = "urn:changed" // the XPath keeps its own copy
	d := mustParse(t, soapEnvelope(1<<10))
	for range 3 {
		if got, ok := x.EvalString(d.Root()); got != "IBM" || !ok {
			t.Errorf("got %q %v, want IBM true", got, ok)
		}
	}
	if _, ok := x.EvalString(Element{}); ok {
		t.Errorf("invalid Element: got ok, want not ok")
	}
	if x.String() != "//q:Symbol" {
		t.Errorf("String: got %q", x.String())
	}
}

// A prefix the namespace map does not bind must be refused: antchfx/xpath
// compiles it without a map and then matches the document's own prefix, so
// a key expression would work for clients that happen to pick that prefix
// and find nothing for the others.
func TestCompileXPath_UnboundPrefix(t *testing.T) {
	for _, ns := range []map[string]string{nil, {}, {"p": quoteNS}} {
		if _, err := CompileXPath("//q:Symbol", ns); err == nil {
			t.Errorf("CompileXPath(//q:Symbol, %v): got no error, want prefix q not bound", ns)
		}
	}
	if _, err := CompileXPath("//*[local-name()='Symbol']", nil); err != nil {
		t.Errorf("CompileXPath without prefixes and nil map: got %v, want nil", err)
	}
}
