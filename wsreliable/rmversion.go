package wsreliable

import (
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// The engine speaks two versions of WS-ReliableMessaging on the receiving
// side, as two Protocol values on one set of sequences:
//
//   - RM: WS-RM 1.2 (OASIS Standard, 2009; namespace
//     http://docs.oasis-open.org/ws-rx/wsrm/200702), over WS-Addressing 1.0.
//   - RM200502: WS-RM February 2005 (BEA, IBM, Microsoft, TIBCO; namespace
//     http://schemas.xmlsoap.org/ws/2005/02/rm), over WS-Addressing 2004/08
//     (WS-Addressing 1.0 is taken too, as WCF, Sandesha2 and gSOAP send it).
//
// They share the model (sequences of numbered messages, acknowledgement
// ranges, AckRequested, duplicate elimination, ordering) and differ in
// what the February 2005 text has and lacks:
//
//	                          1.2                        February 2005
//	end of a sequence         CloseSequence (3.5),       Sequence/LastMessage (3.1) on
//	                          LastMsgNumber              the last message, then
//	                                                     TerminateSequence (3.5)
//	TerminateSequence answer  TerminateSequenceResponse  none (HTTP 202: a one-way
//	                                                     message, as WCF answers it)
//	SequenceAcknowledgement   Final, None                neither; nothing received is
//	                                                     the range 0-0 (WCF B1402)
//	CreateSequence/Offer      Endpoint required          no Endpoint; Expires ignored
//	CreateSequenceResponse    IncompleteSequenceBehavior none
//	faults (4)                SequenceClosed,            LastMessageNumberExceeded
//	                          WSRMRequired
//	fault action              .../200702/fault           WS-Addressing's fault action
//	SOAP 1.1 faults           SequenceFault header with  SequenceFault header with the
//	                          wsrm:Detail; faultcode     detail elements in it (no
//	                          Client/Server              Detail); faultcode Client/
//	                                                     Server, but the code itself
//	                                                     (wsrm:CreateSequenceRefused)
//	                                                     for a fault of processing
//	                                                     CreateSequence (4)
//	an empty-bodied message   delivered                  with the LastMessage action:
//	                                                     numbered and acknowledged,
//	                                                     never delivered (WCF B1202)
//
// A sequence keeps the version its CreateSequence spoke (inGroup.Proto).
// The codecs tell the version of a request by the namespace of its RM
// elements (one request mixing both is malformed); a message of the
// other version about a sequence is UnknownSequence; every reply,
// acknowledgement and fault about a sequence is written in its version,
// with the WS-Addressing namespace its client spoke.

// rmVersion is what the codecs need of one WS-RM version.
type rmVersion struct {
	proto Protocol
	ns    string // namespace of the RM elements and actions
	// wsa is the WS-Addressing namespace the specification names, used
	// when neither the request nor the group's client said which.
	wsa string
	// title names the version in fault reasons.
	title string
}

var (
	rm12     = &rmVersion{proto: RM, ns: NSRM, wsa: soap.WSANS, title: "WS-ReliableMessaging 1.2"}
	rm200502 = &rmVersion{proto: RM200502, ns: NSRM200502, wsa: soap.WSANS2004, title: "WS-ReliableMessaging February 2005"}
)

// versionOf returns the WS-RM version of protocol p (1.2 for anything
// else, as for WS-MakeConnection and WS-Reliability replies).
func versionOf(p Protocol) *rmVersion {
	if p == RM200502 {
		return rm200502
	}
	return rm12
}

// action is the wsa:Action of the protocol message name in v.
func (v *rmVersion) action(name string) string { return v.ns + "/" + name }

// ActionLastMessage is the wsa:Action of WS-RM February 2005's
// empty-bodied last message of a sequence (3.1; WCF B1202), the only
// action of that version without a counterpart in 1.2.
const ActionLastMessage = NSRM200502 + "/LastMessage"

// anonymousOf is the anonymous address of WS-Addressing namespace ns.
func anonymousOf(ns string) string {
	if ns == soap.WSANS2004 {
		return soap.WSAAnonymous2004
	}
	return soap.WSAAnonymous
}

// wsaAction is the wsa:Action header of m targeted here (either
// WS-Addressing namespace), "" when m has none.
func wsaAction(m *soap.Message) string {
	for _, h := range m.Headers {
		if h.Name.Local == "Action" && (h.Name.Space == soap.WSANS || h.Name.Space == soap.WSANS2004) && h.Targeted(true) {
			return text(h.Element)
		}
	}
	return ""
}

// rmNamespaceOf returns the WS-RM namespace of e's name, "" for another.
func rmNamespaceOf(e xmldoc.Element) string {
	if s := e.Name().Space; s == NSRM || s == NSRM200502 {
		return s
	}
	return ""
}
