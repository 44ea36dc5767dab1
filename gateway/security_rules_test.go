package gateway

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/internal/checkfor"
	"github.com/wsgw/wsgw/internal/testpki"
	"github.com/wsgw/wsgw/wsreliable"
	"github.com/wsgw/wsgw/wssecurity"
)

// tradersAndAdmins may call a service; securedQuotes lets only admins set
// quotes.
var tradersAndAdmins = wssecurity.Rule{Groups: []string{"traders", "admins"}}

// A request whose keys name an operation other than the one the gateway
// dispatched on must pass that operation's rule too: the backend may
// dispatch on the key the gateway did not (here the body and SOAPAction,
// under a wsa:Action that names no operation and Unmatched "forward").
func TestSecurity_RuleOfEveryOperationTheKeysName(t *testing.T) {
	b := newBackend(t, "r0")
	svc := securedQuotes(b, ServiceSecurity{RequireUsernameToken: true, Allow: tradersAndAdmins})
	svc.Unmatched = UnmatchedForward
	g := startGateway(t, Config{Security: SecurityConfig{Users: testUsers(t)}, Services: []ServiceConfig{svc}})
	bogus := `<wsa:Action xmlns:wsa="http://www.w3.org/2005/08/addressing">urn:bogus</wsa:Action>`
	r := post(t, g.url+"/services/Quotes", v11, "SetQuote", envelope(v11, bogus+token("alice", false, ""), setQuote("EVIL")))
	if r.status != http.StatusInternalServerError || !hasSubcode(r.body, "FailedAuthentication") {
		t.Errorf("alice's SetQuote under a bogus wsa:Action: got %d\n%s\nwant 500 FailedAuthentication", r.status, r.body)
	}
	if n := b.setCount("EVIL"); n != 0 {
		t.Errorf("the backend got %d SetQuote of alice, want 0", n)
	}
	// The admins may: the rule of SetQuote allows them, and so does the
	// service's, which applies to an unmatched request.
	r = post(t, g.url+"/services/Quotes", v11, "SetQuote", envelope(v11, bogus+token("admin", false, ""), setQuote("OK")))
	if r.status != http.StatusOK {
		t.Errorf("admin's SetQuote under a bogus wsa:Action: got %d\n%s\nwant 200", r.status, r.body)
	}
}

// The operations of reliable messages obey the same rules as plain ones:
// a sequence message is checked against the rule of the operation it
// carries, a CreateSequence against the service's.
func TestSecurity_ReliableMessagesObeyOperationRules(t *testing.T) {
	lb := newLogBackend(t)
	svc := reliableQuote(lb)
	svc.Security = &ServiceSecurity{RequireUsernameToken: true, Allow: tradersAndAdmins,
		Operations: map[string]wssecurity.Rule{"SetQuote": {Groups: []string{"admins"}}}}
	db := openTestDB(t, t.TempDir())
	url, stop := serveWithDB(t, Config{Security: SecurityConfig{Users: testUsers(t)}, Services: []ServiceConfig{svc}}, db)
	t.Cleanup(func() { stop(); db.Close() })
	url += "/services/Quotes"

	create := func(user string) string {
		t.Helper()
		hdr := `<wsa:Action xmlns:wsa="` + rmWSANS + `">` + wsreliable.ActionCreateSequence + `</wsa:Action>` + token(user, false, "")
		r := postOp(t, url, "SetQuote", hdr, `<wsrm:CreateSequence xmlns:wsrm="`+wsreliable.NSRM+`" xmlns:wsa="`+rmWSANS+`"><wsrm:AcksTo><wsa:Address>`+rmWSANS+`/anonymous</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence>`)
		m := identRE.FindStringSubmatch(r.body)
		if r.status != http.StatusOK || m == nil {
			t.Fatalf("%s's CreateSequence: got %d %s", user, r.status, r.body)
		}
		return m[1]
	}
	send := func(user, seq string, n int, symbol string) response {
		t.Helper()
		hdr := fmt.Sprintf(`<wsrm:Sequence xmlns:wsrm="%s"><wsrm:Identifier>%s</wsrm:Identifier><wsrm:MessageNumber>%d</wsrm:MessageNumber></wsrm:Sequence>`,
			wsreliable.NSRM, seq, n) + token(user, false, "")
		return postRM(t, url, hdr, setQuote(symbol))
	}
	seq := create("alice") // a trader may open a sequence
	if r := send("alice", seq, 1, "EVIL"); r.status != http.StatusInternalServerError || !hasSubcode(r.body, "FailedAuthentication") {
		t.Errorf("alice's reliable SetQuote: got %d\n%s\nwant 500 FailedAuthentication", r.status, r.body)
	}
	seq = create("admin")
	if r := send("admin", seq, 1, "OK"); r.status != http.StatusOK {
		t.Fatalf("admin's reliable SetQuote: got %d\n%s", r.status, r.body)
	}
	lb.waitLog(t, "OK")
}

// The Security header a reliable service consumed is neither stored with
// the message nor delivered: its PasswordText would otherwise sit on disk
// in the queue and reach the backend (ForwardSecurityHeader is false).
func TestSecurity_ReliableDropsConsumedHeader(t *testing.T) {
	b := newBackend(t, "r0")
	release := b.holdRequests(t)
	svc := quoteService("Quotes", partitionOf(b))
	svc.Reliable = reliableQuote(newLogBackend(t)).Reliable
	svc.Security = &ServiceSecurity{RequireUsernameToken: true}
	db := openTestDB(t, t.TempDir())
	url, stop := serveWithDB(t, Config{Security: SecurityConfig{Users: testUsers(t)}, Services: []ServiceConfig{svc}}, db)
	t.Cleanup(func() { stop(); db.Close() })
	c := &rmClient{t: t, url: url + "/services/Quotes"}
	hdr := `<wsa:Action xmlns:wsa="` + rmWSANS + `">` + wsreliable.ActionCreateSequence + `</wsa:Action>` + token("admin", false, "")
	r := postRM(t, c.url, hdr, `<wsrm:CreateSequence xmlns:wsrm="`+wsreliable.NSRM+`" xmlns:wsa="`+rmWSANS+`"><wsrm:AcksTo><wsa:Address>`+rmWSANS+`/anonymous</wsa:Address></wsrm:AcksTo></wsrm:CreateSequence>`)
	m := identRE.FindStringSubmatch(r.body)
	if r.status != http.StatusOK || m == nil {
		t.Fatalf("CreateSequence: got %d %s", r.status, r.body)
	}
	hdr = fmt.Sprintf(`<wsrm:Sequence xmlns:wsrm="%s"><wsrm:Identifier>%s</wsrm:Identifier><wsrm:MessageNumber>1</wsrm:MessageNumber></wsrm:Sequence>`,
		wsreliable.NSRM, m[1]) + token("admin", false, "")
	if r := postRM(t, c.url, hdr, setQuote("OK")); r.status != http.StatusOK {
		t.Fatalf("reliable SetQuote: got %d %s", r.status, r.body)
	}
	<-b.arrived // the delivery is held: the message is still in the queue
	err := db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			if bytes.Contains(v, []byte("s3cret!")) {
				t.Errorf("the store holds the password under key %q", it.Item().Key())
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	release()
	checkfor.Until(t, 10*time.Second, func() error {
		if n := b.setCount("OK"); n < 1 {
			return fmt.Errorf("SetQuote OK delivered %d times, want 1", n)
		}
		return nil
	})
	if body := b.lastBody(); strings.Contains(body, "Security") || strings.Contains(body, "s3cret!") {
		t.Errorf("the backend got the consumed Security header: %s", body)
	}
}

// A client certificate's subject is all of it: one with two CNs, the
// second a user's subject, is not that user (pkix.Name.String keeps one
// CN only, the last).
func TestSecurity_CertificateSubjectIsEveryAttribute(t *testing.T) {
	dir := t.TempDir()
	ca := testpki.NewCA(t, dir, "root")
	srv := ca.Server(t, dir, "gw")
	b := newBackend(t, "r0")
	svc := securedQuotes(b, ServiceSecurity{RequireClientCertificate: true})
	g := startTLSGateway(t, Config{
		TLS:      &TLSConfig{CertFile: srv.CertFile, KeyFile: srv.KeyFile, ClientCAFiles: []string{ca.File}},
		Security: SecurityConfig{Users: testUsers(t)},
		Services: []ServiceConfig{svc}})
	for _, tc := range []struct {
		name    string
		subject pkix.Name
		status  int
	}{
		{"svc", pkix.Name{CommonName: "svc", Organization: []string{"wsgw-test"}}, http.StatusOK},
		{"mallory, then svc", pkix.Name{ExtraNames: []pkix.AttributeTypeAndValue{ // O=wsgw-test, CN=mallory, CN=svc
			{Type: asn1.ObjectIdentifier{2, 5, 4, 10}, Value: "wsgw-test"},
			{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "mallory"},
			{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "svc"}}}, http.StatusBadRequest},
	} {
		c := httpsClient(ca, ca.ClientSubject(t, dir, tc.name, tc.subject))
		req, err := http.NewRequest(http.MethodPost, g.url+"/services/Quotes", strings.NewReader(envelope(v12, "", getQuote("ACME"))))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", `application/soap+xml; charset=utf-8; action="`+quoteNS+`/GetQuote"`)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: got %d, want %d", tc.name, resp.StatusCode, tc.status)
		}
	}
}
