package testservice

import (
	"encoding/xml"
	"fmt"
	"sort"
	"strings"

	"github.com/wsgw/wsgw/soap/xmldoc"
)

// canon renders e as a comparable string: expanded names and trimmed
// text, children stably sorted by name (PHP reorders struct members),
// attributes, prefixes and whitespace ignored.
func canon(e xmldoc.Element) string {
	var b strings.Builder
	canonTo(&b, e)
	return b.String()
}

func canonTo(b *strings.Builder, e xmldoc.Element) {
	n := e.Name()
	fmt.Fprintf(b, "<{%s}%s>", n.Space, n.Local)
	if !e.HasChildElements() {
		b.WriteString(strings.TrimSpace(e.Text()))
	}
	var kids []string
	for c := e.FirstChild(); c.Valid(); c = c.NextSibling() {
		kids = append(kids, canon(c))
	}
	sort.SliceStable(kids, func(i, j int) bool { return nameOf(kids[i]) < nameOf(kids[j]) })
	b.WriteString(strings.Join(kids, ""))
	b.WriteString("</>")
}

func nameOf(c string) string { return c[:strings.IndexByte(c, '>')] }

// children returns the canonical forms of e's child elements, leaving out
// those in the namespaces skip names.
func children(e xmldoc.Element, skip ...string) []string {
	var out []string
next:
	for c := e.FirstChild(); c.Valid(); c = c.NextSibling() {
		for _, s := range skip {
			if c.Name().Space == s {
				continue next
			}
		}
		out = append(out, canon(c))
	}
	return out
}

func qn(space, local string) xml.Name { return xml.Name{Space: space, Local: local} }

var defaultLimits = xmldoc.Limits{}
