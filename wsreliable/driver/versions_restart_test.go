package driver

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
	"github.com/wsgw/wsgw/wsreliable"
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

// acksTo records the SOAP version of each acknowledgement posted to it,
// and the namespaces of its wsa:Action and SequenceAcknowledgement.
type acksTo struct {
	mu         sync.Mutex // guards versions and namespaces
	versions   []string
	namespaces []string // "WS-Addressing WS-RM"
}

func (a *acksTo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	v, ns := "unreadable", ""
	if m, err := soap.ReadMessageBytes(b, xmldoc.Limits{}); err == nil {
		v = m.Version.String()
		var wsa, rm string
		for _, h := range m.Headers {
			switch h.Name.Local {
			case "Action":
				wsa = h.Name.Space
			case "SequenceAcknowledgement":
				rm = h.Name.Space
			}
		}
		ns = wsa + " " + rm
	}
	a.mu.Lock()
	a.versions = append(a.versions, v)
	a.namespaces = append(a.namespaces, ns)
	a.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

func (a *acksTo) got() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.versions)
}

func (a *acksTo) gotNamespaces() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.namespaces)
}

// acksAcrossRestart runs a driver whose client posts to an acksTo
// recorder: before(d) creates a sequence with that AcksTo and sends a
// message of it (one acknowledgement is awaited), the driver is stopped
// and started again on the same store, and after(d, seq) asks for an
// acknowledgement again (a second is awaited). It returns the recorder.
func acksAcrossRestart(t *testing.T, before func(d *Driver, acksTo string) (seq string), after func(d *Driver, seq string)) *acksTo {
	t.Helper()
	acks := &acksTo{}
	srv := httptest.NewServer(acks)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	db := openDB(t, dir)
	cfg := Config{Name: "Orders", Backoff: testBackoff, TickInterval: 20 * time.Millisecond}
	d := startWith(t, db, cfg, Options{Backend: &fakeBackend{}, Client: srv.Client()})
	seq := before(d.Driver, srv.URL)
	checkfor.True(t, 5*time.Second, "the acknowledgement before the restart", func() bool { return len(acks.got()) == 1 })
	d.stop()
	db.Close()

	db = openDB(t, dir)
	defer db.Close()
	d = startWith(t, db, cfg, Options{Backend: &fakeBackend{}, Client: srv.Client()})
	defer d.stop()
	after(d.Driver, seq)
	checkfor.True(t, 5*time.Second, "the acknowledgement after the restart", func() bool { return len(acks.got()) == 2 })
	return acks
}

// A group's SOAP version survives a restart: acknowledgements sent to its
// AcksTo are written in the version its client spoke (the engine keeps it
// as the group's Meta), also when a request of another version, after a
// restart, triggers them.
func TestDriver_VersionSurvivesRestart(t *testing.T) {
	acks := acksAcrossRestart(t, func(d *Driver, acksTo string) string {
		st, body := call(t, d, `<wsa:Action>`+wsreliable.ActionCreateSequence+`</wsa:Action>`,
			`<wsrm:CreateSequence><wsrm:AcksTo><wsa:Address>`+acksTo+`</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence>`)
		m := idRE.FindStringSubmatch(body)
		if st != 200 || m == nil {
			t.Fatalf("CreateSequence: got %d %s", st, body)
		}
		st, body = call12(t, d, fmt.Sprintf(`<wsrm:Sequence s:mustUnderstand="true"><wsrm:Identifier>%s</wsrm:Identifier><wsrm:MessageNumber>1</wsrm:MessageNumber></wsrm:Sequence>`, m[1]),
			`<o:Order xmlns:o="urn:order"><o:Id>1</o:Id></o:Order>`)
		if st >= 300 {
			t.Fatalf("SOAP 1.2 message: got %d %s", st, body)
		}
		return m[1]
	}, func(d *Driver, seq string) {
		if st, body := call(t, d, `<wsrm:AckRequested><wsrm:Identifier>`+seq+`</wsrm:Identifier></wsrm:AckRequested>`, ""); st >= 300 {
			t.Fatalf("SOAP 1.1 AckRequested: got %d %s", st, body)
		}
	})
	if got := acks.got(); !slices.Equal(got, []string{"1.2", "1.2"}) {
		t.Fatalf("SOAP versions of the acknowledgements: got %v, want [1.2 1.2]", got)
	}
}
