package wsnotify

import (
	"bytes"
	"encoding/xml"
	"time"

	"github.com/wsgw/wsgw/soap"
)

// The WS-Notification faults the broker raises: the one table. Each fault
// is a SOAP fault whose Detail holds the fault element, a WSRF BaseFault
// (bf-2.xsd: Timestamp, Description) extended per b-2.xsd/br-2.xsd. The
// SOAP code says whose fault it is; no SOAP subcode is added, so SOAP 1.1
// toolkits see Client/Server and map the fault by its detail element (the
// wsdl:fault message parts of bw-2.wsdl and brw-2.wsdl).
//
//	fault element                              code      raised by (bw-2/brw-2 operation)
//	wsrf-r:ResourceUnknownFault                Sender    every operation on /{kind}/{id}: no such resource
//	wsnt:InvalidFilterFault                    Sender    Subscribe: a Filter child the broker does not know (UnknownFilter)
//	wsnt:TopicExpressionDialectUnknownFault    Sender    Subscribe, GetCurrentMessage, RegisterPublisher
//	wsnt:InvalidTopicExpressionFault           Sender    Subscribe, GetCurrentMessage, RegisterPublisher
//	wsnt:TopicNotSupportedFault                Sender    Subscribe, GetCurrentMessage, RegisterPublisher (fixed topic set)
//	wsnt:InvalidProducerPropertiesExpressionFault Sender Subscribe
//	wsnt:InvalidMessageContentExpressionFault  Sender    Subscribe
//	wsnt:UnacceptableInitialTerminationTimeFault Sender  Subscribe, RegisterPublisher (MinimumTime, MaximumTime)
//	wsnt:UnrecognizedPolicyRequestFault        Sender    Subscribe: a policy outside the b-2 namespace
//	wsnt:UnsupportedPolicyRequestFault         Sender    Subscribe: a b-2 policy other than UseRaw
//	wsnt:NotifyMessageNotSupportedFault        -         never: every message can be wrapped in Notify
//	wsnt:SubscribeCreationFailedFault          Sender    Subscribe: consumer refused (egress), over a bound (in all, per consumer, per caller), store failure (Receiver)
//	wsnt:NoCurrentMessageOnTopicFault          Sender    GetCurrentMessage
//	wsnt:MultipleTopicsSpecifiedFault          Sender    GetCurrentMessage: the expression is not one concrete topic
//	wsnt:UnableToGetMessagesFault              Receiver  GetMessages: bad MaximumNumber (Sender) or store failure
//	wsnt:UnableToDestroyPullPointFault         Receiver  DestroyPullPoint: store failure
//	wsnt:UnableToCreatePullPointFault          Receiver  CreatePullPoint: over MaxPullPoints or store failure; Sender: over MaxPullPointsPerCaller
//	wsnt:UnacceptableTerminationTimeFault      Sender    Renew (MinimumTime, MaximumTime)
//	wsnt:UnableToDestroySubscriptionFault      Receiver  Unsubscribe: store failure
//	wsnt:PauseFailedFault                      Receiver  PauseSubscription: store failure
//	wsnt:ResumeFailedFault                     Receiver  ResumeSubscription: store failure
//	wsn-br:PublisherRegistrationRejectedFault  Sender    RegisterPublisher (demand without publisher, publisher refused by egress, over MaxRegistrationsPerCaller); Notify from an unregistered publisher when RequireRegistration
//	wsn-br:PublisherRegistrationFailedFault    Receiver  RegisterPublisher: over a bound or store failure
//	wsn-br:ResourceNotDestroyedFault           Receiver  DestroyRegistration: store failure
var (
	fResourceUnknown          = xml.Name{Space: NSR, Local: "ResourceUnknownFault"}
	fInvalidFilter            = bn("InvalidFilterFault")
	fDialectUnknown           = bn("TopicExpressionDialectUnknownFault")
	fInvalidTopicExpression   = bn("InvalidTopicExpressionFault")
	fTopicNotSupported        = bn("TopicNotSupportedFault")
	fInvalidProducerProps     = bn("InvalidProducerPropertiesExpressionFault")
	fInvalidMessageContent    = bn("InvalidMessageContentExpressionFault")
	fUnacceptableInitialTime  = bn("UnacceptableInitialTerminationTimeFault")
	fUnrecognizedPolicy       = bn("UnrecognizedPolicyRequestFault")
	fUnsupportedPolicy        = bn("UnsupportedPolicyRequestFault")
	fNotifyMessageUnsupported = bn("NotifyMessageNotSupportedFault")
	fSubscribeCreationFailed  = bn("SubscribeCreationFailedFault")
	fNoCurrentMessage         = bn("NoCurrentMessageOnTopicFault")
	fMultipleTopics           = bn("MultipleTopicsSpecifiedFault")
	fUnableToGetMessages      = bn("UnableToGetMessagesFault")
	fUnableToDestroyPullPoint = bn("UnableToDestroyPullPointFault")
	fUnableToCreatePullPoint  = bn("UnableToCreatePullPointFault")
	fUnacceptableTermTime     = bn("UnacceptableTerminationTimeFault")
	fUnableToDestroySub       = bn("UnableToDestroySubscriptionFault")
	fPauseFailed              = bn("PauseFailedFault")
	fResumeFailed             = bn("ResumeFailedFault")
	fRegistrationRejected     = brn("PublisherRegistrationRejectedFault")
	fRegistrationFailed       = brn("PublisherRegistrationFailedFault")
	fResourceNotDestroyed     = brn("ResourceNotDestroyedFault")
)

var faultCodes = map[xml.Name]soap.Code{
	fResourceUnknown: soap.CodeSender, fInvalidFilter: soap.CodeSender,
	fDialectUnknown: soap.CodeSender, fInvalidTopicExpression: soap.CodeSender,
	fTopicNotSupported: soap.CodeSender, fInvalidProducerProps: soap.CodeSender,
	fInvalidMessageContent: soap.CodeSender, fUnacceptableInitialTime: soap.CodeSender,
	fUnrecognizedPolicy: soap.CodeSender, fUnsupportedPolicy: soap.CodeSender,
	fNotifyMessageUnsupported: soap.CodeSender, fSubscribeCreationFailed: soap.CodeSender,
	fNoCurrentMessage: soap.CodeSender, fMultipleTopics: soap.CodeSender,
	fUnableToGetMessages: soap.CodeReceiver, fUnableToDestroyPullPoint: soap.CodeReceiver,
	fUnableToCreatePullPoint: soap.CodeReceiver, fUnacceptableTermTime: soap.CodeSender,
	fUnableToDestroySub: soap.CodeReceiver, fPauseFailed: soap.CodeReceiver,
	fResumeFailed: soap.CodeReceiver, fRegistrationRejected: soap.CodeSender,
	fRegistrationFailed: soap.CodeReceiver, fResourceNotDestroyed: soap.CodeReceiver,
}

// wsnFault builds the SOAP fault for fault element name with the BaseFault
// detail; extra is serialised b-2 elements (prefix wsnt is declared) that
// extend the BaseFault (UnknownFilter, MinimumTime, ...).
func wsnFault(name xml.Name, now time.Time, reason, extra string) *soap.Fault {
	code, ok := faultCodes[name]
	if !ok {
		code = soap.CodeReceiver
	}
	var b bytes.Buffer
	b.WriteString(`<f:` + name.Local + ` xmlns:f="` + name.Space + `" xmlns:wsrf-bf="` + NSBF + `" xmlns:wsnt="` + NSB + `">`)
	b.WriteString(`<wsrf-bf:Timestamp>` + xsdTime(now) + `</wsrf-bf:Timestamp>`)
	b.WriteString(`<wsrf-bf:Description>`)
	escapeAttr(&b, reason)
	b.WriteString(`</wsrf-bf:Description>`)
	b.WriteString(extra)
	b.WriteString(`</f:` + name.Local + `>`)
	return &soap.Fault{Code: code, Reason: reason, Detail: b.Bytes()}
}

// qnameElem writes <wsnt:local xmlns:q="ns">q:name</wsnt:local>, an
// xsd:QName-valued element (UnknownFilter, UnrecognizedPolicy, ...).
func qnameElem(local string, n xml.Name) string {
	if n.Space == "" {
		return `<wsnt:` + local + `>` + esc(n.Local) + `</wsnt:` + local + `>`
	}
	return `<wsnt:` + local + ` xmlns:q="` + esc(n.Space) + `">q:` + esc(n.Local) + `</wsnt:` + local + `>`
}

// timeBounds is the MinimumTime/MaximumTime extension of the termination
// time faults (b-2.xsd).
func timeBounds(minT, maxT time.Time) string {
	s := `<wsnt:MinimumTime>` + xsdTime(minT) + `</wsnt:MinimumTime>`
	if !maxT.IsZero() {
		s += `<wsnt:MaximumTime>` + xsdTime(maxT) + `</wsnt:MaximumTime>`
	}
	return s
}

func xsdTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
