package xmldoc

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/antchfx/xpath"
)

func benchmarkParse(b *testing.B, size int) {
	in := []byte(soapEnvelope(size))
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(in), Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse_1KiB(b *testing.B)   { benchmarkParse(b, 1<<10) }
func BenchmarkParse_100KiB(b *testing.B) { benchmarkParse(b, 100<<10) }

// onlyReader hides bytes.Reader's Len, as a network body would.
type onlyReader struct{ r *bytes.Reader }

func (r onlyReader) Read(p []byte) (int, error) { return r.r.Read(p) }

func BenchmarkParse_100KiBStream(b *testing.B) {
	in := []byte(soapEnvelope(100 << 10))
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := Parse(onlyReader{bytes.NewReader(in)}, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseBytes_100KiB(b *testing.B) {
	in := []byte(soapEnvelope(100 << 10))
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := ParseBytes(in, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func benchmarkXPath(b *testing.B, size int) {
	d, err := ParseBytes([]byte(soapEnvelope(size)), Limits{})
	if err != nil {
		b.Fatal(err)
	}
	expr, err := xpath.CompileWithNS("//q:Symbol", map[string]string{"q": quoteNS})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if v, ok := d.Root().EvalString(expr); !ok || v != "IBM" {
			b.Fatalf("got %q %v, want IBM", v, ok)
		}
	}
}

func BenchmarkXPathSymbol_1KiB(b *testing.B)   { benchmarkXPath(b, 1<<10) }
func BenchmarkXPathSymbol_100KiB(b *testing.B) { benchmarkXPath(b, 100<<10) }

func BenchmarkParseSized_100KiB(b *testing.B) {
	in := []byte(soapEnvelope(100 << 10))
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := ParseSized(onlyReader{bytes.NewReader(in)}, int64(len(in)), Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkXPathCompiled_100KiB(b *testing.B) {
	d, err := ParseBytes([]byte(soapEnvelope(100<<10)), Limits{})
	if err != nil {
		b.Fatal(err)
	}
	x, err := CompileXPath("//q:Symbol", map[string]string{"q": quoteNS})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if v, ok := x.EvalString(d.Root()); !ok || v != "IBM" {
				b.Errorf("got %q %v, want IBM", v, ok)
				return
			}
		}
	})
}

// BenchmarkEncodingXMLTokens_100KiB is a reference point: only tokenising
// the same input with encoding/xml, without keeping anything.
func BenchmarkEncodingXMLTokens_100KiB(b *testing.B) {
	in := []byte(soapEnvelope(100 << 10))
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		dec := xml.NewDecoder(bytes.NewReader(in))
		for {
			if _, err := dec.Token(); err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				break
			}
		}
	}
}

// BenchmarkXPathFullScan_100KiB walks every node: the name test matches
// nothing.
func BenchmarkXPathFullScan_100KiB(b *testing.B) {
	d, err := ParseBytes([]byte(soapEnvelope(100<<10)), Limits{})
	if err != nil {
		b.Fatal(err)
	}
	expr, err := xpath.CompileWithNS("//q:Nope", map[string]string{"q": quoteNS})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := d.Root().EvalString(expr); ok {
			b.Fatal("got a match, want none")
		}
	}
}

// BenchmarkParse_ManyAttrs is the attribute-uniqueness worst case: every
// element has MaxAttrs prefixed attributes.
func BenchmarkParse_ManyAttrs(b *testing.B) {
	var el strings.Builder
	el.WriteString("<e xmlns:p='u'")
	for i := range DefaultMaxAttrs - 1 {
		fmt.Fprintf(&el, " p:a%02d=''", i)
	}
	el.WriteString("/>")
	in := []byte("<r>" + strings.Repeat(el.String(), (1<<20)/el.Len()) + "</r>")
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := ParseBytes(in, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
