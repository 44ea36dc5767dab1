// Package soap is the wire of wsgw: SOAP 1.1 and 1.2 envelopes read through
// the guarded reader (package xmldoc), SOAP faults as Go errors, and the
// WS-Addressing message addressing properties.
//
// # Specifications
//
//   - SOAP 1.1 (W3C Note, 8 May 2000): 4.1 Envelope, 4.2 Header (actor,
//     mustUnderstand), 4.3 Body, 4.4 Fault, 6.1.1 SOAPAction, 6.2 status.
//   - SOAP 1.2 Part 1 (W3C Rec., 2nd ed. 2007): 2.2-2.4 roles, targeting and
//     understanding headers; 5 (no DTD, no PI); 5.1-5.3 Envelope, Header,
//     Body; 5.4 Fault (5.4.6 codes, 5.4.7 VersionMismatch and Upgrade,
//     5.4.8 MustUnderstand and NotUnderstood); Appendix A (version
//     transition).
//   - SOAP 1.2 Part 2: 7.1.4 and RFC 3902 (application/soap+xml, action);
//     7.5.2.2 HTTP status of faults.
//   - WS-I Basic Profile 1.1: R1011 (nothing after Body), R1109/R2744
//     (SOAPAction), R1113 (400 for malformed HTTP requests).
//   - OASIS WSS SOAP Message Security 1.1 (1 February 2006): 12, the fault
//     codes (Table 7), in the fault table; package wssecurity reads the
//     Security header.
//   - WS-Addressing 1.0 Core and SOAP Binding (W3C Rec. 9 May 2006): Core 3
//     (properties, defaults), SOAP Binding 2-3 (headers, targeting) and 6
//     (faults); the 2004/08 member submission namespace is read too.
//
// # Choices
//
// Reply version. A fault is answered in the version of the request. When
// that cannot be known (input that is not XML before its root, or an
// envelope in an unknown namespace), Fault.Version is 0 and the caller
// answers in Fault.VersionOr(the version its Content-Type names): SOAP 1.2
// for application/soap+xml, else SOAP 1.1. So an unknown envelope sent as
// application/soap+xml gets a SOAP 1.2 VersionMismatch (as the W3C test
// collection's T24 expects), and one sent as text/xml a SOAP 1.1
// VersionMismatch a SOAP 1.1 toolkit can read (Appendix A). Both carry the
// Upgrade header listing SOAP 1.2 then SOAP 1.1. A root in a SOAP namespace
// with another local name is a VersionMismatch too (SOAP 1.2 5.4.6), in
// that namespace's version.
//
// Missing SOAPAction. A SOAP 1.1 request without the SOAPAction header is
// refused (HTTP 400, Client fault wsgw:MalformedMessage): SOAP 1.1 6.1.1
// says the client MUST send it. An empty value is accepted (no intent
// given); so is a value without the quotes BP 1.1 asks for.
//
// SOAP 1.1 faultcodes for subcodes. SOAP 1.1 has no subcodes. By default
// a fault with subcodes is written in SOAP 1.1 with the SOAP 1.1 code as
// its faultcode (soap:Client for Sender, soap:Server for Receiver), as WS-I
// BP 1.1 R1004 prefers, and each subcode as a wsgw:Subcode entry leading
// the detail (<wsgw:Subcode>wsgw:Busy</wsgw:Subcode>); R1031 rules out the
// "Client.Busy" dot notation. A toolkit thus sees Client or Server, which
// tells it whose fault it is, and the subcode is not lost. Specs whose
// SOAP 1.1 binding says otherwise set Fault.SubcodeFaultcode: then the
// outermost subcode is the faultcode (WS-Addressing 1.0 SOAP Binding 6:
// wsa:InvalidAddressingHeader; WS-ReliableMessaging 1.2, 4; WS-Security
// 1.1 SOAP Message Security 12: wsse:FailedAuthentication), the inner
// subcodes (wsa:InvalidCardinality) are not written, and the detail of a
// WS-Addressing fault goes in a wsa:FaultDetail header block. Message.Fault
// reads both forms back. The golden files in testdata/faults pin them.
//
// Trailing elements. SOAP 1.1 allows elements after the Body; WS-I BP 1.1
// R1011 forbids them, and so does this package (Client fault), as SOAP 1.2
// does (Sender fault).
//
// Strictness. Unqualified attributes on Envelope, Header or Body, text in
// them, unqualified header blocks, SOAP 1.2 attributes in the envelope
// namespace on Envelope, Header or Body (env:encodingStyle included), and
// mustUnderstand or relay values outside the version's lexical space are
// Sender faults. Unqualified Body children are accepted (SOAP 1.2 says
// SHOULD be qualified).
//
// WS-Addressing. Only headers targeted at this node as ultimate receiver
// (no role, ultimateReceiver or next; never none or another role) are read.
// The namespace of the first such header is the message's; headers in the
// other WS-Addressing namespace are ignored. In the 2004/08 namespace the
// faults use the submission's subcodes, with the ProblemHeaderQName style
// detail in that namespace.
//
// # API in brief
//
//   - ParseContentType: version and HTTP action of a request.
//   - ReadMessage / ReadMessageBytes: the envelope, its header blocks and
//     payload; Message.CheckMustUnderstand; Message.Fault reads a fault
//     reply.
//   - ReadAddressing: the WS-Addressing properties; CheckAction compares
//     them with the HTTP action.
//   - Faults: Sender, Receiver, VersionMismatch, MustUnderstand, NewFault
//     (wsgw and WS-Security 1.1 subcodes, faultcodes.go holds the one
//     table), the WS-Addressing
//     constructors (InvalidAddressingHeader, InvalidCardinality,
//     MessageAddressingHeaderRequired, ActionNotSupported,
//     DestinationUnreachable), Fault.WithAddressing for the reply headers;
//     Fault.Marshal and Fault.WriteHTTP write one in either version.
package soap
