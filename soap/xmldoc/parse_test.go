package xmldoc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"
	"testing/iotest"
)

// dump renders a parsed document canonically: one line per element with
// its expanded name, its attributes (sorted) and its direct text.
func dump(d *Doc) string {
	var b strings.Builder
	var walk func(e Element, depth int)
	walk = func(e Element, depth int) {
		n := e.Name()
		fmt.Fprintf(&b, "%s{%s}%s", strings.Repeat(" ", depth), n.Space, n.Local)
		attrs := e.Attrs()
		sort.Slice(attrs, func(i, j int) bool {
			return attrs[i].Name.Space+" "+attrs[i].Name.Local < attrs[j].Name.Space+" "+attrs[j].Name.Local
		})
		for _, a := range attrs {
			fmt.Fprintf(&b, " {%s}%s=%q", a.Name.Space, a.Name.Local, a.Value)
		}
		fmt.Fprintf(&b, " text=%q\n", e.Text())
		for c := e.FirstChild(); c.Valid(); c = c.NextSibling() {
			walk(c, depth+1)
		}
	}
	walk(d.Root(), 0)
	return b.String()
}

// errKind names an error for table tests: "syntax", "limit:MaxDepth",
// "forbidden:DOCTYPE".
func errKind(err error) string {
	var se *SyntaxError
	var le *LimitError
	var fe *ForbiddenError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &se):
		return "syntax"
	case errors.As(err, &le):
		return "limit:" + le.Limit
	case errors.As(err, &fe):
		return "forbidden:" + fe.Construct
	}
	return "other:" + err.Error()
}

// parseAllWays parses in with ParseBytes, Parse over the whole input and
// Parse one byte at a time, and checks that they agree.
func parseAllWays(t *testing.T, in string, lim Limits) (*Doc, error) {
	t.Helper()
	d, err := ParseBytes([]byte(in), lim)
	for _, r := range []io.Reader{strings.NewReader(in), iotest.OneByteReader(strings.NewReader(in))} {
		d2, err2 := Parse(r, lim)
		if errKind(err) != errKind(err2) {
			t.Fatalf("ParseBytes error %v, Parse(%T) error %v: want agreement", err, r, err2)
		}
		if err == nil && dump(d) != dump(d2) {
			t.Fatalf("Parse(%T) got\n%s\nwant (ParseBytes)\n%s", r, dump(d2), dump(d))
		}
		if err == nil && !bytes.Equal(d2.Raw(), []byte(in)) {
			t.Fatalf("Raw() got %q, want the input", d2.Raw())
		}
	}
	return d, err
}

func TestParse_WellFormed(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty element", `<a/>`, "{}a text=\"\"\n"},
		{"xml decl", `<?xml version="1.0"?><a>x</a>`, "{}a text=\"x\"\n"},
		{"xml decl full", `<?xml version='1.0' encoding='utf-8' standalone='yes' ?><a/>`, "{}a text=\"\"\n"},
		{"bom", "\xEF\xBB\xBF<?xml version=\"1.0\"?><a/>", "{}a text=\"\"\n"},
		{"misc around root", "<!-- c -->\n<a/>\n<!-- d -->\n", "{}a text=\"\"\n"},
		{"default ns", `<a xmlns="urn:x"><b/></a>`, "{urn:x}a text=\"\"\n {urn:x}b text=\"\"\n"},
		{"undeclare default", `<a xmlns="urn:x"><b xmlns=""/></a>`, "{urn:x}a text=\"\"\n {}b text=\"\"\n"},
		{"prefixes", `<p:a xmlns:p="urn:p" p:x="1" y="2"><p:b xmlns:p="urn:q"/></p:a>`,
			"{urn:p}a {}y=\"2\" {urn:p}x=\"1\" text=\"\"\n {urn:q}b text=\"\"\n"},
		{"xml prefix", `<a xml:lang="en"/>`, "{}a {http://www.w3.org/XML/1998/namespace}lang=\"en\" text=\"\"\n"},
		{"xmlns:xml allowed", `<a xmlns:xml="http://www.w3.org/XML/1998/namespace"/>`, "{}a text=\"\"\n"},
		{"entities", `<a t="&lt;&amp;&gt;&apos;&quot;">&lt;&#65;&#x42;&#x1F600;</a>`, "{}a {}t=\"<&>'\\\"\" text=\"<AB\U0001F600\"\n"},
		{"leading zeros", `<a>&#0065;&#x0042;</a>`, "{}a text=\"AB\"\n"},
		{"cdata", `<a>x<![CDATA[<&]]]>y</a>`, "{}a text=\"x<&]y\"\n"},
		{"comment in text", `<a>x<!-- - -->y</a>`, "{}a text=\"xy\"\n"},
		{"text around child", `<a>x<b>y</b>z</a>`, "{}a text=\"xz\"\n {}b text=\"y\"\n"},
		{"crlf", "<a t=\"1\r\n2\t3\">x\r\ny\rz</a>", "{}a {}t=\"1 2 3\" text=\"x\\ny\\nz\"\n"},
		{"char ref whitespace kept", `<a t="&#10;&#9;"/>`, "{}a {}t=\"\\n\\t\" text=\"\"\n"},
		{"non-ascii names", `<ñ é="ü">ß</ñ>`, "{}ñ {}é=\"ü\" text=\"ß\"\n"},
		{"non-ascii name chars", "<a\u00B7b\u0301 x\u203F=\"1\"><\U00010000/></a\u00B7b\u0301>",
			"{}a\u00B7b\u0301 {}x\u203F=\"1\" text=\"\"\n {}\U00010000 text=\"\"\n"},
		{"spaces in tags", "<a  x = '1'\n></a >", "{}a {}x=\"1\" text=\"\"\n"},
		{"gt in value", `<a x="a>b"/>`, "{}a {}x=\"a>b\" text=\"\"\n"},
		{"ns in attr value refs", `<p:a xmlns:p="urn:&amp;"/>`, "{urn:&}a text=\"\"\n"},
		{"long decoded", "<a t=\"" + pad + "\t&amp;\">" + pad + "\r\n&lt;</a>",
			"{}a {}t=\"" + pad + " &\" text=\"" + pad + "\\n<\"\n"},
		{"default scope restored", `<a xmlns="urn:x"><b xmlns=""/><c/><d xmlns="urn:y"><e/></d><f/></a>`,
			"{urn:x}a text=\"\"\n {}b text=\"\"\n {urn:x}c text=\"\"\n {urn:y}d text=\"\"\n  {urn:y}e text=\"\"\n {urn:x}f text=\"\"\n"},
		{"prefix scope restored", `<p:a xmlns:p="1"><p:b xmlns:p="2"><p:x/></p:b><p:c/></p:a>`,
			"{1}a text=\"\"\n {2}b text=\"\"\n  {2}x text=\"\"\n {1}c text=\"\"\n"},
		{"many attrs", `<a xmlns:p="u" a1="" a2="" a3="" a4="" a5="" a6="" a7="" a8="" a9="" p:a1="" p:a2=""/>`,
			"{}a {}a1=\"\" {}a2=\"\" {}a3=\"\" {}a4=\"\" {}a5=\"\" {}a6=\"\" {}a7=\"\" {}a8=\"\" {}a9=\"\" {u}a1=\"\" {u}a2=\"\" text=\"\"\n"},
		{"same local different ns", `<a xmlns:p="urn:p" xmlns:q="urn:q" p:x="1" q:x="2"/>`,
			"{}a {urn:p}x=\"1\" {urn:q}x=\"2\" text=\"\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := parseAllWays(t, tt.in, Limits{})
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if got := dump(d); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<lolz>&lol9;</lolz>`

// pad is longer than shortRun.
var pad = strings.Repeat("p]", shortRun)

func TestParse_Malformed(t *testing.T) {
	tests := []struct{ name, in, kind, msg string }{
		{"empty", ``, "syntax", "no root element"},
		{"only space", " \n", "syntax", "no root element"},
		{"text before root", `x<a/>`, "syntax", "before the root"},
		{"unclosed", `<a><b></b>`, "syntax", "end of input in element <a>"},
		{"mismatched tag", `<a><b></a></b>`, "syntax", "</a> does not match start tag <b>"},
		{"two roots", `<a/><b/>`, "syntax", "second root element"},
		{"trailing garbage", `<a/>junk`, "syntax", "content after the root element"},
		{"trailing cdata", `<a/><![CDATA[x]]>`, "syntax", "invalid markup"},
		{"doctype", `<!DOCTYPE a><a/>`, "forbidden:DOCTYPE", ""},
		{"doctype in content", `<a><!DOCTYPE a></a>`, "forbidden:DOCTYPE", ""},
		{"billion laughs", billionLaughs, "forbidden:DOCTYPE", ""},
		{"pi before root", `<?xml-stylesheet href="a"?><a/>`, "forbidden:processing instruction", ""},
		{"pi in content", `<a><?php echo 1 ?></a>`, "forbidden:processing instruction", ""},
		{"pi after root", `<a/><?x?>`, "forbidden:processing instruction", ""},
		{"late xml decl", ` <?xml version="1.0"?><a/>`, "syntax", "XML declaration not at the start"},
		{"encoding", `<?xml version="1.0" encoding="ISO-8859-1"?><a/>`, "syntax", "unsupported encoding"},
		{"encoding utf-16", `<?xml version="1.0" encoding="UTF-16"?><a/>`, "syntax", "unsupported encoding"},
		{"version", `<?xml version="1.1"?><a/>`, "syntax", "unsupported XML version"},
		{"unterminated decl", `<?xml version="1.0" ` + strings.Repeat(" ", 600) + `?><a/>`, "syntax", "not terminated"},
		{"decl order", `<?xml encoding="UTF-8" version="1.0"?><a/>`, "syntax", "unexpected \"encoding\""},
		{"bad entity", `<a>&nbsp;</a>`, "syntax", "undefined entity &nbsp;"},
		{"bad entity in attr", `<a x="&foo;"/>`, "syntax", "undefined entity"},
		{"bare ampersand", `<a>a & b</a>`, "syntax", "'&' not starting a reference"},
		{"char ref zero", `<a>&#0;</a>`, "syntax", "invalid character reference"},
		{"char ref surrogate", `<a>&#xD800;</a>`, "syntax", "invalid character reference"},
		{"char ref too big", `<a>&#x110000;</a>`, "syntax", "invalid character reference"},
		{"char ref empty", `<a>&#x;</a>`, "syntax", "invalid character reference"},
		{"bad utf8", "<a>\xff</a>", "syntax", "invalid UTF-8"},
		{"truncated utf8", "<a/>\xe2\x82", "syntax", "invalid UTF-8"},
		{"control char", "<a>\x01</a>", "syntax", "illegal character U+0001"},
		{"nul", "<a>\x00</a>", "syntax", "illegal character U+0000"},
		{"fffe", "<a>\uFFFE</a>", "syntax", "illegal character U+FFFE"},
		{"undeclared prefix", `<p:a/>`, "syntax", "undeclared namespace prefix \"p\""},
		{"undeclared attr prefix", `<a p:x="1"/>`, "syntax", "undeclared namespace prefix \"p\""},
		{"undeclare prefix", `<a xmlns:p=""/>`, "syntax", "undeclaring prefix"},
		{"xmlns prefix element", `<xmlns:a/>`, "syntax", "xmlns prefix"},
		{"declare xmlns", `<a xmlns:xmlns="urn:x"/>`, "syntax", "xmlns prefix must not be declared"},
		{"rebind xml", `<a xmlns:xml="urn:x"/>`, "syntax", "xml prefix must not be bound"},
		{"bind xml ns", `<a xmlns:p="http://www.w3.org/XML/1998/namespace"/>`, "syntax", "reserved"},
		{"two colons", `<a:b:c/>`, "syntax", "more than one ':'"},
		{"leading colon", `<:a/>`, "syntax", "name"},
		{"bad name start", `<1a/>`, "syntax", "invalid or missing element name"},
		{"non-ascii bad name start", "<\u00B7a/>", "syntax", "invalid or missing element name"},
		{"non-ascii non-name char", "<a\u00D7/>", "syntax", "expected whitespace"},
		{"surrogate-range name", "<a\uFFFFb/>", "syntax", "illegal character U+FFFF"},
		{"duplicate attr", `<a x="1" x="2"/>`, "syntax", "duplicate attribute x"},
		{"duplicate expanded attr", `<a xmlns:p="u" xmlns:q="u" p:x="1" q:x="2"/>`, "syntax", "duplicate attribute {u}x"},
		{"duplicate attr many", `<a a1="" a2="" a3="" a4="" a5="" a6="" a7="" a8="" a9="" a4=""/>`, "syntax", "duplicate attribute a4"},
		{"duplicate attr ninth", `<a a1="" a2="" a3="" a4="" a5="" a6="" a7="" a8="" a1=""/>`, "syntax", "duplicate attribute a1"},
		{"duplicate expanded many", `<a xmlns:p="u" xmlns:q="u" a1="" a2="" a3="" a4="" a5="" a6="" p:x="1" a7="" q:x="2"/>`,
			"syntax", "duplicate attribute {u}x"},
		{"duplicate decl", `<a xmlns:p="u" xmlns:p="u"/>`, "syntax", "duplicate attribute"},
		{"unquoted attr", `<a x=1/>`, "syntax", "quoted"},
		{"lt in attr", `<a x="<"/>`, "syntax", "'<' in attribute value"},
		{"missing space between attrs", `<a x="1"y="2"/>`, "syntax", "expected whitespace"},
		{"missing eq", `<a x "1"/>`, "syntax", "expected '='"},
		{"unterminated attr", `<a x="1`, "syntax", "end of input"},
		{"double dash comment", `<a><!-- a -- b --></a>`, "syntax", "\"--\" inside comment"},
		{"comment ending dash", `<a><!-- a ---></a>`, "syntax", "\"--\" inside comment"},
		{"unterminated comment", `<a><!-- x`, "syntax", "end of input"},
		{"cdata end in text", `<a>]]></a>`, "syntax", "\"]]>\" in character data"},
		{"unterminated cdata", `<a><![CDATA[x</a>`, "syntax", "end of input"},
		{"bad markup", `<a><!FOO></a>`, "syntax", "invalid markup"},
		{"slash without gt", `<a/ >`, "syntax", "expected '>' after '/'"},
		{"end tag junk", `<a></a x>`, "syntax", "expected '>' in end tag"},
		// Runs longer than shortRun take the vectorised path.
		{"long bad entity", "<a>" + pad + "&nbsp;</a>", "syntax", "undefined entity &nbsp;"},
		{"long cdata end", "<a>" + pad + "]]></a>", "syntax", "\"]]>\" in character data"},
		{"long lt in attr", `<a x="` + pad + `<"/>`, "syntax", "'<' in attribute value"},
		{"long bare ampersand in attr", `<a x="` + pad + `&"/>`, "syntax", "'&' not starting"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseAllWays(t, tt.in, Limits{})
			if got := errKind(err); got != tt.kind {
				t.Fatalf("got error %v (%s), want %s", err, got, tt.kind)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("got message %q, want it to contain %q", err, tt.msg)
			}
		})
	}
}

func TestParse_Limits(t *testing.T) {
	lim := Limits{MaxBytes: 200, MaxDepth: 3, MaxElements: 5, MaxAttrs: 2, MaxNameLen: 8, MaxTextLen: 10}
	tests := []struct {
		name, in, kind, msg string
	}{
		{"depth ok", `<a><b><c/></b></a>`, "", ""},
		{"depth", `<a><b><c><d/></c></b></a>`, "limit:MaxDepth", "element depth 4 exceeds MaxDepth 3 at offset 9"},
		{"elements ok", `<a><b/><b/><b/><b/></a>`, "", ""},
		{"elements", `<a><b/><b/><b/><b/><b/></a>`, "limit:MaxElements", "element count 6 exceeds MaxElements 5"},
		{"attrs ok", `<a x="1" y="2"/>`, "", ""},
		{"attrs", `<a x="1" y="2" z="3"/>`, "limit:MaxAttrs", "attribute count 3 exceeds MaxAttrs 2"},
		{"ns decls count as attrs", `<a xmlns="u" xmlns:p="v" p:x="3"/>`, "limit:MaxAttrs", ""},
		{"name ok", `<abcdefgh/>`, "", ""},
		{"name", `<abcdefghi/>`, "limit:MaxNameLen", "name length 9 exceeds MaxNameLen 8"},
		{"attr name", `<a abcdefghi="1"/>`, "limit:MaxNameLen", ""},
		{"text ok", `<a>0123456789</a>`, "", ""},
		{"text", `<a>0123456789x</a>`, "limit:MaxTextLen", "text length"},
		{"attr value", `<a x="0123456789x"/>`, "limit:MaxTextLen", ""},
		{"comment", `<a><!--0123456789x--></a>`, "limit:MaxTextLen", ""},
		{"cdata", `<a><![CDATA[0123456789x]]></a>`, "limit:MaxTextLen", ""},
		{"bytes", "<a>" + strings.Repeat("<!---->", 30) + "</a>", "limit:MaxBytes", "exceeds MaxBytes 200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseAllWays(t, tt.in, lim)
			if got := errKind(err); got != tt.kind {
				t.Fatalf("got error %v (%s), want %q", err, got, tt.kind)
			}
			if err != nil && !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("got message %q, want it to contain %q", err, tt.msg)
			}
		})
	}
}

func TestParse_MaxBytesBoundary(t *testing.T) {
	in := soapEnvelope(5000)
	if _, err := parseAllWays(t, in, Limits{MaxBytes: int64(len(in))}); err != nil {
		t.Errorf("MaxBytes = len: got %v, want no error", err)
	}
	_, err := parseAllWays(t, in, Limits{MaxBytes: int64(len(in) - 1)})
	if errKind(err) != "limit:MaxBytes" {
		t.Errorf("MaxBytes = len-1: got %v, want MaxBytes", err)
	}
}

func TestLimits_WithDefaults(t *testing.T) {
	got := Limits{MaxDepth: 7}.WithDefaults()
	want := Limits{MaxBytes: 10 << 20, MaxDepth: 7, MaxElements: 100000, MaxAttrs: 64, MaxNameLen: 256, MaxTextLen: 4 << 20}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestParse_NegativeLimitsRefuse(t *testing.T) {
	for _, lim := range []Limits{{MaxBytes: -5}, {MaxDepth: -1}, {MaxElements: -1}, {MaxNameLen: -1}, {MaxTextLen: -1}, {MaxAttrs: -1}} {
		in := `<a x="1">t</a>`
		_, err := parseAllWays(t, in, lim)
		var le *LimitError
		if !errors.As(err, &le) {
			t.Errorf("Limits %+v: got %v, want a LimitError", lim, err)
		}
	}
}

// endless generates head, then body repeated up to 1 GiB, counting the
// bytes it hands out.
type endless struct {
	head, body string
	pos, read  int64
}

func (r *endless) Read(p []byte) (int, error) {
	const total = 1 << 30
	if r.read >= total {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && r.read < total {
		var c byte
		if r.pos < int64(len(r.head)) {
			c = r.head[r.pos]
		} else {
			c = r.body[(r.pos-int64(len(r.head)))%int64(len(r.body))]
		}
		p[n] = c
		n++
		r.pos++
		r.read++
	}
	return n, nil
}

func TestParse_StopsEarlyOnEndlessInput(t *testing.T) {
	tests := []struct {
		name       string
		head, body string
		lim        Limits
		kind       string
		maxRead    int64
	}{
		{"depth", "", "<a>", Limits{}, "limit:MaxDepth", 64 << 10},
		{"elements", "<a>", "<b/>", Limits{}, "limit:MaxElements", 1 << 20},
		{"text", "<a>", "x", Limits{}, "limit:MaxTextLen", 9 << 20},
		{"attrs", "<a", ` x="1"`, Limits{MaxAttrs: 1 << 30}, "syntax", 64 << 10},
		{"bytes", "<a>", "<b/>", Limits{MaxElements: 1 << 30, MaxBytes: 1 << 20}, "limit:MaxBytes", 1<<20 + 1},
		{"comment", "<a><!--", "x", Limits{MaxTextLen: 1 << 30}, "limit:MaxBytes", 10<<20 + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &endless{head: tt.head, body: tt.body}
			_, err := Parse(r, tt.lim)
			if got := errKind(err); got != tt.kind {
				t.Fatalf("got error %v (%s), want %s", err, got, tt.kind)
			}
			if r.read > tt.maxRead {
				t.Errorf("got %d bytes read, want at most %d", r.read, tt.maxRead)
			}
		})
	}
}

func TestParseSized_HintIsNotTrusted(t *testing.T) {
	in := soapEnvelope(8 << 10)
	want := dump(mustParse(t, in))
	for _, hint := range []int64{-1, 0, 10, int64(len(in)), 1 << 40} {
		d, err := ParseSized(iotest.HalfReader(strings.NewReader(in)), hint, Limits{})
		if err != nil {
			t.Fatalf("hint %d: got %v, want no error", hint, err)
		}
		if got := dump(d); got != want {
			t.Errorf("hint %d: got a different document", hint)
		}
		if c := cap(d.Raw()); c > max(2*len(in)+minBufCap, maxSizeHint+1) {
			t.Errorf("hint %d: got buffer capacity %d for %d bytes", hint, c, len(in))
		}
	}
	_, err := ParseSized(&endless{body: "<a>"}, 1<<40, Limits{MaxBytes: 100, MaxDepth: 1000})
	if errKind(err) != "limit:MaxBytes" {
		t.Errorf("endless input: got %v, want MaxBytes", err)
	}
}

func TestParse_ReaderError(t *testing.T) {
	boom := errors.New("boom")
	_, err := Parse(io.MultiReader(strings.NewReader("<a>"), iotest.ErrReader(boom)), Limits{})
	if !errors.Is(err, boom) {
		t.Errorf("got %v, want %v", err, boom)
	}
}

func TestElement_Accessors(t *testing.T) {
	in := `<s:E xmlns:s="urn:s" xmlns="urn:d" a="1" s:b="&lt;2"><x>one<!--c-->two</x><s:y/><z xmlns:s="urn:t"/></s:E>`
	d, err := ParseBytes([]byte(in), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	root := d.Root()
	if got := root.Prefix(); got != "s" {
		t.Errorf("Prefix: got %q, want s", got)
	}
	if v, ok := root.Attr("urn:s", "b"); !ok || v != "<2" {
		t.Errorf("Attr(urn:s, b): got %q %v, want <2 true", v, ok)
	}
	if v, ok := root.Attr("", "a"); !ok || v != "1" {
		t.Errorf("Attr(\"\", a): got %q %v, want 1 true", v, ok)
	}
	if _, ok := root.Attr("", "b"); ok {
		t.Errorf("Attr(\"\", b): got found, want not found")
	}
	x := root.FirstChild()
	if got := x.Text(); got != "onetwo" {
		t.Errorf("Text: got %q, want onetwo", got)
	}
	if s, e := x.Span(); in[s:e] != "<x>one<!--c-->two</x>" {
		t.Errorf("Span: got %q", in[s:e])
	}
	if !root.HasChildElements() || x.HasChildElements() {
		t.Errorf("HasChildElements: got %v %v, want true false", root.HasChildElements(), x.HasChildElements())
	}
	z := x.NextSibling().NextSibling()
	if got, _ := z.LookupNamespace("s"); got != "urn:t" {
		t.Errorf("LookupNamespace(s) in z: got %q, want urn:t", got)
	}
	if got, _ := z.LookupNamespace(""); got != "urn:d" {
		t.Errorf("LookupNamespace(\"\"): got %q, want urn:d", got)
	}
	if got, ok := z.LookupNamespace("xml"); !ok || got != xmlNS {
		t.Errorf("LookupNamespace(xml): got %q %v", got, ok)
	}
	if _, ok := z.LookupNamespace("nope"); ok {
		t.Errorf("LookupNamespace(nope): got ok, want not found")
	}
	if n, ok := z.ResolveQName(" s:Fault "); !ok || n.Space != "urn:t" || n.Local != "Fault" {
		t.Errorf("ResolveQName(s:Fault): got %v %v", n, ok)
	}
	if n, ok := z.ResolveQName("Fault"); !ok || n.Space != "urn:d" {
		t.Errorf("ResolveQName(Fault): got %v %v, want urn:d", n, ok)
	}
	for _, bad := range []string{"q:F", "a:b:c", "", ":x", "1x"} {
		if n, ok := z.ResolveQName(bad); ok {
			t.Errorf("ResolveQName(%q): got %v, want not ok", bad, n)
		}
	}
	if z.NextSibling().Valid() || root.Parent().Valid() || (Element{}).Valid() {
		t.Errorf("got a valid Element past the end, want invalid")
	}
	if got := z.Parent().Name().Local; got != "E" {
		t.Errorf("Parent: got %q, want E", got)
	}
}
