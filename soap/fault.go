package soap

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
)

// Code is a fault code in SOAP 1.2 terms; Marshal maps it to SOAP 1.1
// (Sender->Client, Receiver->Server, DataEncodingUnknown->Client).
type Code string

// The SOAP 1.2 fault codes (SOAP 1.2 Part 1, 5.4.6).
const (
	CodeVersionMismatch     Code = "VersionMismatch"
	CodeMustUnderstand      Code = "MustUnderstand"
	CodeDataEncodingUnknown Code = "DataEncodingUnknown"
	CodeSender              Code = "Sender"
	CodeReceiver            Code = "Receiver"
)

// Fault is a SOAP fault as a Go error.
//
// A Fault is written in the version passed to Marshal or WriteHTTP; Version
// records the version of the message that caused it, when known, so that
// callers can answer in the request's own version (see VersionOr).
type Fault struct {
	Code Code
	// Subcodes, outermost first (SOAP 1.2 Code/Subcode/Subcode...). SOAP 1.1
	// has no subcodes: see SubcodeFaultcode.
	Subcodes []xml.Name
	// SubcodeFaultcode says how a fault with subcodes is written in SOAP
	// 1.1. False (the default): the faultcode is the SOAP 1.1 code
	// (Client, Server, ...; WS-I BP 1.1 R1004 prefers them) and each
	// subcode is a wsgw:Subcode element in the detail. True: the outermost
	// subcode is the faultcode, for specs whose SOAP 1.1 binding says so
	// (WS-Addressing 1.0 SOAP Binding 6, WS-ReliableMessaging 1.2 4).
	SubcodeFaultcode bool
	Reason           string
	// Detail is serialised XML placed inside the Detail/detail element. It
	// must declare every namespace prefix it uses.
	Detail []byte
	Role   string // Role (1.2) / faultactor (1.1); "" when omitted
	// NotUnderstood lists the header names for a MustUnderstand fault.
	NotUnderstood []xml.Name
	// Status overrides the HTTP status (e.g. 415, 503); 0 uses the default.
	Status int
	// Header is serialised XML header blocks to put in the fault envelope
	// (e.g. a wsa:Action); it must declare every prefix it uses.
	Header []byte
	// Version is the SOAP version of the message that caused the fault; 0
	// when it could not be known (for example input that is not XML).
	Version Version
	Cause   error
}

// Error returns "soap fault Code[/Subcode...]: Reason".
func (f *Fault) Error() string {
	var b strings.Builder
	b.WriteString("soap fault ")
	b.WriteString(string(f.Code))
	for _, s := range f.Subcodes {
		b.WriteByte('/')
		b.WriteString(s.Local)
	}
	b.WriteString(": ")
	b.WriteString(f.Reason)
	return b.String()
}

func (f *Fault) Unwrap() error { return f.Cause }

// VersionOr returns the version to answer f in: f.Version when known,
// otherwise hint (typically the version named by the request's
// Content-Type), otherwise SOAP 1.1.
func (f *Fault) VersionOr(hint Version) Version {
	if f.Version != 0 {
		return f.Version
	}
	return hint.orDefault()
}

// HTTPStatus returns the status for f sent in version v: f.Status when set;
// otherwise, SOAP 1.2 (Part 2, 7.5.2.2, table 20): Sender 400, every other
// code 500; SOAP 1.1 (SOAP 1.1 note 6.2): 500.
func (f *Fault) HTTPStatus(v Version) int {
	if f.Status != 0 {
		return f.Status
	}
	if v == V12 && f.Code == CodeSender {
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// WriteHTTP writes the fault as an HTTP response in version v, with the
// Content-Type of v and f.HTTPStatus(v). Headers already set on w (such as
// Retry-After) are kept.
func (f *Fault) WriteHTTP(w http.ResponseWriter, v Version) {
	v = v.orDefault()
	body := f.Marshal(v)
	h := w.Header()
	h.Set("Content-Type", v.ContentType())
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(f.HTTPStatus(v))
	w.Write(body) //nolint:errcheck // the client is gone; nothing to do
}

// Sender builds a Sender (SOAP 1.1 Client) fault with optional subcodes.
func Sender(reason string, subcodes ...xml.Name) *Fault {
	return &Fault{Code: CodeSender, Reason: reason, Subcodes: subcodes}
}

// Receiver builds a Receiver (SOAP 1.1 Server) fault with optional subcodes.
func Receiver(reason string, subcodes ...xml.Name) *Fault {
	return &Fault{Code: CodeReceiver, Reason: reason, Subcodes: subcodes}
}

// VersionMismatch builds the fault for an envelope that is not a SOAP 1.1
// or 1.2 Envelope (SOAP 1.2 Part 1, 5.4.7; Appendix A). Marshal adds the
// Upgrade header listing both supported envelopes.
func VersionMismatch(reason string) *Fault {
	return &Fault{Code: CodeVersionMismatch, Reason: reason}
}

// MustUnderstand builds the fault for mandatory header blocks that are not
// understood (SOAP 1.2 Part 1, 5.4.8); in SOAP 1.2 each name becomes a
// NotUnderstood header block.
func MustUnderstand(v Version, names ...xml.Name) *Fault {
	var b strings.Builder
	b.WriteString("header blocks not understood: ")
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("{" + n.Space + "}" + n.Local)
	}
	return &Fault{Code: CodeMustUnderstand, Reason: b.String(), NotUnderstood: names, Version: v}
}

// WithVersion sets f.Version and returns f.
func (f *Fault) WithVersion(v Version) *Fault {
	f.Version = v
	return f
}

// WithCause sets f.Cause and returns f.
func (f *Fault) WithCause(err error) *Fault {
	f.Cause = err
	return f
}
