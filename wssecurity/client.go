package wssecurity

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"time"
)

// Token is the sending side of a UsernameToken: what a client (or the
// gateway calling a backend that wants one, and tests) writes.
type Token struct {
	Username, Password string
	Digest             bool      // PasswordDigest; else PasswordText
	Nonce              []byte    // nil: no wsse:Nonce
	Created            time.Time // zero: no wsu:Created
	// Timestamp adds a wsu:Timestamp created at Created (which must be
	// set) expiring after it; zero: no Timestamp.
	Timestamp time.Duration
}

// Header returns a wsse:Security header block carrying t, with the
// namespaces it uses declared on it. A digest is computed over Created
// written as RFC 3339 in UTC with the fractional seconds it has.
func (t Token) Header() []byte {
	var b bytes.Buffer
	b.WriteString(`<wsse:Security xmlns:wsse="` + NSWSSE + `" xmlns:wsu="` + NSWSU + `">`)
	created := ""
	if !t.Created.IsZero() {
		created = t.Created.UTC().Format(time.RFC3339Nano)
	}
	if t.Timestamp > 0 {
		b.WriteString(`<wsu:Timestamp><wsu:Created>` + created + `</wsu:Created><wsu:Expires>` +
			t.Created.Add(t.Timestamp).UTC().Format(time.RFC3339Nano) + `</wsu:Expires></wsu:Timestamp>`)
	}
	b.WriteString(`<wsse:UsernameToken><wsse:Username>`)
	xml.EscapeText(&b, []byte(t.Username)) //nolint:errcheck // bytes.Buffer
	b.WriteString(`</wsse:Username>`)
	if t.Digest {
		d := PasswordDigestOf(t.Nonce, created, t.Password)
		b.WriteString(`<wsse:Password Type="` + PasswordDigest + `">` + base64.StdEncoding.EncodeToString(d) + `</wsse:Password>`)
	} else {
		b.WriteString(`<wsse:Password Type="` + PasswordText + `">`)
		xml.EscapeText(&b, []byte(t.Password)) //nolint:errcheck // bytes.Buffer
		b.WriteString(`</wsse:Password>`)
	}
	if t.Nonce != nil {
		b.WriteString(`<wsse:Nonce EncodingType="` + Base64Binary + `">` + base64.StdEncoding.EncodeToString(t.Nonce) + `</wsse:Nonce>`)
	}
	if created != "" {
		b.WriteString(`<wsu:Created>` + created + `</wsu:Created>`)
	}
	b.WriteString(`</wsse:UsernameToken></wsse:Security>`)
	return b.Bytes()
}
