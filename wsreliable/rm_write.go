package wsreliable

import (
	"encoding/xml"
	"strings"
)

func escape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s)) //nolint:errcheck // a Builder does not fail
	return b.String()
}

// writeRMAck writes a wsrm:SequenceAcknowledgement (WS-RM 1.2, 3.9); attrs
// are extra attributes of the element (namespace declarations,
// mustUnderstand).
func writeRMAck(b *strings.Builder, a Ack, attrs string) {
	b.WriteString(`<wsrm:SequenceAcknowledgement`)
	if attrs != "" {
		b.WriteString(" " + attrs)
	}
	b.WriteString(`><wsrm:Identifier>` + escape(a.Group) + `</wsrm:Identifier>`)
	switch {
	case len(a.Nacks) > 0:
		for _, n := range a.Nacks {
			b.WriteString(`<wsrm:Nack>` + u64(n) + `</wsrm:Nack>`)
		}
	case len(a.Ranges) == 0:
		b.WriteString(`<wsrm:None/>`)
	default:
		for _, r := range a.Ranges {
			b.WriteString(`<wsrm:AcknowledgementRange Upper="` + u64(r.Upper) + `" Lower="` + u64(r.Lower) + `"/>`)
		}
	}
	if a.Final && len(a.Nacks) == 0 {
		b.WriteString(`<wsrm:Final/>`)
	}
	b.WriteString(`</wsrm:SequenceAcknowledgement>`)
}
