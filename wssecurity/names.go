package wssecurity

import (
	"encoding/xml"

	"github.com/wsgw/wsgw/soap"
)

// Namespaces and URIs of WS-Security 1.0/1.1 (SOAP Message Security 1.1,
// 2.3 Table 1; UsernameToken Profile 1.1, 3.1). The 1.1 documents keep the
// 1.0 namespaces for every element this package reads.
const (
	// NSWSSE is the wsse namespace: Security, UsernameToken, Username,
	// Password, Nonce.
	NSWSSE = soap.WSSENS
	// NSWSU is the wsu (utility) namespace: Timestamp, Created, Expires.
	NSWSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
	// NSWSSE11 is the namespace of the 1.1 additions (wsse11:Salt,
	// wsse11:Iteration of UsernameToken Profile 1.1, 4).
	NSWSSE11 = "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd"

	// PasswordText and PasswordDigest are the wsse:Password Type values
	// (UsernameToken Profile 1.1, 3.1).
	PasswordText   = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"
	PasswordDigest = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
	// Base64Binary is the EncodingType of a wsse:Nonce (SOAP Message
	// Security 1.1, 6.3; WS-I BSP 1.1 R4221).
	Base64Binary = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
)

// SecurityHeader is the name of the wsse:Security header block.
var SecurityHeader = xml.Name{Space: NSWSSE, Local: "Security"}

// IsSecurityHeader reports whether n is wsse:Security; a gateway that checks
// the header understands it (soap.Message.CheckMustUnderstand).
func IsSecurityHeader(n xml.Name) bool { return n == SecurityHeader }
