package wssecurity

import (
	"encoding/xml"
	"time"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// Timestamp is a wsu:Timestamp (SOAP Message Security 1.1, 10).
type Timestamp struct {
	Created time.Time
	Expires time.Time // zero when absent
}

// parseTimestamp reads e with the WS-I BSP 1.1 rules: exactly one Created
// (R3203), at most one Expires (R3224) after it (R3221), nothing else
// (R3222), UTC times (R3217, R3223). Every error is wsse:InvalidSecurity.
func parseTimestamp(v soap.Version, e xmldoc.Element) (*Timestamp, error) {
	ts := &Timestamp{}
	var hasCreated, hasExpires bool
	for c := e.FirstChild(); c.Valid(); c = c.NextSibling() {
		n := c.Name()
		switch {
		case n == xml.Name{Space: NSWSU, Local: "Created"} && !hasCreated && !hasExpires:
			hasCreated = true
			s, err := text(v, soap.WSSEInvalidSecurity, c, maxTimeLen)
			if err == nil {
				ts.Created, err = parseTime(v, soap.WSSEInvalidSecurity, "wsu:Timestamp/wsu:Created", s)
			}
			if err != nil {
				return nil, err
			}
		case n == xml.Name{Space: NSWSU, Local: "Expires"} && hasCreated && !hasExpires:
			hasExpires = true
			s, err := text(v, soap.WSSEInvalidSecurity, c, maxTimeLen)
			if err == nil {
				ts.Expires, err = parseTime(v, soap.WSSEInvalidSecurity, "wsu:Timestamp/wsu:Expires", s)
			}
			if err != nil {
				return nil, err
			}
		default:
			return nil, invalidSecurity(v, "wsu:Timestamp holds exactly one wsu:Created, then at most one wsu:Expires, and nothing else (WS-I BSP 1.1, R3203, R3221, R3222, R3224); found "+qname(n))
		}
	}
	if !hasCreated {
		return nil, invalidSecurity(v, "wsu:Timestamp has no wsu:Created (WS-I BSP 1.1, R3203)")
	}
	if hasExpires && ts.Expires.Before(ts.Created) {
		return nil, invalidSecurity(v, "wsu:Timestamp expires before it was created")
	}
	return ts, nil
}
