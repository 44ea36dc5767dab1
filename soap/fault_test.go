package soap

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

// faultCases are the faults pinned by testdata/faults/<case>/want1{1,2}.xml.
func faultCases() map[string]*Fault {
	detailed := Sender(`bad <input> & "quotes"`)
	detailed.Detail = []byte(`<e:why xmlns:e="urn:example">because</e:why>`)
	detailed.Role = "http://gw.example/role"
	withCause := Receiver("backend failed", FaultBackendUnavailable).WithCause(errors.New("dial tcp: refused"))
	twoNS := Sender("nested", xml.Name{Space: "urn:a", Local: "A"}, xml.Name{Space: "urn:b", Local: "B"}, xml.Name{Local: "Bare"})
	return map[string]*Fault{
		"sender":                       Sender("the request is wrong"),
		"receiver":                     Receiver("the gateway failed"),
		"detail_role":                  detailed,
		"cause":                        withCause,
		"nested_subcodes":              twoNS,
		"busy":                         NewFault(V12, FaultBusy, "stage dispatch is saturated"),
		"unsupported_media_type":       NewFault(0, FaultUnsupportedMediaType, "Content-Type application/json is not a SOAP media type"),
		"version_mismatch":             VersionMismatch("root element {urn:wrong}Envelope is not a SOAP 1.1 or SOAP 1.2 Envelope"),
		"must_understand":              MustUnderstand(V12, xml.Name{Space: "urn:x", Local: "Tx"}, xml.Name{Space: "urn:y", Local: "Sec"}),
		"data_encoding_unknown":        {Code: CodeDataEncodingUnknown, Reason: "unknown encoding"},
		"wsa_invalid_cardinality":      InvalidCardinality(V12, WSANS, xml.Name{Space: WSANS, Local: "To"}),
		"wsa_invalid_cardinality_2004": InvalidCardinality(V11, WSANS2004, xml.Name{Space: WSANS2004, Local: "ReplyTo"}),
		"wsa_header_required":          MessageAddressingHeaderRequired(V12, WSANS, xml.Name{Space: WSANS, Local: "Action"}),
		"wsa_action_not_supported":     ActionNotSupported(V12, "", "urn:example:Nope"),
		"wsa_destination_unreachable":  DestinationUnreachable(V12, WSANS, "http://elsewhere/x"),
		"wsa_with_addressing":          ActionNotSupported(V11, WSANS, "urn:x").WithAddressing(Addressing{NS: WSANS, MessageID: "urn:uuid:1"}),
		"zero":                         {},
		"wsa_invalid_foreign_header":   InvalidAddressingHeader(V11, WSANS, xml.Name{Space: "urn:ext", Local: "Thing"}, "InvalidEPR"),
		"wsse_failed_authentication":   NewFault(V12, WSSEFailedAuthentication, ""),
		"wsse_invalid_security_token":  NewFault(V11, WSSEInvalidSecurityToken, "wsse:UsernameToken has no wsse:Username"),
	}
}

func TestFault_Golden(t *testing.T) {
	for name, f := range faultCases() {
		for _, v := range []Version{V11, V12} {
			file := filepath.Join("testdata", "faults", name, "want1"+v.String()[2:]+".xml")
			got := f.Marshal(v)
			checkWellFormed(t, file, got)
			if *update {
				if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%s: %v (run go test ./soap -update)", file, err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s:\ngot  %s\nwant %s", file, got, want)
			}
		}
	}
}

// checkWellFormed decodes b fully with encoding/xml.
func checkWellFormed(t *testing.T, name string, b []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("%s: not well-formed: %v\n%s", name, err, b)
		}
	}
}

// faultShape is what a client reads from a fault envelope.
type faultShape struct {
	Code11 string `xml:"Body>Fault>faultcode"`
	Code12 string `xml:"Body>Fault>Code>Value"`
}

func TestFault_Marshal_Codes(t *testing.T) {
	tests := []struct {
		f      *Fault
		v      Version
		code11 string
		code12 string
	}{
		{Sender("x"), V11, "soap:Client", ""},
		{Receiver("x"), V11, "soap:Server", ""},
		{Sender("x"), V12, "", "env:Sender"},
		{NewFault(0, FaultBusy, "x"), V11, "soap:Server", ""},
		{NewFault(0, FaultBusy, "x"), V12, "", "env:Receiver"},
		{InvalidCardinality(V11, WSANS, xml.Name{Space: WSANS, Local: "To"}), V11, "wsa:InvalidAddressingHeader", ""},
		{VersionMismatch("x"), V11, "soap:VersionMismatch", ""},
	}
	for i, tt := range tests {
		var s faultShape
		if err := xml.Unmarshal(tt.f.Marshal(tt.v), &s); err != nil {
			t.Fatal(err)
		}
		if s.Code11 != tt.code11 || s.Code12 != tt.code12 {
			t.Errorf("%d: got codes %q/%q, want %q/%q", i, s.Code11, s.Code12, tt.code11, tt.code12)
		}
	}
}

func TestFault_HTTPStatus(t *testing.T) {
	tests := []struct {
		f    *Fault
		v    Version
		want int
	}{
		{Sender("x"), V12, 400},
		{Sender("x"), V11, 500},
		{Receiver("x"), V12, 500},
		{VersionMismatch("x"), V12, 500},
		{MustUnderstand(V12), V12, 500},
		{&Fault{Code: CodeDataEncodingUnknown}, V12, 500},
		{NewFault(V12, FaultBusy, "x"), V12, 503},
		{NewFault(V11, FaultBusy, "x"), V11, 503},
		{NewFault(V11, FaultUnsupportedMediaType, "x"), V11, 415},
	}
	for i, tt := range tests {
		if got := tt.f.HTTPStatus(tt.v); got != tt.want {
			t.Errorf("%d %s in %s: got %d, want %d", i, tt.f, tt.v, got, tt.want)
		}
	}
}

func TestFault_WriteHTTP(t *testing.T) {
	rec := httptest.NewRecorder()
	rec.Header().Set("Retry-After", "2")
	NewFault(V12, FaultBusy, "busy").WriteHTTP(rec, V12)
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("got status %d, want 503", rec.Code)
	}
	if got, want := rec.Header().Get("Content-Type"), "application/soap+xml; charset=utf-8"; got != want {
		t.Errorf("got Content-Type %q, want %q", got, want)
	}
	if got := rec.Header().Get("Retry-After"); got != "2" {
		t.Errorf("got Retry-After %q, want 2", got)
	}
	if !bytes.Contains(rec.Body.Bytes(), []byte("wsgw:Busy")) {
		t.Errorf("got body %s, want wsgw:Busy subcode", rec.Body)
	}
}

func TestFault_ErrorAndUnwrap(t *testing.T) {
	cause := errors.New("boom")
	f := Sender("bad", FaultMalformedMessage).WithCause(cause)
	if got, want := f.Error(), "soap fault Sender/MalformedMessage: bad"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !errors.Is(f, cause) {
		t.Errorf("errors.Is(f, cause) = false, want true")
	}
}

func TestFault_VersionOr(t *testing.T) {
	tests := []struct {
		fv, hint, want Version
	}{
		{0, 0, V11}, {0, V12, V12}, {0, V11, V11}, {V11, V12, V11}, {V12, V11, V12},
	}
	for _, tt := range tests {
		f := &Fault{Version: tt.fv}
		if got := f.VersionOr(tt.hint); got != tt.want {
			t.Errorf("Version %v hint %v: got %v, want %v", tt.fv, tt.hint, got, tt.want)
		}
	}
}

func TestNewFault_TableIsComplete(t *testing.T) {
	for _, n := range []xml.Name{FaultBusy, FaultOutcomeUnknown, FaultNoRoute, FaultBackendUnavailable,
		FaultBackendTimeout, FaultPartitionKeyMissing, FaultOperationNotFound, FaultLimitExceeded,
		FaultMalformedMessage, FaultUnsupportedMediaType, FaultNonceCacheFull,
		WSSEUnsupportedSecurityToken, WSSEUnsupportedAlgorithm, WSSEInvalidSecurity, WSSEInvalidSecurityToken,
		WSSEFailedAuthentication, WSSEFailedCheck, WSSESecurityTokenUnavailable, WSSEMessageExpired} {
		if _, ok := faultTable[n]; !ok {
			t.Errorf("subcode %s has no row in faultTable", n.Local)
		}
	}
}

// TestNewFault_WSSecurity checks the WS-Security 1.1 form (SOAP Message
// Security 1.1, 12): the spec's fault string leads the reason, SOAP 1.1
// carries the code as the faultcode, SOAP 1.2 as the Subcode of Sender.
func TestNewFault_WSSecurity(t *testing.T) {
	f := NewFault(V11, WSSEMessageExpired, "wsu:Created is 10m0s old")
	if want := "The message has expired: wsu:Created is 10m0s old"; f.Reason != want {
		t.Errorf("reason: got %q, want %q", f.Reason, want)
	}
	m11 := string(f.Marshal(V11))
	if !bytes.Contains([]byte(m11), []byte(`<faultcode>wsse:MessageExpired</faultcode>`)) ||
		!bytes.Contains([]byte(m11), []byte(`xmlns:wsse="`+WSSENS+`"`)) {
		t.Errorf("SOAP 1.1: got %s, want faultcode wsse:MessageExpired with wsse declared", m11)
	}
	m12 := string(f.Marshal(V12))
	if !bytes.Contains([]byte(m12), []byte(`<env:Value>env:Sender</env:Value><env:Subcode><env:Value>wsse:MessageExpired</env:Value>`)) {
		t.Errorf("SOAP 1.2: got %s, want Sender with Subcode wsse:MessageExpired", m12)
	}
	if got := f.HTTPStatus(V12); got != http.StatusBadRequest {
		t.Errorf("SOAP 1.2 status: got %d, want 400", got)
	}
	if got := NewFault(V12, WSSEFailedAuthentication, "").Reason; got != "The security token could not be authenticated or authorized" {
		t.Errorf("empty reason: got %q, want the spec's fault string alone", got)
	}
}
