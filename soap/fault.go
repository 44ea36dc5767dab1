package soap

import (
	"encoding/xml"
	"net/http"
)

// Code is a fault code in SOAP 1.2 terms; Marshal maps it to SOAP 1.1
// (Sender->Client, Receiver->Server).
type Code string

const (
	CodeVersionMismatch     Code = "VersionMismatch"
	CodeMustUnderstand      Code = "MustUnderstand"
	CodeDataEncodingUnknown Code = "DataEncodingUnknown"
	CodeSender              Code = "Sender"
	CodeReceiver            Code = "Receiver"
)

// Fault is a SOAP fault as a Go error.
type Fault struct {
	Code Code
	// Subcodes, outermost first. In SOAP 1.1 the innermost subcode becomes
	// the faultcode where the governing spec says so (WS-Addressing 1.0 SOAP
	// Binding 6); otherwise the 1.1 faultcode is Client/Server.Subcode.
	Subcodes []xml.Name
	Reason   string
	// Detail is serialised XML placed inside the Detail/detail element.
	Detail []byte
	Role   string // Role (1.2) / faultactor (1.1); "" when omitted
	// NotUnderstood lists the header names for a MustUnderstand fault.
	NotUnderstood []xml.Name
	// Status overrides the HTTP status (e.g. 415, 503); 0 uses the default.
	Status int
	// Header is serialised XML header blocks to put in the fault envelope
	// (e.g. a wsa:FaultDetail, or wsa:Action).
	Header []byte
	Cause  error
}

func (f *Fault) Error() string { panic("unimplemented") }
func (f *Fault) Unwrap() error { return f.Cause }

// HTTPStatus returns the status for f sent in version v: f.Status when set;
// SOAP 1.2 Sender 400, VersionMismatch/MustUnderstand 500 (Part 2, 7.5.1.2)...;
// SOAP 1.1 500.
func (f *Fault) HTTPStatus(v Version) int { panic("unimplemented") }

// Marshal returns the fault envelope in version v. For VersionMismatch in
// SOAP 1.2 the envelope carries the Upgrade header.
func (f *Fault) Marshal(v Version) []byte { panic("unimplemented") }

// WriteHTTP writes the fault as an HTTP response in version v.
func (f *Fault) WriteHTTP(w http.ResponseWriter, v Version) { panic("unimplemented") }

// Sender and Receiver build faults with optional subcodes.
func Sender(reason string, subcodes ...xml.Name) *Fault   { panic("unimplemented") }
func Receiver(reason string, subcodes ...xml.Name) *Fault { panic("unimplemented") }
