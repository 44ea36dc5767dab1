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
	// NSRM200502 is WS-ReliableMessaging February 2005, the submission
	// before the OASIS standard (rmversion.go).
	NSRM200502 = "http://schemas.xmlsoap.org/ws/2005/02/rm"
)

// FaultCode names one RM fault. The one table below holds every code of
// the specifications and of WS-MakeConnection; a code is never reused.
// WS-RM February 2005 defines five of WS-RM 1.2's codes too, in its own
// namespace (the table's feb2005 column), and one of its own.
type FaultCode uint8

// The fault codes. WS-RM 1.2, 4.2-4.9 (wsrm:FaultCodes); WS-RM February
// 2005, 4.2-4.7; WS-MakeConnection 1.1, 4; WS-Reliability 1.1
// wsrm:FaultCodeEnum (schema; the Response element's fault attribute).
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
	LastMessageNumberExceeded
)

type faultRow struct {
	name   xml.Name
	code   soap.Code
	reason string
	// feb2005: WS-RM February 2005 (4) defines the code too, in its own
	// namespace, with the same meaning.
	feb2005 bool
}

// faultTable is the one table of RM fault codes: QName, SOAP code, reason,
// and whether WS-RM February 2005 has it (2005 column).
//
//	code                        ns     2005  SOAP code  condition
//	SequenceTerminated          wsrm   yes   Sender     sequence terminated (expired, idle, or fault)
//	UnknownSequence             wsrm   yes   Sender     no such sequence (of the message's version)
//	InvalidAcknowledgement      wsrm   yes   Sender     ack for a message never sent
//	MessageNumberRollover       wsrm   yes   Sender     number above MaxMessageNumber
//	CreateSequenceRefused       wsrm   yes   Sender     too many sequences, bad Offer
//	SequenceClosed              wsrm         Sender     new message for a closed sequence
//	WSRMRequired                wsrm         Sender     service requires WS-RM
//	LastMessageNumberExceeded   wsrm5  only  Sender     number above the LastMessage's (2005/02 4.6)
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
	SequenceTerminated:         {xml.Name{Space: NSRM, Local: "SequenceTerminated"}, soap.CodeSender, "The Sequence has been terminated due to an unrecoverable error.", true},
	UnknownSequence:            {xml.Name{Space: NSRM, Local: "UnknownSequence"}, soap.CodeSender, "The value of wsrm:Identifier is not a known Sequence identifier.", true},
	InvalidAcknowledgement:     {xml.Name{Space: NSRM, Local: "InvalidAcknowledgement"}, soap.CodeSender, "The SequenceAcknowledgement violates the cumulative Acknowledgement invariant.", true},
	MessageNumberRollover:      {xml.Name{Space: NSRM, Local: "MessageNumberRollover"}, soap.CodeSender, "The maximum value for wsrm:MessageNumber has been exceeded.", true},
	CreateSequenceRefused:      {xml.Name{Space: NSRM, Local: "CreateSequenceRefused"}, soap.CodeSender, "The Create Sequence request has been refused by the RM Destination.", true},
	SequenceClosed:             {xml.Name{Space: NSRM, Local: "SequenceClosed"}, soap.CodeSender, "The Sequence is closed and cannot accept new messages.", false},
	WSRMRequired:               {xml.Name{Space: NSRM, Local: "WSRMRequired"}, soap.CodeSender, "The RM Destination requires the use of WSRM.", false},
	UnsupportedSelection:       {xml.Name{Space: NSMC, Local: "UnsupportedSelection"}, soap.CodeReceiver, "The extension element used in the message selection is not supported by the MakeConnection receiver.", false},
	MissingSelection:           {xml.Name{Space: NSMC, Local: "MissingSelection"}, soap.CodeSender, "The MakeConnection element did not contain any selection criteria.", false},
	InvalidMessageID:           {xml.Name{Space: NSRel, Local: "InvalidMessageId"}, soap.CodeSender, "The MessageId is missing or invalid.", false},
	InvalidMessageParameters:   {xml.Name{Space: NSRel, Local: "InvalidMessageParameters"}, soap.CodeSender, "The message parameters are inconsistent with the group.", false},
	InvalidPollRequest:         {xml.Name{Space: NSRel, Local: "InvalidPollRequest"}, soap.CodeSender, "The PollRequest is invalid.", false},
	InvalidRequest:             {xml.Name{Space: NSRel, Local: "InvalidRequest"}, soap.CodeSender, "The Request header is invalid.", false},
	InvalidExpiryTime:          {xml.Name{Space: NSRel, Local: "InvalidExpiryTime"}, soap.CodeSender, "The ExpiryTime is invalid or has passed.", false},
	InvalidReplyPattern:        {xml.Name{Space: NSRel, Local: "InvalidReplyPattern"}, soap.CodeSender, "The ReplyPattern is invalid or not supported.", false},
	FeatureNotSupported:        {xml.Name{Space: NSRel, Local: "FeatureNotSupported"}, soap.CodeReceiver, "A requested feature is not supported.", false},
	PermanentProcessingFailure: {xml.Name{Space: NSRel, Local: "PermanentProcessingFailure"}, soap.CodeReceiver, "The message could not be processed and never will be.", false},
	MessageProcessingFailure:   {xml.Name{Space: NSRel, Local: "MessageProcessingFailure"}, soap.CodeReceiver, "The message could not be processed.", false},
	GroupAborted:               {xml.Name{Space: NSRel, Local: "GroupAborted"}, soap.CodeReceiver, "The group has been aborted.", false},
	LastMessageNumberExceeded: {xml.Name{Space: NSRM200502, Local: "LastMessageNumberExceeded"}, soap.CodeSender,
		"The value for wsrm:MessageNumber exceeds the value of the MessageNumber accompanying a LastMessage element in this Sequence.", true},
}

// Name returns the fault's QName (the SOAP subcode, the WS-RM FaultCode,
// the WS-Reliability fault attribute value).
func (c FaultCode) Name() xml.Name {
	if int(c) >= len(faultTable) {
		return xml.Name{}
	}
	return faultTable[c].name
}

// In returns the fault's QName in protocol p: for WS-RM February 2005, the
// code of that version when it has one (the feb2005 column), else Name.
func (c FaultCode) In(p Protocol) xml.Name {
	n := c.Name()
	if p == RM200502 && int(c) < len(faultTable) && faultTable[c].feb2005 {
		n.Space = NSRM200502
	}
	return n
}

func (c FaultCode) String() string {
	if c == NoFault {
		return "none"
	}
	return c.Name().Local
}

// FaultCodeOf returns the code whose QName is n in any protocol, NoFault
// if none.
func FaultCodeOf(n xml.Name) FaultCode {
	for i, row := range faultTable {
		if i != 0 && (row.name == n || row.feb2005 && n == FaultCode(i).In(RM200502)) {
			return FaultCode(i)
		}
	}
	return NoFault
}

// Fault is an RM fault the engine raised, to be written by a codec.
type Fault struct {
	Code FaultCode
	// Proto is the protocol the fault is written in: RM200502 writes a
	// WS-RM February 2005 fault; zero is RM.
	Proto Protocol
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
// for WS-RM, the detail of its version's section 4 (soapRM).
func (f *Fault) SOAP(v soap.Version) *soap.Fault {
	row := faultTable[f.Code]
	reason := row.reason
	if f.Why != "" {
		reason += " " + f.Why
	}
	name := f.Code.In(f.Proto)
	sf := &soap.Fault{Code: row.code, Subcodes: []xml.Name{name}, Reason: reason, Version: v, Cause: f}
	if name.Space == NSRM || name.Space == NSRM200502 {
		f.soapRM(sf, v, name)
	}
	return sf
}

// soapRM adds to sf the WS-RM detail of f (detailXML): in SOAP 1.2 in the
// Detail element; in SOAP 1.1, which has no subcodes, in a
// wsrm:SequenceFault header block with the code (WS-RM 1.2, 4.1; February
// 2005, 4.1: SequenceFault only in SOAP 1.1), in 1.2 with the detail in
// wsrm:Detail, in February 2005 with the detail elements directly in it
// (its SequenceFaultType has no Detail). February 2005 writes a fault of
// processing a CreateSequence (CreateSequenceRefused) in SOAP 1.1 with the
// code itself as faultcode and no SequenceFault (4, its SOAP 1.1 binding
// for CreateSequence; so do WCF and Metro).
func (f *Fault) soapRM(sf *soap.Fault, v soap.Version, name xml.Name) {
	detail := f.detailXML(name.Space)
	if v == soap.V12 {
		if detail != "" {
			sf.Detail = []byte(detail)
		}
		return
	}
	feb2005 := name.Space == NSRM200502
	if feb2005 && f.Code == CreateSequenceRefused {
		sf.SubcodeFaultcode = true
		return
	}
	var b strings.Builder
	b.WriteString(`<wsrm:SequenceFault xmlns:wsrm="` + name.Space + `"><wsrm:FaultCode>wsrm:` + name.Local + `</wsrm:FaultCode>`)
	switch {
	case detail == "":
	case feb2005:
		b.WriteString(detail)
	default:
		b.WriteString(`<wsrm:Detail>` + detail + `</wsrm:Detail>`)
	}
	b.WriteString(`</wsrm:SequenceFault>`)
	sf.Header = []byte(b.String())
}

// detailXML is the WS-RM fault detail, its elements in namespace ns: the
// Identifier (WS-RM 1.2, 4.3-4.8; February 2005, 4.2-4.6), with the
// MaxMessageNumber for 1.2's MessageNumberRollover (4.6; February 2005
// has none) and the SequenceAcknowledgement for InvalidAcknowledgement
// (1.2, 4.5; February 2005, 4.4).
func (f *Fault) detailXML(ns string) string {
	switch f.Code {
	case InvalidAcknowledgement:
		if f.Ack != nil {
			var b strings.Builder
			writeRMAck(&b, *f.Ack, `xmlns:wsrm="`+ns+`"`)
			return b.String()
		}
	case WSRMRequired, CreateSequenceRefused:
		return ""
	case MessageNumberRollover:
		if ns == NSRM {
			return `<wsrm:Identifier xmlns:wsrm="` + ns + `">` + escape(f.Group) +
				`</wsrm:Identifier><wsrm:MaxMessageNumber xmlns:wsrm="` + ns + `">` + u64(f.Max) + `</wsrm:MaxMessageNumber>`
		}
	}
	if f.Group == "" {
		return ""
	}
	return `<wsrm:Identifier xmlns:wsrm="` + ns + `">` + escape(f.Group) + `</wsrm:Identifier>`
}
