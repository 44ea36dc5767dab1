package conformance

import (
	"net/http"
	"strings"
	"testing"
)

func TestChecker_Fault(t *testing.T) {
	const env11 = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:w="urn:wsgw:faults" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Body><s:Fault>`
	cases := []struct {
		name, reply string
		fault       FaultExpect
		wantErr     string // "" for no error
	}{
		{"dot notation", env11 + `<faultcode>s:Client.Auth</faultcode></s:Fault></s:Body></s:Envelope>`,
			FaultExpect{Code: QNames{"s11:Client"}}, ""},
		{"other code", env11 + `<faultcode>s:Server</faultcode></s:Fault></s:Body></s:Envelope>`,
			FaultExpect{Code: QNames{"s11:Client"}}, `fault code: got s11:Server (faultstring ""), want s11:Client`},
		{"1.1 subcode as faultcode", env11 + `<faultcode>a:ActionNotSupported</faultcode></s:Fault></s:Body></s:Envelope>`,
			FaultExpect{Subcodes: QNames{"wsa:ActionNotSupported"}}, ""},
		{"1.1 subcode in detail", env11 + `<faultcode>s:Client</faultcode><detail><w:Subcode>w:LimitExceeded</w:Subcode></detail></s:Fault></s:Body></s:Envelope>`,
			FaultExpect{Code: QNames{"s11:Client"}, Subcodes: QNames{"wsgw:LimitExceeded"}}, ""},
		{"1.1 wrong subcode", env11 + `<faultcode>s:Client</faultcode><detail><w:Subcode>w:Busy</w:Subcode></detail></s:Fault></s:Body></s:Envelope>`,
			FaultExpect{Subcodes: QNames{"wsgw:LimitExceeded"}}, "want subcode 1 to be wsgw:LimitExceeded"},
		{"1.2 subcode chain", `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" xmlns:w="urn:wsgw:faults"><e:Body><e:Fault><e:Code><e:Value>e:Receiver</e:Value><e:Subcode><e:Value>w:Busy</e:Value></e:Subcode></e:Code></e:Fault></e:Body></e:Envelope>`,
			FaultExpect{Code: QNames{"s12:Receiver"}, Subcodes: QNames{"wsgw:Busy"}}, ""},
		{"no fault", `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><x/></e:Body></e:Envelope>`,
			FaultExpect{}, "fault: got a SOAP 1.2 envelope without a fault, its Body holding {}x, want a fault"},
		{"not soap", `<x/>`, FaultExpect{},
			`reply is not a SOAP envelope: got XML that is not a SOAP envelope (root element {}x is not a SOAP 1.1 or SOAP 1.2 Envelope): "<x/>"`},
		{"not xml", "A server error occurred.", FaultExpect{Code: QNames{"s11:Client"}},
			`reply is not a SOAP envelope: got 24 bytes that are not XML (`},
		{"empty", "", FaultExpect{}, "reply is not a SOAP envelope: got an empty body"},
		{"1.1 fault without faultcode", env11 + `<faultstring>oops</faultstring></s:Fault></s:Body></s:Envelope>`,
			FaultExpect{Code: QNames{"s11:Client"}}, `fault code: got a Fault without a faultcode (faultstring "oops"), want s11:Client`},
		{"1.1 faultcode unbound", env11 + `<faultcode>zz:Client</faultcode></s:Fault></s:Body></s:Envelope>`,
			FaultExpect{Code: QNames{"s11:Client"}}, `got a Fault whose faultcode "zz:Client" is not a QName in scope`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cs := &Case{ns: BuiltinNamespaces}
			k := &checker{c: cs, v: newVars(nil), r: &reply{status: 500, header: http.Header{}, body: []byte(c.reply)}}
			f := c.fault
			err := k.check(&Expect{Fault: &f})
			switch {
			case c.wantErr == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Errorf("got %v, want an error containing %q", err, c.wantErr)
			}
		})
	}
}

func TestChecker_StatusSaysWhatTheReplyWas(t *testing.T) {
	cases := []struct {
		name, ctype, body, want string
	}{
		{"not xml", "text/plain", "A server error occurred.  Please contact the administrator.",
			`HTTP status: got 500 with 59 bytes that are not XML (`},
		{"long", "text/html", "<p>" + strings.Repeat("x", 200),
			`"<p>` + strings.Repeat("x", 117) + `"…`},
		{"soap", "text/xml", `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:R xmlns:m="urn:m"/></s:Body></s:Envelope>`,
			"HTTP status: got 500 with a SOAP 1.1 envelope without a fault, its Body holding {urn:m}R, want 200"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k := &checker{c: &Case{ns: BuiltinNamespaces}, v: newVars(nil),
				r: &reply{status: 500, header: http.Header{"Content-Type": {c.ctype}}, body: []byte(c.body)}}
			err := k.check(&Expect{Status: IntSet{200}})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}
