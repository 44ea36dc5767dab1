package xmldoc

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/antchfx/xpath"
)

const (
	soap12NS = "http://www.w3.org/2003/05/soap-envelope"
	quoteNS  = "http://example.com/stockquote"
)

// soapEnvelope returns a SOAP 1.2 request of about size bytes: WS-A
// headers and a body of quote items, with one q:Symbol.
func soapEnvelope(size int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="` + soap12NS + `" xmlns:wsa="http://www.w3.org/2005/08/addressing">
  <soap:Header>
    <wsa:Action soap:mustUnderstand="true">http://example.com/stockquote/GetQuotes</wsa:Action>
    <wsa:MessageID>urn:uuid:6b29fc40-ca47-1067-b31d-00dd010662da</wsa:MessageID>
    <wsa:To>http://gw.example.com/services/StockQuote</wsa:To>
  </soap:Header>
  <soap:Body>
    <m:GetQuotes xmlns:m="` + quoteNS + `">
      <m:Symbol type="ticker">IBM</m:Symbol>
`)
	tail := "    </m:GetQuotes>\n  </soap:Body>\n</soap:Envelope>\n"
	for i := 0; b.Len()+len(tail) < size; i++ {
		fmt.Fprintf(&b, "      <m:Item id=\"%d\"><m:Name>Item %d &amp; Co</m:Name><m:Price currency=\"USD\">%d.25</m:Price></m:Item>\n", i, i, i)
	}
	b.WriteString(tail)
	return b.String()
}

// soapSamples lists the request messages of the SOAP 1.2 test collection
// (testdata/conformance/SOURCES.md).
func soapSamples(t testing.TB) []string {
	t.Helper()
	dir := filepath.Join("testdata", "conformance", "soap12-w3c-testcollection")
	a, _ := filepath.Glob(filepath.Join(dir, "extracted", "*.request.xml"))
	b, _ := filepath.Glob(filepath.Join(dir, "axis2-SOAP12Testing", "RequestMessages", "*.xml"))
	if len(a) != 73 || len(b) != 54 {
		t.Fatalf("SOAP 1.2 test collection in %s: got %d + %d requests, want 73 + 54", dir, len(a), len(b))
	}
	return append(a, b...)
}

func mustParse(t testing.TB, in string) *Doc {
	t.Helper()
	d, err := ParseBytes([]byte(in), Limits{})
	if err != nil {
		t.Fatalf("parsing: %v", err)
	}
	return d
}

func TestNavigator_NamespaceAwareNameTest(t *testing.T) {
	expr, err := xpath.CompileWithNS("//q:Symbol", map[string]string{"q": quoteNS})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, doc string
		want      string
		ok        bool
	}{
		{"same prefix", `<q:a xmlns:q="` + quoteNS + `"><q:Symbol>A</q:Symbol></q:a>`, "A", true},
		{"other prefix", `<m:a xmlns:m="` + quoteNS + `"><m:Symbol>B</m:Symbol></m:a>`, "B", true},
		{"default namespace", `<a xmlns="` + quoteNS + `"><Symbol>C</Symbol></a>`, "C", true},
		{"q bound elsewhere in doc", `<q:a xmlns:q="urn:other" xmlns:z="` + quoteNS + `"><q:Symbol>no</q:Symbol><z:Symbol>D</z:Symbol></q:a>`, "D", true},
		{"other namespace", `<q:a xmlns:q="urn:other"><q:Symbol>no</q:Symbol></q:a>`, "", false},
		{"no namespace", `<a><Symbol>no</Symbol></a>`, "", false},
		{"soap envelope", soapEnvelope(1 << 10), "IBM", true},
	}
	// Pinned antchfx/xpath behaviour (see doc.go): unprefixed name tests
	// compare the written prefix, not the namespace.
	bare := xpath.MustCompile("//Symbol")
	if got, ok := mustParse(t, `<a xmlns="urn:x"><Symbol>E</Symbol></a>`).Root().EvalString(bare); got != "E" || !ok {
		t.Errorf("//Symbol in a default namespace: got %q %v, want E true", got, ok)
	}
	if _, ok := mustParse(t, `<p:a xmlns:p="urn:x"><p:Symbol/></p:a>`).Root().EvalString(bare); ok {
		t.Errorf("//Symbol against p:Symbol: got a match, want none")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := mustParse(t, tt.doc).Root().EvalString(expr)
			if got != tt.want || ok != tt.ok {
				t.Errorf("got %q %v, want %q %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestElement_EvalString(t *testing.T) {
	d := mustParse(t, soapEnvelope(1<<10))
	ns := map[string]string{"s": soap12NS, "q": quoteNS, "wsa": "http://www.w3.org/2005/08/addressing"}
	tests := []struct {
		expr string
		want string
		ok   bool
	}{
		{"string(/s:Envelope/s:Body/*[1]/q:Symbol)", "IBM", true},
		{"/s:Envelope/s:Header/wsa:To", "http://gw.example.com/services/StockQuote", true},
		{"local-name(/*)", "Envelope", true},
		{"namespace-uri(//q:Symbol)", quoteNS, true},
		{"name(//q:Symbol)", "m:Symbol", true},
		{"//q:Symbol/@type", "ticker", true},
		{"//wsa:Action/@s:mustUnderstand", "true", true},
		{"//q:Symbol/text()", "IBM", true},
		{"local-name(//q:Symbol/..)", "GetQuotes", true},
		{"//q:Item[@id='3']/q:Name", "Item 3 & Co", true},
		{"//q:Symbol/following-sibling::q:Item[2]/@id", "1", true},
		{"local-name(//q:Item[1]/preceding-sibling::*[1])", "Symbol", true},
		{"count(//q:Symbol/@*)", "1", true},
		{"count(/s:Envelope/@*)", "0", true},
		{"boolean(//q:Nope)", "false", true},
		{"//q:Nope", "", false},
		{"1 div 0", "Infinity", true},
		{"-1 div 0", "-Infinity", true},
		{"-0", "0", true},
		{"1 = 1", "true", true},
		{"0 div 0", "NaN", true},
		{"1.5 + 1", "2.5", true},
		{"3", "3", true},
		{"concat('a', 'b')", "ab", true},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			expr, err := xpath.CompileWithNS(tt.expr, ns)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := d.Root().EvalString(expr)
			if got != tt.want || ok != tt.ok {
				t.Errorf("got %q %v, want %q %v", got, ok, tt.want, tt.ok)
			}
		})
	}
	body := d.Root().FirstChild().NextSibling()
	rel, _ := xpath.CompileWithNS("q:GetQuotes/q:Symbol", ns)
	if got, ok := body.EvalString(rel); got != "IBM" || !ok {
		t.Errorf("relative to Body: got %q %v, want IBM true", got, ok)
	}
	if _, ok := (Element{}).EvalString(rel); ok {
		t.Errorf("invalid Element: got ok, want not ok")
	}
}

// walk renders the navigator's tree from its position, children first to
// last.
func walk(n xpath.NodeNavigator) string {
	var b strings.Builder
	var rec func(n xpath.NodeNavigator, depth int)
	rec = func(n xpath.NodeNavigator, depth int) {
		b.WriteString(strings.Repeat(" ", depth))
		switch n.NodeType() {
		case xpath.RootNode:
			b.WriteString("/")
		case xpath.ElementNode:
			b.WriteString(n.Prefix() + ":" + n.LocalName())
			a := n.Copy()
			for a.MoveToNextAttribute() {
				fmt.Fprintf(&b, " @%s:%s=%q", a.Prefix(), a.LocalName(), a.Value())
			}
		case xpath.TextNode:
			fmt.Fprintf(&b, "text %q", n.Value())
		}
		b.WriteString("\n")
		c := n.Copy()
		for ok := c.MoveToChild(); ok; ok = c.MoveToNext() {
			rec(c.Copy(), depth+1)
		}
	}
	rec(n, 0)
	return b.String()
}

const navDoc = `<p:a xmlns:p="urn:p" x="1" p:y="2">t1<b/>t&amp;2<!--c--><c>u</c><!--only--></p:a>`

func TestNavigator_Tree(t *testing.T) {
	want := `/
 p:a @:x="1" @p:y="2"
  text "t1"
  :b
  text "t&2"
  :c
   text "u"
`
	if got := walk(mustParse(t, navDoc).Navigator()); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestNavigator_Moves(t *testing.T) {
	d := mustParse(t, navDoc)
	n := d.Root().Navigator()
	if !n.MoveToChild() || n.NodeType() != xpath.TextNode || n.Value() != "t1" {
		t.Fatalf("MoveToChild: got %v %q, want text t1", n.NodeType(), n.Value())
	}
	var order []string
	for ok := true; ok; ok = n.MoveToNext() {
		order = append(order, n.LocalName()+"|"+n.Value())
	}
	if got, want := strings.Join(order, ","), "|t1,b|,|t&2,c|u"; got != want {
		t.Errorf("MoveToNext: got %s, want %s", got, want)
	}
	order = order[:0]
	for ok := true; ok; ok = n.MoveToPrevious() {
		order = append(order, n.LocalName()+"|"+n.Value())
	}
	if got, want := strings.Join(order, ","), "c|u,|t&2,b|,|t1"; got != want {
		t.Errorf("MoveToPrevious: got %s, want %s", got, want)
	}
	n.MoveToNext()
	n.MoveToNext()
	m := n.Copy()
	if !m.MoveToFirst() || m.Value() != "t1" || n.LocalName() != "" || n.Value() != "t&2" {
		t.Errorf("MoveToFirst on a copy: got %q, original %q; want t1, t&2", m.Value(), n.Value())
	}
	if !n.MoveToParent() || n.LocalName() != "a" || !n.MoveToParent() || n.NodeType() != xpath.RootNode || n.MoveToParent() {
		t.Errorf("MoveToParent chain: got %v, want root and then false", n.NodeType())
	}
	if !n.MoveTo(m) || n.Value() != "t1" {
		t.Errorf("MoveTo: got %q, want t1", n.Value())
	}
	if n.MoveTo(mustParse(t, navDoc).Navigator()) {
		t.Errorf("MoveTo another Doc: got true, want false")
	}
	n.MoveToRoot()
	if n.NodeType() != xpath.RootNode || n.MoveToNext() || n.MoveToFirst() || n.MoveToNextAttribute() {
		t.Errorf("root node: got a move, want none")
	}
	if got := n.Value(); got != "t1t&2u" {
		t.Errorf("root Value: got %q, want t1t&2u", got)
	}
	n.MoveToChild()
	if !n.MoveToFirst() || n.MoveToNext() || n.MoveToPrevious() {
		t.Errorf("root element: got siblings, want none")
	}
	n.MoveToNextAttribute()
	if n.MoveToNext() || n.MoveToChild() || n.MoveToFirst() || !n.MoveToNextAttribute() || n.MoveToNextAttribute() {
		t.Errorf("attribute moves: got unexpected result")
	}
	if a := n.(interface{ NamespaceURL() string }); a.NamespaceURL() != "urn:p" {
		t.Errorf("attribute NamespaceURL: got %q, want urn:p", a.NamespaceURL())
	}
	if !n.MoveToParent() || n.NodeType() != xpath.ElementNode {
		t.Errorf("attribute MoveToParent: got %v, want element", n.NodeType())
	}
}

func TestNavigator_SOAP12TestCollection(t *testing.T) {
	expr := xpath.MustCompile("local-name(/*)")
	for _, path := range soapSamples(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			d, err := Parse(f, Limits{})
			want := ""
			switch {
			case strings.Contains(string(b), "<!DOCTYPE"):
				want = "forbidden:DOCTYPE"
			case strings.Contains(string(b), "<?xml-stylesheet"): // T26
				want = "forbidden:processing instruction"
			case strings.HasSuffix(path, "T7_A.xml"), strings.HasSuffix(path, "T8_A.xml"):
				// axis2 copies close <test:Ignore> with </test:echoOk>
				want = "syntax"
			}
			if got := errKind(err); got != want {
				t.Fatalf("got error %v, want %q", err, want)
			}
			if err != nil {
				return
			}
			if got, _ := d.Root().EvalString(expr); got != "Envelope" {
				t.Errorf("local-name(/*): got %q, want Envelope", got)
			}
			if got := d.Root().Name().Local; got != "Envelope" {
				t.Errorf("Root().Name(): got %q, want Envelope", got)
			}
			checkNavigatorAgrees(t, d)
		})
	}
}
