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

// writeRMAck writes a wsrm:SequenceAcknowledgement (WS-RM 1.2, 3.9;
// February 2005, 3.2) in the version of a.Proto (the wsrm prefix is bound
// to its namespace by the caller); attrs are extra attributes of the
// element (namespace declarations, mustUnderstand). February 2005 has no
// None and no Final: nothing received is written as the range 0-0, as WCF
// does (B1402; its schema needs a range or a Nack).
func writeRMAck(b *strings.Builder, a Ack, attrs string) {
	feb2005 := a.Proto == RM200502
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
	case len(a.Ranges) == 0 && feb2005:
		b.WriteString(`<wsrm:AcknowledgementRange Upper="0" Lower="0"/>`)
	case len(a.Ranges) == 0:
		b.WriteString(`<wsrm:None/>`)
	default:
		for _, r := range a.Ranges {
			b.WriteString(`<wsrm:AcknowledgementRange Upper="` + u64(r.Upper) + `" Lower="` + u64(r.Lower) + `"/>`)
		}
	}
	if a.Final && len(a.Nacks) == 0 && !feb2005 {
		b.WriteString(`<wsrm:Final/>`)
	}
	b.WriteString(`</wsrm:SequenceAcknowledgement>`)
}
