package wsreliable

import (
	"encoding/xml"
	"strings"

	"github.com/wsgw/wsgw/soap"
)

// Namespaces.
const (
	// NSRM is WS-ReliableMessaging 1.2 (and 1.1: the namespace is shared).
	NSRM = "http://docs.oasis-open.org/ws-rx/wsrm/200702"
	// NSMC is WS-MakeConnection 1.1.
	NSMC = "http://docs.oasis-open.org/ws-rx/wsmc/200702"
	// NSRel is WS-Reliability 1.1.
	NSRel = "http://docs.oasis-open.org/wsrm/2004/06/ws-reliability-1.1.xsd"
	// NSRef is the WS-Reliability 1.1 reference schema (ReplyTo's type,
	// ServiceRefType, with its reference-scheme attribute).
	NSRef = "http://docs.oasis-open.org/wsrm/2004/06/reference-1.1.xsd"
	// NSRM200502 is the pre-standard WS-ReliableMessaging February 2005
	// namespace; it is recognised only to be refused (see doc.go).
	NSRM200502 = "http://schemas.xmlsoap.org/ws/2005/02/rm"
)

// FaultCode names one RM fault. The one table below holds every code of
// both specifications and of WS-MakeConnection; a code is never reused.
type FaultCode uint8

// The fault codes. WS-RM 1.2, 4.2-4.9 (wsrm:FaultCodes); WS-MakeConnection
// 1.1, 4; WS-Reliability 1.1 wsrm:FaultCodeEnum (schema; the Response
// element's fault attribute).
const (
	NoFault FaultCode = iota
	SequenceTerminated
	UnknownSequence
	InvalidAcknowledgement
	MessageNumberRollover
	CreateSequenceRefused
	SequenceClosed
	WSRMRequired
	UnsupportedSelection
	MissingSelection
	InvalidMessageID
	InvalidMessageParameters
	InvalidPollRequest
	InvalidRequest
	InvalidExpiryTime
	InvalidReplyPattern
	FeatureNotSupported
	PermanentProcessingFailure
	MessageProcessingFailure
	GroupAborted
)

type faultRow struct {
	name   xml.Name
	code   soap.Code
	reason string
}

// faultTable is the one table of RM fault codes: QName, SOAP code, reason.
//
//	code                        ns    SOAP code  condition
//	SequenceTerminated          wsrm  Sender     sequence terminated (expired, idle, or fault)
//	UnknownSequence             wsrm  Sender     no such sequence
//	InvalidAcknowledgement      wsrm  Sender     ack for a message never sent
//	MessageNumberRollover       wsrm  Sender     number above MaxMessageNumber
//	CreateSequenceRefused       wsrm  Sender     too many sequences, bad Offer
//	SequenceClosed              wsrm  Sender     new message for a closed sequence
//	WSRMRequired                wsrm  Sender     service requires WS-RM
//	UnsupportedSelection        wsmc  Receiver   MakeConnection selection not supported
//	MissingSelection            wsmc  Sender     MakeConnection without Address
//	InvalidMessageId            wsrel Sender     groupId missing or not a URI
//	InvalidMessageParameters    wsrel Sender     SequenceNum inconsistent with its group
//	InvalidPollRequest          wsrel Sender     malformed PollRequest
//	InvalidRequest              wsrel Sender     malformed Request header
//	InvalidExpiryTime           wsrel Sender     ExpiryTime malformed or already past
//	InvalidReplyPattern         wsrel Sender     unknown or refused reply pattern, no ReplyTo
//	FeatureNotSupported         wsrel Receiver   MessageOrder refused by configuration
//	PermanentProcessingFailure  wsrel Receiver   the application failed for good
//	MessageProcessingFailure    wsrel Receiver   the application failed, or capacity
//	GroupAborted                wsrel Receiver   message for a group ended by expiry or idleness
var faultTable = [...]faultRow{
	SequenceTerminated:         {xml.Name{Space: NSRM, Local: "SequenceTerminated"}, soap.CodeSender, "The Sequence has been terminated due to an unrecoverable error."},
	UnknownSequence:            {xml.Name{Space: NSRM, Local: "UnknownSequence"}, soap.CodeSender, "The value of wsrm:Identifier is not a known Sequence identifier."},
	InvalidAcknowledgement:     {xml.Name{Space: NSRM, Local: "InvalidAcknowledgement"}, soap.CodeSender, "The SequenceAcknowledgement violates the cumulative Acknowledgement invariant."},
	MessageNumberRollover:      {xml.Name{Space: NSRM, Local: "MessageNumberRollover"}, soap.CodeSender, "The maximum value for wsrm:MessageNumber has been exceeded."},
	CreateSequenceRefused:      {xml.Name{Space: NSRM, Local: "CreateSequenceRefused"}, soap.CodeSender, "The Create Sequence request has been refused by the RM Destination."},
	SequenceClosed:             {xml.Name{Space: NSRM, Local: "SequenceClosed"}, soap.CodeSender, "The Sequence is closed and cannot accept new messages."},
	WSRMRequired:               {xml.Name{Space: NSRM, Local: "WSRMRequired"}, soap.CodeSender, "The RM Destination requires the use of WSRM."},
	UnsupportedSelection:       {xml.Name{Space: NSMC, Local: "UnsupportedSelection"}, soap.CodeReceiver, "The extension element used in the message selection is not supported by the MakeConnection receiver."},
	MissingSelection:           {xml.Name{Space: NSMC, Local: "MissingSelection"}, soap.CodeSender, "The MakeConnection element did not contain any selection criteria."},
	InvalidMessageID:           {xml.Name{Space: NSRel, Local: "InvalidMessageId"}, soap.CodeSender, "The MessageId is missing or invalid."},
	InvalidMessageParameters:   {xml.Name{Space: NSRel, Local: "InvalidMessageParameters"}, soap.CodeSender, "The message parameters are inconsistent with the group."},
	InvalidPollRequest:         {xml.Name{Space: NSRel, Local: "InvalidPollRequest"}, soap.CodeSender, "The PollRequest is invalid."},
	InvalidRequest:             {xml.Name{Space: NSRel, Local: "InvalidRequest"}, soap.CodeSender, "The Request header is invalid."},
	InvalidExpiryTime:          {xml.Name{Space: NSRel, Local: "InvalidExpiryTime"}, soap.CodeSender, "The ExpiryTime is invalid or has passed."},
	InvalidReplyPattern:        {xml.Name{Space: NSRel, Local: "InvalidReplyPattern"}, soap.CodeSender, "The ReplyPattern is invalid or not supported."},
	FeatureNotSupported:        {xml.Name{Space: NSRel, Local: "FeatureNotSupported"}, soap.CodeReceiver, "A requested feature is not supported."},
	PermanentProcessingFailure: {xml.Name{Space: NSRel, Local: "PermanentProcessingFailure"}, soap.CodeReceiver, "The message could not be processed and never will be."},
	MessageProcessingFailure:   {xml.Name{Space: NSRel, Local: "MessageProcessingFailure"}, soap.CodeReceiver, "The message could not be processed."},
	GroupAborted:               {xml.Name{Space: NSRel, Local: "GroupAborted"}, soap.CodeReceiver, "The group has been aborted."},
}

// Name returns the fault's QName (the SOAP subcode, the WS-RM FaultCode,
// the WS-Reliability fault attribute value).
func (c FaultCode) Name() xml.Name {
	if int(c) >= len(faultTable) {
		return xml.Name{}
	}
	return faultTable[c].name
}

func (c FaultCode) String() string {
	if c == NoFault {
		return "none"
	}
	return c.Name().Local
}

// FaultCodeOf returns the code whose QName is n, NoFault if none.
func FaultCodeOf(n xml.Name) FaultCode {
	for i, row := range faultTable {
		if row.name == n && i != 0 {
			return FaultCode(i)
		}
	}
	return NoFault
}

// Fault is an RM fault the engine raised, to be written by a codec.
type Fault struct {
	Code  FaultCode
	Group string
	// Number is the message concerned, 0 when none.
	Number uint64
	// Max is the MaxMessageNumber detail of MessageNumberRollover.
	Max uint64
	// Ack is the offending acknowledgement of InvalidAcknowledgement.
	Ack *Ack
	// Why adds to the spec's reason text.
	Why string
}

func (f *Fault) Error() string {
	s := "wsreliable: " + f.Code.String()
	if f.Group != "" {
		s += " (" + f.Group + ")"
	}
	if f.Why != "" {
		s += ": " + f.Why
	}
	return s
}

// SOAP returns f as a SOAP fault of version v, with the RM subcode and,
// for WS-RM, the detail of WS-RM 1.2, 4.1-4.9: in SOAP 1.2 in the Detail
// element, in SOAP 1.1 in a wsrm:SequenceFault header block (4.1, SOAP 1.1
// binding), since SOAP 1.1 has no subcodes.
func (f *Fault) SOAP(v soap.Version) *soap.Fault {
	row := faultTable[f.Code]
	reason := row.reason
	if f.Why != "" {
		reason += " " + f.Why
	}
	sf := &soap.Fault{Code: row.code, Subcodes: []xml.Name{row.name}, Reason: reason, Version: v, Cause: f}
	if row.name.Space != NSRM {
		return sf
	}
	detail := f.detailXML()
	if v == soap.V11 {
		var b strings.Builder
		b.WriteString(`<wsrm:SequenceFault xmlns:wsrm="` + NSRM + `"><wsrm:FaultCode>wsrm:`)
		b.WriteString(row.name.Local)
		b.WriteString(`</wsrm:FaultCode>`)
		if detail != "" {
			b.WriteString(`<wsrm:Detail>` + detail + `</wsrm:Detail>`)
		}
		b.WriteString(`</wsrm:SequenceFault>`)
		sf.Header = []byte(b.String())
		return sf
	}
	if detail != "" {
		sf.Detail = []byte(detail)
	}
	return sf
}

// detailXML is the WS-RM fault detail: the Identifier (4.3-4.8), with the
// MaxMessageNumber for MessageNumberRollover (4.6) and the
// SequenceAcknowledgement for InvalidAcknowledgement (4.5).
func (f *Fault) detailXML() string {
	switch f.Code {
	case InvalidAcknowledgement:
		if f.Ack != nil {
			var b strings.Builder
			writeRMAck(&b, *f.Ack, `xmlns:wsrm="`+NSRM+`"`)
			return b.String()
		}
	case WSRMRequired, CreateSequenceRefused:
		return ""
	case MessageNumberRollover:
		return `<wsrm:Identifier xmlns:wsrm="` + NSRM + `">` + escape(f.Group) +
			`</wsrm:Identifier><wsrm:MaxMessageNumber xmlns:wsrm="` + NSRM + `">` + u64(f.Max) + `</wsrm:MaxMessageNumber>`
	}
	if f.Group == "" {
		return ""
	}
	return `<wsrm:Identifier xmlns:wsrm="` + NSRM + `">` + escape(f.Group) + `</wsrm:Identifier>`
}
