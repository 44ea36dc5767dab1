package wsnotify

import (
	"strings"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// readEPR reads a wsa:EndpointReferenceType element (WS-Addressing 1.0
// Core 2.2, or the 2004/08 submission): its trimmed Address and its
// reference parameters as self-contained elements.
func readEPR(raw []byte, e xmldoc.Element) (addr string, refParams [][]byte) {
	for _, ns := range []string{soap.WSANS, soap.WSANS2004} {
		a := e.Child(ns, "Address")
		if !a.Valid() {
			continue
		}
		addr = strings.TrimSpace(a.Text())
		rp := e.Child(ns, "ReferenceParameters")
		for c := rp.FirstChild(); rp.Valid() && c.Valid(); c = c.NextSibling() {
			refParams = append(refParams, fragment(raw, c, ""))
		}
		return addr, refParams
	}
	return "", nil
}

// eprXML writes an EPR element named tag (a qualified name whose prefix the
// envelope declares) with the given address.
func eprXML(tag, addr string) string {
	return "<" + tag + "><wsa:Address>" + esc(addr) + "</wsa:Address></" + tag + ">"
}
