package testservice

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/wsgw/wsgw/soap"
)

// reply is an envelope under construction: header blocks and body content,
// written with the prefixes of replyPrefixes (and env for the envelope).
type reply struct {
	v      soap.Version
	header bytes.Buffer
	body   bytes.Buffer
}

// scope returns the bindings in force inside the reply's Header and Body.
func (r *reply) scope() scope {
	decls := map[string]string{r.v.Namespace(): "env"}
	for ns, p := range replyPrefixes {
		decls[ns] = p
	}
	return rootScope(decls)
}

// marshal returns the envelope.
func (r *reply) marshal() []byte {
	var b bytes.Buffer
	b.Grow(256 + r.header.Len() + r.body.Len())
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	b.WriteString(`<env:Envelope xmlns:env="` + r.v.Namespace() + `"`)
	for _, ns := range []string{nsTest, nsXSD, nsXS, nsXSI, nsEnc, nsRPC} {
		b.WriteString(` xmlns:` + replyPrefixes[ns] + `="` + ns + `"`)
	}
	b.WriteByte('>')
	if r.header.Len() > 0 {
		b.WriteString("<env:Header>")
		b.Write(r.header.Bytes())
		b.WriteString("</env:Header>")
	}
	b.WriteString("<env:Body>")
	b.Write(r.body.Bytes())
	b.WriteString("</env:Body></env:Envelope>\n")
	return b.Bytes()
}

// writeHTTP writes the envelope as a 200 response.
func (r *reply) writeHTTP(w http.ResponseWriter) {
	out := r.marshal()
	w.Header().Set("Content-Type", r.v.ContentType())
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}

// textElement writes <prefix:local>text</prefix:local>.
func textElement(b *bytes.Buffer, tag, text string) {
	b.WriteString("<" + tag + ">")
	escapeText(b, text)
	b.WriteString("</" + tag + ">")
}

// writeFault writes err (a *soap.Fault, or any error as a Receiver fault)
// in the version v.
func writeFault(w http.ResponseWriter, err error, v soap.Version) {
	f, ok := err.(*soap.Fault)
	if !ok {
		f = soap.Receiver("internal error: " + err.Error()).WithCause(err)
	}
	f.WriteHTTP(w, f.VersionOr(v))
}

// versionHint returns the SOAP version the request's media type names
// (SOAP 1.1 for anything but application/soap+xml).
func versionHint(h http.Header) soap.Version {
	v, _, err := soap.ParseContentType(h)
	if err != nil || v == 0 {
		if f, ok := err.(*soap.Fault); ok && f.Version != 0 {
			return f.Version
		}
		return soap.V11
	}
	return v
}
