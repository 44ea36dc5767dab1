package soap

import (
	"encoding/xml"
	"net/http"
)

// FaultNS is the namespace of wsgw's own fault subcodes.
const FaultNS = "urn:wsgw:faults"

// The wsgw fault subcodes: the one table of subcodes the project defines.
// A subcode names one condition and is never reused for another; add new
// ones here, with their row in wsgwFaults. NewFault builds a fault from a
// subcode with the code and HTTP status of its row.
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
)

type faultClass struct {
	code   Code
	status int // 0: the default of the code and version
}

var wsgwFaults = map[xml.Name]faultClass{
	FaultBusy:                 {CodeReceiver, http.StatusServiceUnavailable},
	FaultOutcomeUnknown:       {CodeReceiver, 0},
	FaultNoRoute:              {CodeReceiver, http.StatusServiceUnavailable},
	FaultBackendUnavailable:   {CodeReceiver, 0},
	FaultBackendTimeout:       {CodeReceiver, 0},
	FaultPartitionKeyMissing:  {CodeSender, 0},
	FaultOperationNotFound:    {CodeSender, 0},
	FaultLimitExceeded:        {CodeSender, 0},
	FaultMalformedMessage:     {CodeSender, 0},
	FaultUnsupportedMediaType: {CodeSender, http.StatusUnsupportedMediaType},
}

// NewFault builds a fault for a wsgw subcode with the code and HTTP status
// of its row in the table above, for a message of version v (0 if unknown).
// An unknown subcode gives a Receiver fault.
func NewFault(v Version, subcode xml.Name, reason string) *Fault {
	c, ok := wsgwFaults[subcode]
	if !ok {
		c = faultClass{code: CodeReceiver}
	}
	return &Fault{Code: c.code, Subcodes: []xml.Name{subcode}, Reason: reason, Status: c.status, Version: v}
}
