package gateway

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsgw/wsgw/gateway/cluster"
	"github.com/wsgw/wsgw/internal/testpki"
	"github.com/wsgw/wsgw/wssecurity"
)

var (
	testHashOnce sync.Once
	testHash     string // bcrypt of "s3cret!" at the lowest cost: tests need speed, not strength
)

func s3cretHash(t *testing.T) string {
	testHashOnce.Do(func() {
		h, err := wssecurity.HashPasswordBcrypt("s3cret!", 4)
		if err != nil {
			panic(err)
		}
		testHash = h
	})
	return testHash
}

// testUsers: alice trades (text or digest), bob is nobody in particular,
// admin may set quotes, svc is a client certificate.
func testUsers(t *testing.T) []wssecurity.User {
	return []wssecurity.User{
		{Name: "alice", Groups: []string{"traders"}, PasswordHash: s3cretHash(t), DigestSecret: "s3cret!"},
		{Name: "bob", PasswordHash: s3cretHash(t)},
		{Name: "admin", Groups: []string{"admins"}, PasswordHash: s3cretHash(t), DigestSecret: "s3cret!"},
		{Name: "svc", Groups: []string{"traders"}, Subjects: []string{"CN=svc,O=wsgw-test"}},
	}
}

// securedQuotes is the quote service open to traders, SetQuote to admins.
func securedQuotes(b *backend, sec ServiceSecurity) ServiceConfig {
	svc := quoteService("Quotes", partitionOf(b))
	if sec.Allow.IsZero() {
		sec.Allow = wssecurity.Rule{Groups: []string{"traders"}}
	}
	if sec.Operations == nil {
		sec.Operations = map[string]wssecurity.Rule{"SetQuote": {Groups: []string{"admins"}}}
	}
	svc.Security = &sec
	return svc
}

func token(user string, digest bool, nonce string) string {
	tok := wssecurity.Token{Username: user, Password: "s3cret!", Digest: digest}
	if nonce != "" {
		tok.Nonce, tok.Created = []byte(nonce), time.Now()
	}
	return string(tok.Header())
}

func TestSecurity_UsernameToken(t *testing.T) {
	b := newBackend(t, "r0")
	g := startGateway(t, Config{Security: SecurityConfig{Users: testUsers(t)},
		Services: []ServiceConfig{securedQuotes(b, ServiceSecurity{RequireUsernameToken: true})}})
	url := g.url + "/services/Quotes"
	calls := func() int { return int(b.calls.Load()) }

	cases := []struct {
		name     string
		v        soapVersion
		op, hdr  string
		body     string
		status   int
		subcode  string // "" for success
		backends int    // backend calls after this request
	}{
		{"no header", v11, "GetQuote", "", getQuote("ACME"), 500, "InvalidSecurity", 0},
		{"alice text", v11, "GetQuote", token("alice", false, ""), getQuote("ACME"), 200, "", 1},
		{"alice digest", v12, "GetQuote", token("alice", true, "n-1"), getQuote("ACME"), 200, "", 2},
		{"alice digest replayed", v12, "GetQuote", "", getQuote("ACME"), 400, "FailedAuthentication", 2}, // hdr set below
		{"wrong password", v12, "GetQuote", strings.Replace(token("alice", false, ""), "s3cret!", "guess", 1), getQuote("ACME"), 400, "FailedAuthentication", 2},
		{"unknown user", v11, "GetQuote", token("mallory", false, ""), getQuote("ACME"), 500, "FailedAuthentication", 2},
		{"bob not a trader", v11, "GetQuote", token("bob", false, ""), getQuote("ACME"), 500, "FailedAuthentication", 2},
		{"alice may not set", v11, "SetQuote", token("alice", false, ""), setQuote("ACME"), 500, "FailedAuthentication", 2},
		{"admin sets", v11, "SetQuote", token("admin", true, "n-2"), setQuote("ACME"), 200, "", 3},
		{"stale created", v12, "GetQuote", string(wssecurity.Token{Username: "alice", Password: "s3cret!", Digest: true,
			Nonce: []byte("n-3"), Created: time.Now().Add(-time.Hour)}.Header()), getQuote("ACME"), 400, "MessageExpired", 3},
	}
	replay := token("alice", true, "n-1")
	for _, tc := range cases {
		hdr := tc.hdr
		if tc.name == "alice digest replayed" {
			hdr = replay
		}
		r := post(t, url, tc.v, tc.op, envelope(tc.v, hdr, tc.body))
		if r.status != tc.status || (tc.subcode != "" && !hasSubcode(r.body, tc.subcode)) {
			t.Errorf("%s: got %d\n%s\nwant %d %s", tc.name, r.status, r.body, tc.status, tc.subcode)
		}
		if tc.subcode != "" && !strings.Contains(r.body, `xmlns:wsse="`+wssecurity.NSWSSE+`"`) {
			t.Errorf("%s: the fault does not declare wsse: %s", tc.name, r.body)
		}
		if calls() != tc.backends {
			t.Errorf("%s: backend called %d times, want %d", tc.name, calls(), tc.backends)
		}
		if tc.subcode == "" && (strings.Contains(b.lastBody(), "Security") || strings.Contains(b.lastBody(), "s3cret")) {
			t.Errorf("%s: the backend got the Security header: %s", tc.name, b.lastBody())
		}
	}
}

func TestSecurity_ForwardAndTimestamp(t *testing.T) {
	b := newBackend(t, "r0")
	g := startGateway(t, Config{Security: SecurityConfig{Users: testUsers(t)},
		Services: []ServiceConfig{securedQuotes(b, ServiceSecurity{RequireUsernameToken: true, RequireTimestamp: true,
			ForwardSecurityHeader: true, PasswordTypes: []string{PasswordTypeDigest}})}})
	url := g.url + "/services/Quotes"
	now := time.Now()
	good := wssecurity.Token{Username: "alice", Password: "s3cret!", Digest: true, Nonce: []byte("t-1"), Created: now, Timestamp: time.Minute}
	r := post(t, url, v12, "GetQuote", envelope(v12, string(good.Header()), getQuote("ACME")))
	if r.status != http.StatusOK {
		t.Fatalf("digest and timestamp: got %d\n%s", r.status, r.body)
	}
	if !strings.Contains(b.lastBody(), "<wsse:Security") {
		t.Errorf("ForwardSecurityHeader: the backend got no Security header: %s", b.lastBody())
	}
	for _, tc := range []struct {
		name, hdr, subcode string
	}{
		{"no timestamp", token("alice", true, "t-2"), "InvalidSecurity"},
		{"text refused", string(wssecurity.Token{Username: "alice", Password: "s3cret!", Created: now, Timestamp: time.Minute}.Header()), "UnsupportedSecurityToken"},
		{"expired timestamp", string(wssecurity.Token{Username: "alice", Password: "s3cret!", Digest: true, Nonce: []byte("t-3"),
			Created: now.Add(-4 * time.Minute), Timestamp: time.Minute}.Header()), "MessageExpired"},
	} {
		r := post(t, url, v12, "GetQuote", envelope(v12, tc.hdr, getQuote("ACME")))
		if r.status != http.StatusBadRequest || !hasSubcode(r.body, tc.subcode) {
			t.Errorf("%s: got %d\n%s\nwant 400 %s", tc.name, r.status, r.body, tc.subcode)
		}
	}
}

// A Security block for role next with mustUnderstand is the gateway's to
// understand when the service is secured; unsecured, it is a block the
// gateway does not understand.
func TestSecurity_MustUnderstandNext(t *testing.T) {
	b := newBackend(t, "r0")
	plain := quoteService("Plain", partitionOf(b))
	g := startGateway(t, Config{Security: SecurityConfig{Users: testUsers(t)},
		Services: []ServiceConfig{securedQuotes(b, ServiceSecurity{RequireUsernameToken: true}), plain}})
	hdr := strings.Replace(token("alice", false, ""), "<wsse:Security ",
		`<wsse:Security soap:mustUnderstand="1" soap:actor="http://schemas.xmlsoap.org/soap/actor/next" `, 1)
	r := post(t, g.url+"/services/Quotes", v11, "GetQuote", envelope(v11, hdr, getQuote("ACME")))
	if r.status != http.StatusOK || strings.Contains(b.lastBody(), "Security") {
		t.Errorf("secured: got %d, backend got %q; want 200 and no Security header\n%s", r.status, b.lastBody(), r.body)
	}
	r = post(t, g.url+"/services/Plain", v11, "GetQuote", envelope(v11, hdr, getQuote("ACME")))
	if r.status != http.StatusInternalServerError || !strings.Contains(r.body, "MustUnderstand") {
		t.Errorf("unsecured: got %d, want a MustUnderstand fault\n%s", r.status, r.body)
	}
}

func TestSecurity_FaultRelatesToMessageID(t *testing.T) {
	b := newBackend(t, "r0")
	g := startGateway(t, Config{Security: SecurityConfig{Users: testUsers(t)},
		Services: []ServiceConfig{securedQuotes(b, ServiceSecurity{RequireUsernameToken: true})}})
	wsa := `<wsa:Action xmlns:wsa="http://www.w3.org/2005/08/addressing">` + quoteNS + `/GetQuote</wsa:Action>` +
		`<wsa:MessageID xmlns:wsa="http://www.w3.org/2005/08/addressing">urn:uuid:42</wsa:MessageID>`
	r := post(t, g.url+"/services/Quotes", v12, "GetQuote", envelope(v12, wsa, getQuote("ACME")))
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, ">urn:uuid:42</wsa:RelatesTo>") {
		t.Errorf("got %d, want a fault related to urn:uuid:42\n%s", r.status, r.body)
	}
}

func TestSecurity_NonceCacheFull(t *testing.T) {
	b := newBackend(t, "r0")
	g := startGateway(t, Config{Security: SecurityConfig{Users: testUsers(t), Config: wssecurity.Config{MaxNoncesPerIdentity: 1}},
		Services: []ServiceConfig{securedQuotes(b, ServiceSecurity{})}})
	url := g.url + "/services/Quotes"
	if r := post(t, url, v11, "GetQuote", envelope(v11, token("alice", true, "a"), getQuote("ACME"))); r.status != 200 {
		t.Fatalf("first: got %d\n%s", r.status, r.body)
	}
	r := post(t, url, v11, "GetQuote", envelope(v11, token("alice", true, "b"), getQuote("ACME")))
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" || !hasSubcode(r.body, "NonceCacheFull") {
		t.Errorf("over alice's share: got %d Retry-After %q\n%s\nwant 503 with Retry-After", r.status, r.header.Get("Retry-After"), r.body)
	}
	if r := post(t, url, v11, "GetQuote", envelope(v11, token("svc", false, ""), getQuote("ACME"))); r.status == 200 {
		t.Errorf("svc has no password: got 200")
	}
	if r := post(t, url, v11, "GetQuote", envelope(v11, token("admin", true, "a"), getQuote("ACME"))); r.status != http.StatusInternalServerError || !hasSubcode(r.body, "FailedAuthentication") {
		t.Errorf("admin is no trader: got %d, want FailedAuthentication (and not a full cache)\n%s", r.status, r.body)
	}
}

// Identities from client certificates: svc is a user by its subject, any
// other verified certificate is named by its subject.
func TestSecurity_ClientCertificates(t *testing.T) {
	dir := t.TempDir()
	ca := testpki.NewCA(t, dir, "root")
	srv := ca.Server(t, dir, "gw")
	b := newBackend(t, "r0")
	svc := securedQuotes(b, ServiceSecurity{RequireClientCertificate: true,
		Allow: wssecurity.Rule{Groups: []string{"traders"}, Subjects: []string{"CN=partner,O=wsgw-test"}}})
	g := startTLSGateway(t, Config{
		TLS:      &TLSConfig{CertFile: srv.CertFile, KeyFile: srv.KeyFile, ClientCAFiles: []string{ca.File}, ClientAuth: ClientAuthOptional},
		Security: SecurityConfig{Users: testUsers(t)},
		Services: []ServiceConfig{svc}})
	send := func(c *http.Client, hdr string) response {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, g.url+"/services/Quotes", strings.NewReader(envelope(v12, hdr, getQuote("ACME"))))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", `application/soap+xml; charset=utf-8; action="`+quoteNS+`/GetQuote"`)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return response{status: resp.StatusCode, header: resp.Header, body: string(body)}
	}
	for _, tc := range []struct {
		name   string
		c      *http.Client
		hdr    string
		status int
	}{
		{"svc by subject", httpsClient(ca, ca.Client(t, dir, "svc")), "", 200},
		{"partner by subject rule", httpsClient(ca, ca.Client(t, dir, "partner")), "", 200},
		{"stranger's certificate", httpsClient(ca, ca.Client(t, dir, "stranger")), "", 400},
		{"no certificate", httpsClient(ca, nil), token("alice", false, ""), 400},
		{"stranger's certificate, alice's token", httpsClient(ca, ca.Client(t, dir, "stranger2")), token("alice", false, ""), 200},
	} {
		r := send(tc.c, tc.hdr)
		if r.status != tc.status || (tc.status != 200 && !hasSubcode(r.body, "FailedAuthentication")) {
			t.Errorf("%s: got %d, want %d\n%s", tc.name, r.status, tc.status, r.body)
		}
	}
}

func TestSecurity_Validate(t *testing.T) {
	users := testUsers(t)
	svc := func(sec ServiceSecurity) []ServiceConfig {
		s := quoteService("Quotes", cluster.PartitionConfig{Replicas: []string{"http://127.0.0.1:1/quote"}})
		s.Security = &sec
		return []ServiceConfig{s}
	}
	digestOnly := []string{PasswordTypeDigest}
	cases := []validateCase{
		{"token required, no users", Config{Services: svc(ServiceSecurity{RequireUsernameToken: true})},
			[]string{"Services[0].Security.RequireUsernameToken: no users"}},
		{"unknown user and group", Config{Security: SecurityConfig{Users: users}, Services: svc(ServiceSecurity{
			Allow: wssecurity.Rule{Users: []string{"carol"}, Groups: []string{"nobody"}}})},
			[]string{`Services[0].Security.Allow.Users[0]: no user "carol"`, `Services[0].Security.Allow.Groups[0]: no user is in group "nobody"`}},
		{"digest only, user without secret", Config{Security: SecurityConfig{Users: users}, Services: svc(ServiceSecurity{
			PasswordTypes: digestOnly, Operations: map[string]wssecurity.Rule{"SetQuote": {Users: []string{"bob"}}}})},
			[]string{`Services[0].Security.Operations[SetQuote].Users[0]: user "bob" has no digest secret`}},
		{"digest only, nobody has a secret", Config{Security: SecurityConfig{Users: users[1:2]}, Services: svc(ServiceSecurity{PasswordTypes: digestOnly})},
			[]string{"Services[0].Security.PasswordTypes: only PasswordDigest is accepted, and no user has a digest secret"}},
		{"bad password type", Config{Security: SecurityConfig{Users: users}, Services: svc(ServiceSecurity{PasswordTypes: []string{"md5"}})},
			[]string{`Services[0].Security.PasswordTypes[0]: "md5"`}},
		{"certificates without client CAs", Config{Security: SecurityConfig{Users: users}, Services: svc(ServiceSecurity{
			RequireClientCertificate: true, Allow: wssecurity.Rule{Subjects: []string{"CN=x"}}})},
			[]string{"Services[0].Security.RequireClientCertificate", "Services[0].Security.Allow.Subjects"}},
		{"bad user", Config{Security: SecurityConfig{Users: []wssecurity.User{{Name: "x", PasswordHash: "md5:abc"}}}},
			[]string{"Security.Users[0].PasswordHash: not an argon2id"}},
		{"negative bounds", Config{Security: SecurityConfig{Config: wssecurity.Config{MaxAge: -1}}},
			[]string{"Security.MaxAge: negative"}},
	}
	wantValidateErrors(t, cases) // tls_test.go
	// An operation the WSDL does not have is refused by New.
	cfg := Config{Security: SecurityConfig{Users: users}, Services: svc(ServiceSecurity{
		Operations: map[string]wssecurity.Rule{"Nope": {Users: []string{"alice"}}}})}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := New(t.Context(), cfg, Options{}); err == nil || !strings.Contains(err.Error(), "Services[0].Security.Operations[Nope]: no such operation") {
		t.Errorf("unknown operation: got %v", err)
	}
}

func TestSecurity_SetUsers(t *testing.T) {
	b := newBackend(t, "r0")
	g := startGateway(t, Config{Security: SecurityConfig{Users: testUsers(t)},
		Services: []ServiceConfig{securedQuotes(b, ServiceSecurity{RequireUsernameToken: true})}})
	url := g.url + "/services/Quotes"
	if r := post(t, url, v11, "GetQuote", envelope(v11, token("alice", false, ""), getQuote("ACME"))); r.status != 200 {
		t.Fatalf("before: got %d", r.status)
	}
	// A set the services cannot work with is refused, and changes nothing.
	if err := g.SetUsers(nil); err == nil {
		t.Error("no users for a service that requires tokens: got no error")
	}
	users := testUsers(t)
	users[0].Groups = nil // alice leaves the traders
	if err := g.SetUsers(users); err != nil {
		t.Fatal(err)
	}
	if r := post(t, url, v11, "GetQuote", envelope(v11, token("alice", false, ""), getQuote("ACME"))); r.status != 500 || !hasSubcode(r.body, "FailedAuthentication") {
		t.Errorf("after alice left the traders: got %d\n%s", r.status, r.body)
	}
}
