package driver

import (
	"strings"
	"testing"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/wsreliable"
)

// Faults raised while a request is read are replies to it (WS-Addressing
// 1.0 Core 3.4): wsa:RelatesTo its MessageID, and the fault action of the
// spec of the fault (WS-RM's for WS-RM faults, WS-Addressing's otherwise).
func TestDriver_DecodeFaultsRelateToTheRequest(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	d := start(t, db, &fakeBackend{})
	defer d.stop()
	const id = `<wsa:MessageID>urn:uuid:decode-fault</wsa:MessageID><wsa:Action>urn:order</wsa:Action>`
	for _, c := range []struct {
		name, header, body, action string
	}{
		{"malformed Sequence (generic Sender fault)",
			id + `<wsrm:Sequence><wsrm:Identifier>s</wsrm:Identifier></wsrm:Sequence>`,
			`<o:Order xmlns:o="urn:order"/>`, soap.WSAFaultAction(soap.WSANS)},
		{"unknown WS-RM body",
			id, `<wsrm:Foo/>`, soap.WSAFaultAction(soap.WSANS)},
		{"no wsa:Action (read by soap.ReadAddressing)",
			`<wsa:MessageID>urn:uuid:decode-fault</wsa:MessageID>`, `<o:Order xmlns:o="urn:order"/>`, soap.WSAFaultAction(soap.WSANS)},
		{"WS-RM 1.2 and February 2005 in one message (generic Sender fault)",
			id + `<wsrm:AckRequested><wsrm:Identifier>s</wsrm:Identifier></wsrm:AckRequested>` +
				`<r:AckRequested xmlns:r="` + wsreliable.NSRM200502 + `"><r:Identifier>s</r:Identifier></r:AckRequested>`,
			"", soap.WSAFaultAction(soap.WSANS)},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, body := call(t, d.Driver, c.header, c.body)
			if st != 500 {
				t.Fatalf("got status %d, want 500: %s", st, body)
			}
			for _, want := range []string{`RelatesTo`, `>urn:uuid:decode-fault</wsa:RelatesTo>`, `>` + c.action + `</wsa:Action>`} {
				if !strings.Contains(body, want) {
					t.Errorf("got %s, want it to contain %s", body, want)
				}
			}
		})
	}
}
