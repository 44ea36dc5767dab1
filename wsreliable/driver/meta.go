package driver

import "github.com/wsgw/wsgw/soap"

// The engine keeps the driver's Meta with each group, opaque to it, and
// hands it back on every Reply and Outbound about the group
// (wsreliable.Message.Meta). The driver's Meta is what it needs to write
// the messages it sends about a group with no request there to tell it
// (acknowledgements to AcksTo, Callback faults), also after a restart: the
// SOAP version its client spoke, then the WS-Addressing namespace (WS-RM
// February 2005 runs over 2004/08 or 1.0, and a sequence keeps one: WCF
// R2102). Two bytes; a group stored with one (before the namespace was
// kept) has none, and the encoder takes its protocol's own.

// wsaCodes numbers the WS-Addressing namespaces in a Meta; 0 is none.
var wsaCodes = [...]string{1: soap.WSANS, 2: soap.WSANS2004}

// groupMeta is the Meta of a group whose client spoke SOAP version v and
// WS-Addressing namespace wsa ("" for none).
func groupMeta(v soap.Version, wsa string) []byte {
	code := byte(0)
	for i, ns := range wsaCodes {
		if ns != "" && ns == wsa {
			code = byte(i)
		}
	}
	return []byte{byte(v), code}
}

// metaVersion is the SOAP version of a group's Meta (SOAP 1.1 when none).
func metaVersion(meta []byte) soap.Version {
	if len(meta) >= 1 && soap.Version(meta[0]) == soap.V12 {
		return soap.V12
	}
	return soap.V11
}

// metaWSA is the WS-Addressing namespace of a group's Meta, "" when none.
func metaWSA(meta []byte) string {
	if len(meta) < 2 || int(meta[1]) >= len(wsaCodes) {
		return ""
	}
	return wsaCodes[meta[1]]
}
