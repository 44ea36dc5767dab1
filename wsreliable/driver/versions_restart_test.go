package driver

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

const rmEnv12 = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:wsrm="http://docs.oasis-open.org/ws-rx/wsrm/200702"><s:Header>%s</s:Header><s:Body>%s</s:Body></s:Envelope>`

func call12(t *testing.T, d *Driver, header, body string) (int, string) {
	t.Helper()
	m, err := soap.ReadMessageBytes(fmt.Appendf(nil, rmEnv12, header, body), xmldoc.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	st, _, b := d.HandleRequest(context.Background(), m, http.Header{"Content-Type": {"application/soap+xml; charset=utf-8"}})
	return st, string(b)
}

// A group's SOAP version survives a restart: messages sent to its
// AcksTo/ReplyTo that no request triggers (a Tick, a processing failure)
// are written in the version the client spoke, not SOAP 1.1.
func TestDriver_VersionSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir)
	d := start(t, db, &fakeBackend{})
	seq := createSequence(t, d.Driver)
	st, body := call12(t, d.Driver, fmt.Sprintf(`<wsrm:Sequence s:mustUnderstand="true"><wsrm:Identifier>%s</wsrm:Identifier><wsrm:MessageNumber>1</wsrm:MessageNumber></wsrm:Sequence>`, seq),
		`<o:Order xmlns:o="urn:order"><o:Id>1</o:Id></o:Order>`)
	if st != 200 {
		t.Fatalf("SOAP 1.2 message: got %d %s, want 200", st, body)
	}
	d.stop()
	db.Close()

	db = openDB(t, dir)
	defer db.Close()
	d = start(t, db, &fakeBackend{})
	defer d.stop()
	x, ok := d.versions.Load(seq)
	if !ok || x.(soap.Version) != soap.V12 {
		t.Fatalf("version after restart: got %v (%v), want %v", x, ok, soap.V12)
	}
}
