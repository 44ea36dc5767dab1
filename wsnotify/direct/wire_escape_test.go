package direct

import (
	"bytes"
	"encoding/xml"
	"testing"
)

// TestAppendEscaped_AsEscapeText: the wsa:To of every data datagram is
// escaped as xml.EscapeText does, whether or not the string needs it.
func TestAppendEscaped_AsEscapeText(t *testing.T) {
	for _, s := range []string{"urn:wsgw:direct", "soap.udp://239.255.77.1:7400", "http://h/p?a=1&b=<2>", `q"uo'te`, "tab\there\nnl\rcr", "bad\xffutf8", "", "é"} {
		var want bytes.Buffer
		xml.EscapeText(&want, []byte(s)) //nolint:errcheck // bytes.Buffer never fails
		if got := appendEscaped([]byte("x"), s); string(got) != "x"+want.String() {
			t.Errorf("appendEscaped(%q): got %q, want %q", s, got[1:], want.String())
		}
	}
}
