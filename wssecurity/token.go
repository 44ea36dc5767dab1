package wssecurity

import (
	"encoding/base64"
	"encoding/xml"
	"strings"
	"time"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// PasswordType is how a UsernameToken carries its password.
type PasswordType uint8

const (
	// NoPassword: the token names a user and proves nothing.
	NoPassword PasswordType = iota
	// Text: wsse:Password Type PasswordText, the password itself.
	Text
	// Digest: wsse:Password Type PasswordDigest, Base64(SHA-1(nonce +
	// created + password)) (UsernameToken Profile 1.1, 3.1).
	Digest
)

func (t PasswordType) String() string {
	switch t {
	case Text:
		return "PasswordText"
	case Digest:
		return "PasswordDigest"
	}
	return "no password"
}

// UsernameToken is a wsse:UsernameToken (UsernameToken Profile 1.1, 3.1).
type UsernameToken struct {
	Username     string // surrounding whitespace removed
	PasswordType PasswordType
	// Password is the password as sent for Text; for Digest, digest holds
	// the decoded digest.
	Password string
	digest   []byte
	// Nonce is the decoded wsse:Nonce; nil when absent.
	Nonce []byte
	// Created is the wsu:Created time; zero when absent. created is its
	// text exactly as sent, which the digest covers.
	Created time.Time
	created string
}

// HasCreated reports whether the token carries wsu:Created.
func (t *UsernameToken) HasCreated() bool { return !t.Created.IsZero() }

// parseUsernameToken reads e (UsernameToken Profile 1.1, 3.1) with the
// WS-I Basic Security Profile 1.1 rules for receivers: one Username; at
// most one Password (R4222), with a Type (R4201) that is PasswordText or
// PasswordDigest; at most one Nonce (R4225) with EncodingType Base64Binary
// (R4220, R4221); at most one Created (R4223) in UTC form (R3217). The
// profile itself lets Type and EncodingType default; BSP and WSS4J's
// default settings do not (choice: BSP, which every toolkit tried sends).
// Other children (wsse11:Salt and Iteration, extensions) are ignored.
func parseUsernameToken(v soap.Version, e xmldoc.Element) (*UsernameToken, error) {
	t := &UsernameToken{}
	seen := map[string]bool{}
	for c := e.FirstChild(); c.Valid(); c = c.NextSibling() {
		n := c.Name()
		key := qname(n)
		if n != (xml.Name{Space: NSWSSE, Local: "Username"}) && n != (xml.Name{Space: NSWSSE, Local: "Password"}) &&
			n != (xml.Name{Space: NSWSSE, Local: "Nonce"}) && n != (xml.Name{Space: NSWSU, Local: "Created"}) {
			continue
		}
		if seen[key] {
			return nil, invalidToken(v, "more than one "+key+" in wsse:UsernameToken (WS-I BSP 1.1, R4222, R4223, R4225)")
		}
		seen[key] = true
		var err error
		switch key {
		case "wsse:Username":
			var s string
			if s, err = text(v, soap.WSSEInvalidSecurityToken, c, MaxUsernameLen); err == nil {
				t.Username = trimXMLSpace(s)
			}
		case "wsse:Password":
			err = t.readPassword(v, c)
		case "wsse:Nonce":
			t.Nonce, err = readNonce(v, c)
		case "wsu:Created":
			if t.created, err = text(v, soap.WSSEInvalidSecurityToken, c, maxTimeLen); err == nil {
				t.Created, err = parseTime(v, soap.WSSEInvalidSecurityToken, "wsse:UsernameToken/wsu:Created", t.created)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if !seen["wsse:Username"] {
		// An empty Username is read as is: it names nobody and fails
		// authentication (as WSS4J answers its SOAPUTNOUSERMSG sample).
		return nil, invalidToken(v, "wsse:UsernameToken has no wsse:Username (UsernameToken Profile 1.1, 3.1)")
	}
	return t, nil
}

func (t *UsernameToken) readPassword(v soap.Version, c xmldoc.Element) error {
	s, err := text(v, soap.WSSEInvalidSecurityToken, c, MaxPasswordLen)
	if err != nil {
		return err
	}
	typ, ok := c.Attr("", "Type")
	switch typ = trimXMLSpace(typ); {
	case !ok:
		return invalidToken(v, "wsse:Password has no Type attribute (WS-I BSP 1.1, R4201)")
	case typ == PasswordText:
		t.PasswordType, t.Password = Text, s
	case typ == PasswordDigest:
		d, err := base64.StdEncoding.DecodeString(stripXMLSpace(s))
		if err != nil || len(d) != 20 { // SHA-1
			return invalidToken(v, "wsse:Password of Type PasswordDigest is not the Base64 of a SHA-1 digest")
		}
		t.PasswordType, t.digest = Digest, d
	default:
		return invalidToken(v, "wsse:Password Type "+typ+" is neither PasswordText nor PasswordDigest (UsernameToken Profile 1.1, 3.1)")
	}
	return nil
}

func readNonce(v soap.Version, c xmldoc.Element) ([]byte, error) {
	s, err := text(v, soap.WSSEInvalidSecurityToken, c, base64.StdEncoding.EncodedLen(MaxNonceLen)+64)
	if err != nil {
		return nil, err
	}
	enc, ok := c.Attr("", "EncodingType")
	if !ok {
		return nil, invalidToken(v, "wsse:Nonce has no EncodingType attribute (WS-I BSP 1.1, R4220)")
	}
	if trimXMLSpace(enc) != Base64Binary {
		return nil, invalidToken(v, "wsse:Nonce EncodingType must be Base64Binary (WS-I BSP 1.1, R4221)")
	}
	n, err := base64.StdEncoding.DecodeString(stripXMLSpace(s))
	if err != nil || len(n) == 0 || len(n) > MaxNonceLen {
		return nil, invalidToken(v, "wsse:Nonce is not the Base64 of 1 to 128 bytes")
	}
	return n, nil
}

// stripXMLSpace removes every XML whitespace character, which xs:base64Binary
// allows between groups.
func stripXMLSpace(s string) string {
	if !strings.ContainsAny(s, " \t\r\n") {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s)
}

// parseTime parses an xs:dateTime that names its time zone (WS-I BSP 1.1,
// R3217 and R3223: UTC times): "Z" or an offset, which is applied (choice:
// zeep writes "+00:00"). A time without a zone is ambiguous and refused.
func parseTime(v soap.Version, code xml.Name, what, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, trimXMLSpace(s))
	if err != nil {
		return time.Time{}, soap.NewFault(v, code, what+" is not an xs:dateTime with a time zone, such as 2026-12-01T10:00:00Z")
	}
	return t.UTC(), nil
}
