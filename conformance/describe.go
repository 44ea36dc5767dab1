package conformance

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// describeLimit is how much of a reply that is not a SOAP envelope a
// diagnostic quotes.
const describeLimit = 120

// describe says what the reply is, for diagnostics: an empty body, bytes
// that are not XML (quoted), XML that is no SOAP envelope, a SOAP fault
// with its code and reason, or a SOAP envelope and what its Body holds.
// It says what the reply really was, and never reports the kit's own
// reading error as if the target had sent a fault.
func (k *checker) describe() string {
	b := k.r.body
	if len(b) == 0 {
		return "an empty body"
	}
	m, err := soap.ReadMessageBytes(b, replyLimits)
	if err == nil {
		if f, ok := readWireFault(m); ok {
			return fmt.Sprintf("a SOAP %s fault %s", m.Version, f.describe())
		}
		if p := m.Payload; p.Valid() {
			return fmt.Sprintf("a SOAP %s envelope without a fault, its Body holding %s", m.Version, qnameString(p.Name()))
		}
		return fmt.Sprintf("a SOAP %s envelope with an empty Body", m.Version)
	}
	if _, perr := xmldoc.ParseBytes(b, replyLimits); perr != nil {
		return fmt.Sprintf("%d bytes that are not XML (%v): %s", len(b), perr, quote(b))
	}
	var f *soap.Fault
	if errors.As(err, &f) {
		return fmt.Sprintf("XML that is not a SOAP envelope (%s): %s", f.Reason, quote(b))
	}
	return fmt.Sprintf("XML that is not a SOAP envelope (%v): %s", err, quote(b))
}

// quote returns the start of b, quoted.
func quote(b []byte) string {
	if len(b) <= describeLimit {
		return fmt.Sprintf("%q", b)
	}
	cut := describeLimit
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return fmt.Sprintf("%q…", b[:cut])
}
