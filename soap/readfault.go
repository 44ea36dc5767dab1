package soap

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strconv"

	"github.com/wsgw/wsgw/soap/xmldoc"
)

// readFault maps an error of the guarded reader to a Sender (1.1 Client)
// fault of version v (0 when the root element was not reached).
func readFault(err error, v Version) *Fault {
	var (
		le *xmldoc.LimitError
		fe *xmldoc.ForbiddenError
		se *xmldoc.SyntaxError
	)
	var f *Fault
	switch {
	case errors.As(err, &le):
		f = NewFault(v, FaultLimitExceeded, "message exceeds the gateway's limit "+le.Limit+
			" ("+strconv.FormatInt(le.Max, 10)+")")
	case errors.As(err, &fe):
		f = NewFault(v, FaultMalformedMessage, "a SOAP message must not contain a "+fe.Construct+
			" (SOAP 1.2 Part 1, 5; offset "+strconv.FormatInt(fe.Offset, 10)+")")
	case errors.As(err, &se):
		f = NewFault(v, FaultMalformedMessage, "message is not well-formed XML: "+se.Error())
	default:
		f = NewFault(v, FaultMalformedMessage, "reading message: "+err.Error())
	}
	return f.WithCause(err)
}

// sniffLen bounds the prefix of a refused input read to learn the
// envelope version.
const sniffLen = 4096

// sniffVersion returns the SOAP version named by the root start tag in the
// first sniffLen bytes of b, or 0. It only tokenizes up to the root start
// tag (encoding/xml, no DTD processing, nothing fetched), so that a fault
// about a later part of a refused message is still answered in the
// message's own version.
func sniffVersion(b []byte) Version {
	if len(b) > sniffLen {
		b = b[:sniffLen]
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	for i := 0; i < 64; i++ {
		t, err := d.RawToken()
		if err != nil {
			return 0
		}
		if se, ok := t.(xml.StartElement); ok {
			return rootVersion(se)
		}
	}
	return 0
}

// rootVersion resolves the root element's prefix against its own namespace
// declarations (the root has no ancestors) and maps an Envelope to its
// version.
func rootVersion(se xml.StartElement) Version {
	if se.Name.Local != "Envelope" {
		return 0
	}
	for _, a := range se.Attr {
		if (se.Name.Space == "" && a.Name.Space == "" && a.Name.Local == "xmlns") ||
			(se.Name.Space != "" && a.Name.Space == "xmlns" && a.Name.Local == se.Name.Space) {
			return VersionOf(a.Value)
		}
	}
	return 0
}
