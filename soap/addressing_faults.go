package soap

import (
	"bytes"
	"encoding/xml"
)

// WS-Addressing 1.0 SOAP Binding 6.4 fault subcodes and detail elements, in
// the WS-Addressing 1.0 namespace. For a message in the 2004/08 submission
// namespace the constructors below use the submission's subcodes instead
// (InvalidMessageInformationHeader, MessageInformationHeaderRequired, which
// has no InvalidCardinality level) in that namespace.
var (
	WSAInvalidAddressingHeader         = xml.Name{Space: WSANS, Local: "InvalidAddressingHeader"}
	WSAInvalidAddress                  = xml.Name{Space: WSANS, Local: "InvalidAddress"}
	WSAInvalidEPR                      = xml.Name{Space: WSANS, Local: "InvalidEPR"}
	WSAInvalidCardinality              = xml.Name{Space: WSANS, Local: "InvalidCardinality"}
	WSAMissingAddressInEPR             = xml.Name{Space: WSANS, Local: "MissingAddressInEPR"}
	WSAActionMismatch                  = xml.Name{Space: WSANS, Local: "ActionMismatch"}
	WSAMessageAddressingHeaderRequired = xml.Name{Space: WSANS, Local: "MessageAddressingHeaderRequired"}
	WSADestinationUnreachable          = xml.Name{Space: WSANS, Local: "DestinationUnreachable"}
	WSAActionNotSupported              = xml.Name{Space: WSANS, Local: "ActionNotSupported"}
	WSAEndpointUnavailable             = xml.Name{Space: WSANS, Local: "EndpointUnavailable"}

	// Detail elements (SOAP Binding 6.4) and the SOAP 1.1 detail header (6.2).
	WSAProblemHeaderQName = xml.Name{Space: WSANS, Local: "ProblemHeaderQName"}
	WSAProblemAction      = xml.Name{Space: WSANS, Local: "ProblemAction"}
	WSAProblemIRI         = xml.Name{Space: WSANS, Local: "ProblemIRI"}
	WSAFaultDetail        = xml.Name{Space: WSANS, Local: "FaultDetail"}
)

// WSAFaultAction returns the [action] of WS-Addressing faults in namespace
// ns ("" means WSANS).
func WSAFaultAction(ns string) string {
	return wsaNS(ns) + "/fault"
}

func wsaNS(ns string) string {
	if ns == "" {
		return WSANS
	}
	return ns
}

// wsaSubcode returns the subcode local in namespace ns, using the
// submission's name in the 2004/08 namespace.
func wsaSubcode(ns, local string) xml.Name {
	ns = wsaNS(ns)
	if ns == WSANS2004 {
		switch local {
		case "InvalidAddressingHeader":
			local = "InvalidMessageInformationHeader"
		case "MessageAddressingHeaderRequired":
			local = "MessageInformationHeaderRequired"
		}
	}
	return xml.Name{Space: ns, Local: local}
}

// InvalidAddressingHeader is the WS-Addressing fault for an invalid header
// (SOAP Binding 6.4.1); sub is the optional subsubcode local name (e.g.
// "InvalidCardinality", "InvalidAddress"; "" for none), problem the header's
// name, given in the ProblemHeaderQName detail.
func InvalidAddressingHeader(v Version, ns string, problem xml.Name, sub string) *Fault {
	f := wsaFault(v, ns, CodeSender, "InvalidAddressingHeader",
		"A header representing a Message Addressing Property is not valid and the message cannot be processed")
	if sub != "" && wsaNS(ns) == WSANS {
		f.Subcodes = append(f.Subcodes, xml.Name{Space: WSANS, Local: sub})
	}
	f.Detail = problemHeaderQName(wsaNS(ns), problem)
	return f
}

// InvalidCardinality is InvalidAddressingHeader with the InvalidCardinality
// subsubcode, for a header that occurs more than once.
func InvalidCardinality(v Version, ns string, problem xml.Name) *Fault {
	f := InvalidAddressingHeader(v, ns, problem, "InvalidCardinality")
	f.Reason += ": more than one " + problem.Local
	return f
}

// MessageAddressingHeaderRequired is the fault for a missing required
// header (SOAP Binding 6.4.2), naming it in ProblemHeaderQName.
func MessageAddressingHeaderRequired(v Version, ns string, missing xml.Name) *Fault {
	f := wsaFault(v, ns, CodeSender, "MessageAddressingHeaderRequired",
		"A required header representing a Message Addressing Property is not present")
	f.Detail = problemHeaderQName(wsaNS(ns), missing)
	return f
}

// ActionNotSupported is the fault for an [action] the endpoint does not
// handle (SOAP Binding 6.4.4), with the ProblemAction detail.
func ActionNotSupported(v Version, ns, action string) *Fault {
	f := wsaFault(v, ns, CodeSender, "ActionNotSupported",
		"The ["+action+"] cannot be processed at the receiver")
	var b bytes.Buffer
	b.WriteString(`<wsa:ProblemAction xmlns:wsa="` + wsaNS(ns) + `"><wsa:Action>`)
	escape(&b, action)
	b.WriteString(`</wsa:Action></wsa:ProblemAction>`)
	f.Detail = b.Bytes()
	return f
}

// DestinationUnreachable is the fault for a [destination] no route leads to
// (SOAP Binding 6.4.3), with the ProblemIRI detail.
func DestinationUnreachable(v Version, ns, to string) *Fault {
	f := wsaFault(v, ns, CodeSender, "DestinationUnreachable",
		"No route can be determined to reach ["+to+"]")
	var b bytes.Buffer
	b.WriteString(`<wsa:ProblemIRI xmlns:wsa="` + wsaNS(ns) + `">`)
	escape(&b, to)
	b.WriteString(`</wsa:ProblemIRI>`)
	f.Detail = b.Bytes()
	return f
}

// wsaFault builds a WS-Addressing fault whose envelope carries the
// wsa:Action of WS-Addressing faults (SOAP Binding 6).
func wsaFault(v Version, ns string, code Code, local, reason string) *Fault {
	ns = wsaNS(ns)
	return &Fault{
		Code:     code,
		Subcodes: []xml.Name{wsaSubcode(ns, local)},
		// WS-Addressing 1.0 SOAP Binding 6: in SOAP 1.1 the subcode is
		// the faultcode.
		SubcodeFaultcode: true,
		Reason:           reason,
		Version:          v,
		Header:           []byte(`<wsa:Action xmlns:wsa="` + ns + `">` + WSAFaultAction(ns) + `</wsa:Action>`),
	}
}

// problemHeaderQName returns <wsa:ProblemHeaderQName>p:local</...> with the
// prefixes it needs declared.
func problemHeaderQName(ns string, n xml.Name) []byte {
	var b bytes.Buffer
	b.WriteString(`<wsa:ProblemHeaderQName xmlns:wsa="` + ns + `"`)
	prefix := "wsa"
	if n.Space != ns {
		prefix = "p"
		b.WriteString(` xmlns:p="`)
		escape(&b, n.Space)
		b.WriteByte('"')
	}
	b.WriteString(">" + prefix + ":")
	escape(&b, n.Local)
	b.WriteString("</wsa:ProblemHeaderQName>")
	return b.Bytes()
}

// WithAddressing makes f a WS-Addressing reply to a message with the
// addressing properties a (SOAP Binding 3.3; Core 3.4): it adds to
// f.Header the wsa:Action of faults (unless f already has a wsa:Action
// header) and a wsa:RelatesTo naming a.MessageID when there is one. It
// does nothing when the message used no WS-Addressing (a.NS == ""). The
// reference parameters of the fault endpoint are not echoed.
func (f *Fault) WithAddressing(a Addressing) *Fault {
	if a.NS == "" {
		return f
	}
	var b bytes.Buffer
	b.Write(f.Header)
	if !bytes.Contains(f.Header, []byte(":Action ")) {
		b.WriteString(`<wsa:Action xmlns:wsa="` + a.NS + `">` + WSAFaultAction(a.NS) + `</wsa:Action>`)
	}
	if a.MessageID != "" {
		b.WriteString(`<wsa:RelatesTo xmlns:wsa="` + a.NS + `">`)
		escape(&b, a.MessageID)
		b.WriteString(`</wsa:RelatesTo>`)
	}
	f.Header = b.Bytes()
	return f
}

// CheckAction checks the action of the HTTP binding (SOAP 1.1 SOAPAction,
// SOAP 1.2 action media type parameter) against the WS-Addressing [action]
// of a (SOAP Binding 4.1-4.2): when both are present they must be equal,
// else InvalidAddressingHeader / ActionMismatch. An empty httpAction, or a
// message without WS-Addressing, passes.
func CheckAction(v Version, a Addressing, httpAction string) error {
	if a.NS == "" || httpAction == "" || httpAction == a.Action {
		return nil
	}
	f := InvalidAddressingHeader(v, a.NS, xml.Name{Space: a.NS, Local: "Action"}, "ActionMismatch")
	f.Reason += ": the HTTP action " + httpAction + " differs from wsa:Action " + a.Action
	return f
}
