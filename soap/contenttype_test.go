package soap

import (
	"errors"
	"net/http"
	"testing"
)

func TestParseContentType_Accepts(t *testing.T) {
	tests := []struct {
		ct, soapAction string // soapAction "-" means absent
		v              Version
		action         string
	}{
		{"text/xml", `"urn:a"`, V11, "urn:a"},
		{"text/xml; charset=utf-8", `"urn:a"`, V11, "urn:a"},
		{"Text/XML; charset=UTF-8", `""`, V11, ""},
		{"text/xml", ``, V11, ""},
		{"text/xml", `urn:unquoted`, V11, "urn:unquoted"},
		{"application/soap+xml", "-", V12, ""},
		{`application/soap+xml; charset=utf-8; action="urn:b"`, "-", V12, "urn:b"},
		{`application/soap+xml;action=urn:c`, `"urn:ignored"`, V12, "urn:c"},
	}
	for _, tt := range tests {
		h := http.Header{"Content-Type": {tt.ct}}
		if tt.soapAction != "-" {
			h.Set("SOAPAction", tt.soapAction)
		}
		v, action, err := ParseContentType(h)
		if err != nil || v != tt.v || action != tt.action {
			t.Errorf("%q SOAPAction %q: got %v %q %v, want %v %q nil", tt.ct, tt.soapAction, v, action, err, tt.v, tt.action)
		}
	}
}

func TestParseContentType_Refuses(t *testing.T) {
	tests := []struct {
		ct, soapAction string
		status         int
		v              Version
	}{
		{"", "-", 415, 0},
		{"application/json", `""`, 415, 0},
		{"application/xml", `""`, 415, 0},
		{"multipart/related; type=\"application/xop+xml\"", `""`, 415, 0},
		{"text/xml; charset=iso-8859-1", `""`, 415, V11},
		{"application/soap+xml; charset=utf-16", "-", 415, V12},
		{"text/", `""`, 415, 0},
		{"text/xml; charset=\"latin1\"; x=a:b", `""`, 415, V11},
		{"text/xml; charset=utf-8", "-", 400, V11},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.ct != "" {
			h.Set("Content-Type", tt.ct)
		}
		if tt.soapAction != "-" {
			h.Set("SOAPAction", tt.soapAction)
		}
		_, _, err := ParseContentType(h)
		var f *Fault
		if !errors.As(err, &f) {
			t.Errorf("%q: got error %v, want a *Fault", tt.ct, err)
			continue
		}
		if got := f.HTTPStatus(f.VersionOr(0)); got != tt.status {
			t.Errorf("%q: got status %d, want %d", tt.ct, got, tt.status)
		}
		if f.Version != tt.v || f.Code != CodeSender {
			t.Errorf("%q: got %s version %v, want Sender version %v", tt.ct, f.Code, f.Version, tt.v)
		}
	}
}

// What names the action must name one: a Content-Type or SOAPAction field
// given twice, or an action parameter given twice, could be read one way
// by the gateway and another by the backend it forwards to, and is refused.
func TestParseContentType_RefusesRepeats(t *testing.T) {
	tests := []struct {
		name   string
		h      http.Header
		status int
	}{
		{"two SOAPAction fields", http.Header{"Content-Type": {"text/xml"}, "Soapaction": {`"urn:get"`, `"urn:set"`}}, 400},
		{"two Content-Type fields", http.Header{"Content-Type": {`application/soap+xml; action="urn:get"`, `application/soap+xml; action="urn:set"`}}, 415},
		{"two action parameters, unquoted", http.Header{"Content-Type": {"application/soap+xml; action=urn:get; action=urn:set"}}, 415},
		{"two action parameters, one quoted", http.Header{"Content-Type": {`application/soap+xml; action=urn:get; ACTION="urn:set"`}}, 415},
	}
	for _, tt := range tests {
		v, action, err := ParseContentType(tt.h)
		var f *Fault
		if !errors.As(err, &f) {
			t.Errorf("%s: got %v %q %v, want a fault", tt.name, v, action, err)
			continue
		}
		if got := f.HTTPStatus(f.VersionOr(0)); got != tt.status {
			t.Errorf("%s: got status %d, want %d", tt.name, got, tt.status)
		}
	}
}
