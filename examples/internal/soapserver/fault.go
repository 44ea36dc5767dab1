package soapserver

import (
	"bytes"
	"encoding/xml"
	"log/slog"
	"net/http"
)

// Code is a fault class, written per version: 1.1 faultcode, 1.2 Code/Value.
type Code int

const (
	CodeSender          Code = iota // 1.1 Client, 1.2 Sender
	CodeReceiver                    // 1.1 Server, 1.2 Receiver
	CodeVersionMismatch             // both VersionMismatch
	CodeMustUnderstand              // both MustUnderstand
)

// Fault is a SOAP fault an operation returns.
type Fault struct {
	Code   Code
	Reason string
}

func (f *Fault) Error() string { return f.Reason }

func (c Code) local(v Version) string {
	switch {
	case c == CodeVersionMismatch:
		return "VersionMismatch"
	case c == CodeMustUnderstand:
		return "MustUnderstand"
	case c == CodeSender && v == V12:
		return "Sender"
	case c == CodeSender:
		return "Client"
	case v == V12:
		return "Receiver"
	default:
		return "Server"
	}
}

// writeFault writes f in version v. status 0 picks the SOAP default: 500 for
// SOAP 1.1 (SOAP 1.1, 6.2); for SOAP 1.2 400 for Sender, 500 otherwise
// (SOAP 1.2 Part 2, table 20).
func writeFault(w http.ResponseWriter, v Version, f *Fault, status int) {
	if status == 0 {
		status = http.StatusInternalServerError
		if v == V12 && f.Code == CodeSender {
			status = http.StatusBadRequest
		}
	}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>`)
	b.WriteString(`<env:Envelope xmlns:env="` + v.namespace() + `"><env:Body><env:Fault>`)
	code := "env:" + f.Code.local(v)
	if v == V12 {
		b.WriteString(`<env:Code><env:Value>` + code + `</env:Value></env:Code><env:Reason><env:Text xml:lang="en">`)
		_ = xml.EscapeText(&b, []byte(f.Reason))
		b.WriteString(`</env:Text></env:Reason>`)
	} else {
		b.WriteString(`<faultcode>` + code + `</faultcode><faultstring>`)
		_ = xml.EscapeText(&b, []byte(f.Reason))
		b.WriteString(`</faultstring>`)
	}
	b.WriteString(`</env:Fault></env:Body></env:Envelope>`)
	w.Header().Set("Content-Type", v.contentType())
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// writeResponse writes resp as the body of a version v envelope.
func writeResponse(w http.ResponseWriter, v Version, resp any, log *slog.Logger) {
	body, err := xml.Marshal(resp)
	if err != nil {
		log.Error("marshalling response", "err", err)
		writeFault(w, v, &Fault{Code: CodeReceiver, Reason: "marshalling response failed"}, 0)
		return
	}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>`)
	b.WriteString(`<env:Envelope xmlns:env="` + v.namespace() + `"><env:Body>`)
	b.Write(body)
	b.WriteString(`</env:Body></env:Envelope>`)
	w.Header().Set("Content-Type", v.contentType())
	_, _ = w.Write(b.Bytes())
}
