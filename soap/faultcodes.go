package soap

import (
	"encoding/xml"
	"net/http"
)

// FaultNS is the namespace of wsgw's own fault subcodes.
const FaultNS = "urn:wsgw:faults"

// WSSENS is the namespace of WS-Security 1.1 (the wsse prefix; OASIS WSS
// SOAP Message Security 1.1, 2.3), in which its fault codes are.
const WSSENS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"

// The fault subcodes raised with NewFault: the one table of subcodes the
// project defines (wsgw) or takes from a spec whose faults are plain codes
// (WS-Security). A subcode names one condition and is never reused for
// another; add new ones here, with their row in faultTable. NewFault
// builds a fault from a subcode with the code, HTTP status and SOAP 1.1
// form of its row. (The WS-Addressing faults carry details and headers of
// their own: addressing_faults.go.)
//
//	subcode                    code      HTTP  condition
//	wsgw:Busy                  Receiver  503   a stage is saturated; Retry-After says when to retry
//	wsgw:OutcomeUnknown        Receiver  500   a non-idempotent call may or may not have run; not retried
//	wsgw:NoRoute               Receiver  503   no replica of the chosen partition is available
//	wsgw:BackendUnavailable    Receiver  500   the backend could not be reached or failed
//	wsgw:BackendTimeout        Receiver  500   the backend did not answer in time
//	wsgw:PartitionKeyMissing   Sender    400   the request lacks the service's partition key
//	wsgw:OperationNotFound     Sender    400   no operation matches SOAPAction, wsa:Action, body
//	wsgw:LimitExceeded         Sender    400   over a configured size, depth, count or length limit
//	wsgw:MalformedMessage      Sender    400   not well-formed, DOCTYPE/PI, or a bad envelope
//	wsgw:UnsupportedMediaType  Sender    415   not a SOAP media type, or a charset other than utf-8
//	wsgw:NonceCacheFull        Receiver  503   the replay cache holds as many nonces as it may for this identity
//	                                           (or in all); Retry-After says when the oldest expires
//
// WS-Security 1.1 (SOAP Message Security 1.1, 12, Table 7; UsernameToken
// Profile 1.1, 3.1; Timestamps 10). In SOAP 1.1 the code is the faultcode
// (wsse:FailedAuthentication); in SOAP 1.2 it is the Subcode of env:Sender
// (12: "the Code/Value is env:Sender ... and the Subcode/Value is the
// fault code"). The reason starts with the spec's fault string:
//
//	wsse:UnsupportedSecurityToken  Sender  400   "An unsupported token was provided"
//	wsse:UnsupportedAlgorithm      Sender  400   "An unsupported signature or encryption algorithm was used"
//	wsse:InvalidSecurity           Sender  400   "An error was discovered processing the <wsse:Security> header."
//	wsse:InvalidSecurityToken      Sender  400   "An invalid security token was provided"
//	wsse:FailedAuthentication      Sender  400   "The security token could not be authenticated or authorized"
//	wsse:FailedCheck               Sender  400   "The signature or decryption was invalid"
//	wsse:SecurityTokenUnavailable  Sender  400   "Referenced security token could not be retrieved"
//	wsse:MessageExpired            Sender  400   "The message has expired"
//
// MessageExpired is in the wsse namespace, as Table 7 of WSS 1.1 names it;
// the 1.0 utility schema's tTimestampFault enumerates wsu:MessageExpired
// for the same condition (choice: the 1.1 name, as WSS4J sends it).
//
// HTTP statuses are SOAP 1.2's (Sender 400, Receiver 500) except where the
// condition has its own (503, 415); SOAP 1.1 uses 500 where SOAP 1.2 uses 400.
var (
	FaultBusy                 = xml.Name{Space: FaultNS, Local: "Busy"}
	FaultOutcomeUnknown       = xml.Name{Space: FaultNS, Local: "OutcomeUnknown"}
	FaultNoRoute              = xml.Name{Space: FaultNS, Local: "NoRoute"}
	FaultBackendUnavailable   = xml.Name{Space: FaultNS, Local: "BackendUnavailable"}
	FaultBackendTimeout       = xml.Name{Space: FaultNS, Local: "BackendTimeout"}
	FaultPartitionKeyMissing  = xml.Name{Space: FaultNS, Local: "PartitionKeyMissing"}
	FaultOperationNotFound    = xml.Name{Space: FaultNS, Local: "OperationNotFound"}
	FaultLimitExceeded        = xml.Name{Space: FaultNS, Local: "LimitExceeded"}
	FaultMalformedMessage     = xml.Name{Space: FaultNS, Local: "MalformedMessage"}
	FaultUnsupportedMediaType = xml.Name{Space: FaultNS, Local: "UnsupportedMediaType"}
	FaultNonceCacheFull       = xml.Name{Space: FaultNS, Local: "NonceCacheFull"}

	WSSEUnsupportedSecurityToken = xml.Name{Space: WSSENS, Local: "UnsupportedSecurityToken"}
	WSSEUnsupportedAlgorithm     = xml.Name{Space: WSSENS, Local: "UnsupportedAlgorithm"}
	WSSEInvalidSecurity          = xml.Name{Space: WSSENS, Local: "InvalidSecurity"}
	WSSEInvalidSecurityToken     = xml.Name{Space: WSSENS, Local: "InvalidSecurityToken"}
	WSSEFailedAuthentication     = xml.Name{Space: WSSENS, Local: "FailedAuthentication"}
	WSSEFailedCheck              = xml.Name{Space: WSSENS, Local: "FailedCheck"}
	WSSESecurityTokenUnavailable = xml.Name{Space: WSSENS, Local: "SecurityTokenUnavailable"}
	WSSEMessageExpired           = xml.Name{Space: WSSENS, Local: "MessageExpired"}
)

type faultClass struct {
	code   Code
	status int // 0: the default of the code and version
	// faultcode: in SOAP 1.1 the subcode is the faultcode
	// (Fault.SubcodeFaultcode), as the spec's SOAP 1.1 binding says.
	faultcode bool
	// text is the spec's fault string the reason starts with ("" for none).
	text string
}

var faultTable = map[xml.Name]faultClass{
	FaultBusy:                 {CodeReceiver, http.StatusServiceUnavailable, false, ""},
	FaultOutcomeUnknown:       {CodeReceiver, 0, false, ""},
	FaultNoRoute:              {CodeReceiver, http.StatusServiceUnavailable, false, ""},
	FaultBackendUnavailable:   {CodeReceiver, 0, false, ""},
	FaultBackendTimeout:       {CodeReceiver, 0, false, ""},
	FaultPartitionKeyMissing:  {CodeSender, 0, false, ""},
	FaultOperationNotFound:    {CodeSender, 0, false, ""},
	FaultLimitExceeded:        {CodeSender, 0, false, ""},
	FaultMalformedMessage:     {CodeSender, 0, false, ""},
	FaultUnsupportedMediaType: {CodeSender, http.StatusUnsupportedMediaType, false, ""},
	FaultNonceCacheFull:       {CodeReceiver, http.StatusServiceUnavailable, false, ""},

	WSSEUnsupportedSecurityToken: {CodeSender, 0, true, "An unsupported token was provided"},
	WSSEUnsupportedAlgorithm:     {CodeSender, 0, true, "An unsupported signature or encryption algorithm was used"},
	WSSEInvalidSecurity:          {CodeSender, 0, true, "An error was discovered processing the <wsse:Security> header."},
	WSSEInvalidSecurityToken:     {CodeSender, 0, true, "An invalid security token was provided"},
	WSSEFailedAuthentication:     {CodeSender, 0, true, "The security token could not be authenticated or authorized"},
	WSSEFailedCheck:              {CodeSender, 0, true, "The signature or decryption was invalid"},
	WSSESecurityTokenUnavailable: {CodeSender, 0, true, "Referenced security token could not be retrieved"},
	WSSEMessageExpired:           {CodeSender, 0, true, "The message has expired"},
}

// NewFault builds a fault for a subcode with the code, HTTP status and
// SOAP 1.1 form of its row in the table above, for a message of version v
// (0 if unknown). A row with a spec's fault string puts it before reason
// ("The message has expired: ..."). An unknown subcode gives a Receiver
// fault.
func NewFault(v Version, subcode xml.Name, reason string) *Fault {
	c, ok := faultTable[subcode]
	if !ok {
		c = faultClass{code: CodeReceiver}
	}
	if c.text != "" {
		if reason == "" {
			reason = c.text
		} else {
			reason = c.text + ": " + reason
		}
	}
	return &Fault{Code: c.code, Subcodes: []xml.Name{subcode}, SubcodeFaultcode: c.faultcode,
		Reason: reason, Status: c.status, Version: v}
}
