package soap

import (
	"bytes"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/soap/xmldoc"
)

// benchEnvelope returns a SOAP 1.2 request with WS-Addressing headers and a
// body of about size bytes.
func benchEnvelope(size int) []byte {
	var b bytes.Buffer
	b.WriteString(env12 + `<e:Header xmlns:w="http://www.w3.org/2005/08/addressing">` +
		`<w:To>http://gw/services/StockQuote</w:To><w:Action>urn:GetQuote</w:Action><w:MessageID>urn:uuid:1</w:MessageID>` +
		`<w:ReplyTo><w:Address>http://www.w3.org/2005/08/addressing/anonymous</w:Address></w:ReplyTo>` +
		`</e:Header><e:Body><q:GetQuote xmlns:q="urn:q"><q:Symbol>ACME</q:Symbol>`)
	item := `<q:Note>` + strings.Repeat("x", 40) + `</q:Note>`
	for b.Len() < size-64 {
		b.WriteString(item)
	}
	b.WriteString(`</q:GetQuote></e:Body></e:Envelope>`)
	return b.Bytes()
}

func benchmarkRead(b *testing.B, size int) {
	in := benchEnvelope(size)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		m, err := ReadMessage(bytes.NewReader(in), xmldoc.Limits{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ReadAddressing(m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadMessage_1KiB(b *testing.B)   { benchmarkRead(b, 1<<10) }
func BenchmarkReadMessage_100KiB(b *testing.B) { benchmarkRead(b, 100<<10) }
