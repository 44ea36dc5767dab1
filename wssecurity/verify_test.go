package wssecurity

import (
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/internal/fielderr"
	"github.com/wsgw/wsgw/soap"
)

func TestVerify_DigestAndText(t *testing.T) {
	c := newClock("2026-12-01T10:00:00Z")
	v := newTestVerifier(t, Config{}, c, User{Name: "alice", PasswordHash: hashOf(t, "s3cret!"), DigestSecret: "s3cret!", Groups: []string{"traders"}})
	for i, tok := range []Token{
		{Username: "alice", Password: "s3cret!"},
		{Username: "alice", Password: "s3cret!", Nonce: []byte("n1"), Created: c.Now()},
		{Username: "alice", Password: "s3cret!", Digest: true, Nonce: []byte("n2"), Created: c.Now().Add(-time.Minute)},
		{Username: "alice", Password: "s3cret!", Digest: true, Nonce: []byte("n3"), Created: c.Now().Add(30 * time.Second)},
	} {
		for _, ver := range []soap.Version{soap.V11, soap.V12} {
			tok := tok
			if tok.Nonce != nil {
				tok.Nonce = append(tok.Nonce, byte(ver))
			}
			id, err := check(v, envelope(t, ver, tok.Header()), Policy{RequireUsernameToken: true})
			wantIdentity(t, "token "+string(rune('0'+i)), id, err, "alice")
			if len(id.Groups) != 1 || id.Groups[0] != "traders" {
				t.Errorf("groups: got %v, want [traders]", id.Groups)
			}
		}
	}
}

func TestVerify_Refusals(t *testing.T) {
	c := newClock("2026-12-01T10:00:00Z")
	v := newTestVerifier(t, Config{}, c, User{Name: "alice", PasswordHash: hashOf(t, "s3cret!"), DigestSecret: "s3cret!"})
	now := c.Now()
	for _, tc := range []struct {
		name string
		tok  Token
		p    Policy
		want xml.Name
	}{
		{"wrong text", Token{Username: "alice", Password: "nope"}, Policy{}, soap.WSSEFailedAuthentication},
		{"wrong digest", Token{Username: "alice", Password: "nope", Digest: true, Nonce: []byte("a"), Created: now}, Policy{}, soap.WSSEFailedAuthentication},
		{"unknown user", Token{Username: "mallory", Password: "s3cret!"}, Policy{}, soap.WSSEFailedAuthentication},
		{"unknown user digest", Token{Username: "mallory", Password: "s3cret!", Digest: true, Nonce: []byte("b"), Created: now}, Policy{}, soap.WSSEFailedAuthentication},
		{"digest without nonce", Token{Username: "alice", Password: "s3cret!", Digest: true, Created: now}, Policy{}, soap.WSSEInvalidSecurityToken},
		{"digest without created", Token{Username: "alice", Password: "s3cret!", Digest: true, Nonce: []byte("c")}, Policy{}, soap.WSSEInvalidSecurityToken},
		{"created in the future", Token{Username: "alice", Password: "s3cret!", Digest: true, Nonce: []byte("d"), Created: now.Add(2 * time.Minute)}, Policy{}, soap.WSSEMessageExpired},
		{"created stale", Token{Username: "alice", Password: "s3cret!", Nonce: []byte("e"), Created: now.Add(-7 * time.Minute)}, Policy{}, soap.WSSEMessageExpired},
		{"text not accepted", Token{Username: "alice", Password: "s3cret!"}, Policy{Digest: true}, soap.WSSEUnsupportedSecurityToken},
		{"timestamp expired", Token{Username: "alice", Password: "s3cret!", Created: now.Add(-4 * time.Minute), Timestamp: time.Minute}, Policy{}, soap.WSSEMessageExpired},
	} {
		_, err := check(v, envelope(t, soap.V12, tc.tok.Header()), tc.p)
		wantFault(t, tc.name, err, soap.V12, tc.want)
	}
	// No Security header where one is required.
	_, err := check(v, envelope(t, soap.V11), Policy{RequireUsernameToken: true})
	wantFault(t, "no header", err, soap.V11, soap.WSSEInvalidSecurity)
	// A UsernameToken without a Password proves nothing.
	noPw := `<wsse:Security xmlns:wsse="` + NSWSSE + `"><wsse:UsernameToken><wsse:Username>alice</wsse:Username></wsse:UsernameToken></wsse:Security>`
	_, err = check(v, envelope(t, soap.V11, []byte(noPw)), Policy{})
	wantFault(t, "no password", err, soap.V11, soap.WSSEFailedAuthentication)
}

func TestVerify_ReplayIsPerIdentityAndExpires(t *testing.T) {
	c := newClock("2026-12-01T10:00:00Z")
	v := newTestVerifier(t, Config{}, c,
		User{Name: "alice", DigestSecret: "a-secret"}, User{Name: "bob", DigestSecret: "b-secret"})
	tok := Token{Username: "alice", Password: "a-secret", Digest: true, Nonce: []byte("same"), Created: c.Now()}
	if _, err := check(v, envelope(t, soap.V11, tok.Header()), Policy{}); err != nil {
		t.Fatal(err)
	}
	_, err := check(v, envelope(t, soap.V11, tok.Header()), Policy{})
	wantFault(t, "replay", err, soap.V11, soap.WSSEFailedAuthentication)
	// bob may use the same nonce: the cache is per identity.
	bobTok := Token{Username: "bob", Password: "b-secret", Digest: true, Nonce: []byte("same"), Created: c.Now()}
	id, err := check(v, envelope(t, soap.V11, bobTok.Header()), Policy{})
	wantIdentity(t, "bob, same nonce", id, err, "bob")
	// A wrong password does not record the nonce: it stays usable.
	mallory := Token{Username: "alice", Password: "guess", Digest: true, Nonce: []byte("fresh"), Created: c.Now()}
	_, err = check(v, envelope(t, soap.V11, mallory.Header()), Policy{})
	wantFault(t, "wrong password", err, soap.V11, soap.WSSEFailedAuthentication)
	good := Token{Username: "alice", Password: "a-secret", Digest: true, Nonce: []byte("fresh"), Created: c.Now()}
	if _, err := check(v, envelope(t, soap.V11, good.Header()), Policy{}); err != nil {
		t.Fatalf("nonce tried with a wrong password, then right: got %v, want accepted", err)
	}
	if got := v.nonces.len(); got != 3 {
		t.Errorf("cache: got %d entries, want 3", got)
	}
	// Once the Created is too old to pass, the nonce is forgotten.
	c.Add(DefaultMaxAge + DefaultMaxSkew + time.Second)
	late := Token{Username: "bob", Password: "b-secret", Digest: true, Nonce: []byte("later"), Created: c.Now()}
	if _, err := check(v, envelope(t, soap.V11, late.Header()), Policy{}); err != nil {
		t.Fatal(err)
	}
	if got := v.nonces.len(); got != 1 {
		t.Errorf("cache after the window: got %d entries, want 1", got)
	}
}

func TestVerify_NonceCacheBounds(t *testing.T) {
	c := newClock("2026-12-01T10:00:00Z")
	v := newTestVerifier(t, Config{MaxNonces: 5, MaxNoncesPerIdentity: 3}, c,
		User{Name: "alice", DigestSecret: "a"}, User{Name: "bob", DigestSecret: "b"}, User{Name: "carol", DigestSecret: "c"})
	send := func(user, secret string, n int) error {
		tok := Token{Username: user, Password: secret, Digest: true, Nonce: []byte{byte(n)}, Created: c.Now()}
		_, err := check(v, envelope(t, soap.V11, tok.Header()), Policy{})
		return err
	}
	for n := range 3 {
		if err := send("alice", "a", n); err != nil {
			t.Fatalf("alice %d: %v", n, err)
		}
	}
	err := send("alice", "a", 3)
	wantFault(t, "alice over her share", err, soap.V11, soap.FaultNonceCacheFull)
	var ra *RetryAfterError
	if f := err.(*soap.Fault); f.HTTPStatus(soap.V11) != 503 || !errors.As(err, &ra) || ra.After <= 0 {
		t.Errorf("got status %d, retry %v; want 503 with a Retry-After", f.HTTPStatus(soap.V11), ra)
	}
	// Others are not affected by alice's share...
	for n := range 2 {
		if err := send("bob", "b", n); err != nil {
			t.Fatalf("bob %d: %v", n, err)
		}
	}
	// ...until the global bound.
	err = send("carol", "c", 0)
	wantFault(t, "global bound", err, soap.V11, soap.FaultNonceCacheFull)
	if !errors.As(err, &ra) || ra.After != DefaultMaxAge+DefaultMaxSkew {
		t.Errorf("global retry: got %v, want %v (the oldest entry's expiry)", ra, DefaultMaxAge+DefaultMaxSkew)
	}
	c.Add(DefaultMaxAge + DefaultMaxSkew)
	if err := send("carol", "c", 0); err != nil {
		t.Fatalf("after the window: got %v, want accepted", err)
	}
}

func TestVerify_PasswordCache(t *testing.T) {
	c := newClock("2026-12-01T10:00:00Z")
	v := newTestVerifier(t, Config{}, c, User{Name: "alice", PasswordHash: hashOf(t, "s3cret!")})
	tok := Token{Username: "alice", Password: "s3cret!"}
	if _, err := check(v, envelope(t, soap.V11, tok.Header()), Policy{}); err != nil {
		t.Fatal(err)
	}
	k := v.passwords.sum("alice", "s3cret!", hashOf(t, "s3cret!"))
	if !v.passwords.hit(k, c.Now()) {
		t.Fatal("a verified password is not cached")
	}
	c.Add(passCacheTTL)
	if v.passwords.hit(k, c.Now()) {
		t.Error("a cached password outlives its ttl")
	}
	// A reload with another hash: the old password no longer passes.
	us, err := NewUsers([]User{{Name: "alice", PasswordHash: hashOf(t, "secret")}})
	if err != nil {
		t.Fatal(err)
	}
	c.Add(-passCacheTTL)
	v.SetUsers(us)
	_, err = check(v, envelope(t, soap.V11, tok.Header()), Policy{})
	wantFault(t, "old password after reload", err, soap.V11, soap.WSSEFailedAuthentication)
}

func TestVerify_TextAgainstDigestSecret(t *testing.T) {
	c := newClock("2026-12-01T10:00:00Z")
	v := newTestVerifier(t, Config{}, c, User{Name: "dee", DigestSecret: "shared"})
	id, err := check(v, envelope(t, soap.V11, Token{Username: "dee", Password: "shared"}.Header()), Policy{})
	wantIdentity(t, "text against the digest secret", id, err, "dee")
	_, err = check(v, envelope(t, soap.V11, Token{Username: "dee", Password: "sharedX"}.Header()), Policy{})
	wantFault(t, "wrong text", err, soap.V11, soap.WSSEFailedAuthentication)
}

func TestParse_HeaderStructure(t *testing.T) {
	sec := func(role, inner string) []byte {
		return []byte(`<wsse:Security xmlns:wsse="` + NSWSSE + `" xmlns:wsu="` + NSWSU + `"` + role + `>` + inner + `</wsse:Security>`)
	}
	ut := `<wsse:UsernameToken><wsse:Username>a</wsse:Username><wsse:Password Type="` + PasswordText + `">p</wsse:Password></wsse:UsernameToken>`
	ts := `<wsu:Timestamp><wsu:Created>2026-12-01T10:00:00Z</wsu:Created></wsu:Timestamp>`
	next := ` e:role="` + soap.RoleNext + `"`
	other := ` e:role="urn:other"`
	cases := []struct {
		name string
		hdr  [][]byte
		want xml.Name // zero: parses
	}{
		{"two for this node", [][]byte{sec("", ut), sec(next, ut)}, soap.WSSEInvalidSecurity},
		{"one here, one for another role", [][]byte{sec(other, ut), sec("", ut)}, xml.Name{}},
		{"two tokens", [][]byte{sec("", ut+ut)}, soap.WSSEInvalidSecurity},
		{"two timestamps", [][]byte{sec("", ts+ts)}, soap.WSSEInvalidSecurity},
		{"timestamp without created", [][]byte{sec("", `<wsu:Timestamp><wsu:Expires>2026-12-01T10:00:00Z</wsu:Expires></wsu:Timestamp>`)}, soap.WSSEInvalidSecurity},
		{"timestamp with another child", [][]byte{sec("", `<wsu:Timestamp><wsu:Created>2026-12-01T10:00:00Z</wsu:Created><x:Y xmlns:x="urn:x"/></wsu:Timestamp>`)}, soap.WSSEInvalidSecurity},
		{"expires before created", [][]byte{sec("", `<wsu:Timestamp><wsu:Created>2026-12-01T10:00:00Z</wsu:Created><wsu:Expires>2026-12-01T09:00:00Z</wsu:Expires></wsu:Timestamp>`)}, soap.WSSEInvalidSecurity},
		{"created without zone", [][]byte{sec("", `<wsu:Timestamp><wsu:Created>2026-12-01T10:00:00</wsu:Created></wsu:Timestamp>`)}, soap.WSSEInvalidSecurity},
		{"created with offset", [][]byte{sec("", `<wsu:Timestamp><wsu:Created>2026-12-01T10:00:00+00:00</wsu:Created></wsu:Timestamp>`)}, xml.Name{}},
		{"leap second", [][]byte{sec("", `<wsu:Timestamp><wsu:Created>2026-12-31T23:59:60Z</wsu:Created></wsu:Timestamp>`)}, soap.WSSEInvalidSecurity}, // R3213
		{"token created leap second", [][]byte{sec("", `<wsse:UsernameToken><wsse:Username>a</wsse:Username><wsu:Created>2026-12-31T23:59:60Z</wsu:Created></wsse:UsernameToken>`)}, soap.WSSEInvalidSecurityToken},
		{"fractional seconds", [][]byte{sec("", `<wsu:Timestamp><wsu:Created>2026-12-01T10:00:00.123456789Z</wsu:Created></wsu:Timestamp>`)}, xml.Name{}}, // R3220 is a SHOULD NOT
		{"no username", [][]byte{sec("", `<wsse:UsernameToken><wsse:Password Type="`+PasswordText+`">p</wsse:Password></wsse:UsernameToken>`)}, soap.WSSEInvalidSecurityToken},
		{"two passwords", [][]byte{sec("", `<wsse:UsernameToken><wsse:Username>a</wsse:Username><wsse:Password Type="`+PasswordText+`">p</wsse:Password><wsse:Password Type="`+PasswordText+`">q</wsse:Password></wsse:UsernameToken>`)}, soap.WSSEInvalidSecurityToken},
		{"unknown password type", [][]byte{sec("", `<wsse:UsernameToken><wsse:Username>a</wsse:Username><wsse:Password Type="wsse:PasswordText">p</wsse:Password></wsse:UsernameToken>`)}, soap.WSSEInvalidSecurityToken},
		{"digest not SHA-1 sized", [][]byte{sec("", `<wsse:UsernameToken><wsse:Username>a</wsse:Username><wsse:Password Type="`+PasswordDigest+`">AAAA</wsse:Password></wsse:UsernameToken>`)}, soap.WSSEInvalidSecurityToken},
		{"nonce without EncodingType", [][]byte{sec("", `<wsse:UsernameToken><wsse:Username>a</wsse:Username><wsse:Nonce>AAAA</wsse:Nonce></wsse:UsernameToken>`)}, soap.WSSEInvalidSecurityToken},
		{"nonce not base64", [][]byte{sec("", `<wsse:UsernameToken><wsse:Username>a</wsse:Username><wsse:Nonce EncodingType="`+Base64Binary+`">!!</wsse:Nonce></wsse:UsernameToken>`)}, soap.WSSEInvalidSecurityToken},
		{"nonce too long", [][]byte{sec("", `<wsse:UsernameToken><wsse:Username>a</wsse:Username><wsse:Nonce EncodingType="`+Base64Binary+`">`+strings.Repeat("QUFB", 44)+`</wsse:Nonce></wsse:UsernameToken>`)}, soap.WSSEInvalidSecurityToken},
		{"username holding elements", [][]byte{sec("", `<wsse:UsernameToken><wsse:Username><x:a xmlns:x="urn:x"/></wsse:Username></wsse:UsernameToken>`)}, soap.WSSEInvalidSecurityToken},
		{"username too long", [][]byte{sec("", `<wsse:UsernameToken><wsse:Username>`+strings.Repeat("a", MaxUsernameLen+1)+`</wsse:Username></wsse:UsernameToken>`)}, soap.WSSEInvalidSecurityToken},
		{"signature ignored", [][]byte{sec("", `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/>`+ut)}, xml.Name{}},
	}
	for _, tc := range cases {
		_, err := Parse(envelope(t, soap.V12, tc.hdr...))
		if tc.want == (xml.Name{}) {
			if err != nil {
				t.Errorf("%s: got %v, want it parsed", tc.name, err)
			}
			continue
		}
		wantFault(t, tc.name, err, soap.V12, tc.want)
	}
	// A header for another role only: this node has none.
	if h, err := Parse(envelope(t, soap.V12, sec(other, ut))); h != nil || err != nil {
		t.Errorf("other role: got %+v, %v; want nothing", h, err)
	}
}

func TestNewUsers_Problems(t *testing.T) {
	_, err := NewUsers([]User{
		{Name: "", PasswordHash: hashOf(t, "secret")},
		{Name: "a", PasswordHash: "plain"},
		{Name: "a", DigestSecret: "x"},
		{Name: "b"},
		{Name: "c", PasswordHash: "$argon2id$v=19$m=999999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5aw"},
		{Name: "d", Subjects: []string{"CN=d"}},
		{Name: "e", Subjects: []string{"CN=d"}},
		{Name: "f\n", DigestSecret: "x"},
	})
	var got []string
	for _, e := range fielderr.All(err) {
		got = append(got, e.Error())
	}
	want := []string{
		"[0].Name: required",
		"[1].PasswordHash: not an argon2id",
		`[2].Name: "a" is defined twice`,
		`[3]: user "b" cannot authenticate`,
		"[4].PasswordHash: argon2id hash: parameters",
		`[6].Subjects[0]: "CN=d" is already the subject of user "d"`,
		"[7].Name:",
	}
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d: got %q, want it to begin with %q", i, got[i], want[i])
		}
	}
}

func TestPasswordHash_Bcrypt(t *testing.T) {
	h, err := HashPasswordBcrypt("s3cret!", 4)
	if err != nil {
		t.Fatal(err)
	}
	ph, err := parsePasswordHash(h)
	if err != nil {
		t.Fatal(err)
	}
	if !ph.check("s3cret!") || ph.check("s3cret") {
		t.Error("bcrypt: got a wrong answer")
	}
	if _, err := HashPasswordBcrypt("x", 20); err == nil {
		t.Error("bcrypt cost 20: got no error, want one (bound 15)")
	}
}

func TestPasswordHash_Argon2id(t *testing.T) {
	ph, err := parsePasswordHash(hashOf(t, "secret"))
	if err != nil {
		t.Fatal(err)
	}
	if !ph.check("secret") || ph.check("Secret") {
		t.Error("argon2id: got a wrong answer")
	}
	if !strings.HasPrefix(hashOf(t, "secret"), "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("got %s, want the PHC form with m=19456,t=2,p=1", hashOf(t, "secret"))
	}
}

func TestRule_Allows(t *testing.T) {
	alice := Identity{Name: "alice", Groups: []string{"traders"}, Method: ByUsernameToken}
	cert := Identity{Name: "CN=svc,O=Example", Method: ByCertificate, Subject: "CN=svc,O=Example", Unlisted: true}
	for _, tc := range []struct {
		r    Rule
		id   Identity
		want bool
	}{
		{Rule{}, alice, true},
		{Rule{Users: []string{"alice"}}, alice, true},
		{Rule{Users: []string{"bob"}}, alice, false},
		{Rule{Groups: []string{"traders"}}, alice, true},
		{Rule{Groups: []string{"admins"}}, alice, false},
		{Rule{Subjects: []string{"CN=svc,O=Example"}}, cert, true},
		{Rule{Subjects: []string{"alice"}}, alice, false},        // a subject rule needs a certificate
		{Rule{Users: []string{"CN=svc,O=Example"}}, cert, false}, // no user lists the certificate
	} {
		if got := tc.r.Allows(tc.id); got != tc.want {
			t.Errorf("%+v allows %+v: got %v, want %v", tc.r, tc.id, got, tc.want)
		}
	}
}

// A certificate no user lists is no user, even one whose name is spelt
// like its subject: a user rule does not admit it.
func TestRule_UnlistedCertificateIsNoUser(t *testing.T) {
	us, err := NewUsers([]User{{Name: "CN=svc,O=Example", PasswordHash: hashOf(t, "secret")}})
	if err != nil {
		t.Fatal(err)
	}
	id := us.CertificateIdentity("CN=svc,O=Example")
	if (Rule{Users: []string{"CN=svc,O=Example"}}).Allows(id) {
		t.Errorf("a user rule allows the unlisted certificate %+v: got true, want false", id)
	}
	if !(Rule{Subjects: []string{"CN=svc,O=Example"}}).Allows(id) {
		t.Errorf("a subject rule refuses the certificate %+v: got false, want true", id)
	}
}

func TestUsers_CertificateIdentity(t *testing.T) {
	us, err := NewUsers([]User{{Name: "svc", Groups: []string{"backends"}, Subjects: []string{"CN=svc,O=Example"}}})
	if err != nil {
		t.Fatal(err)
	}
	if id := us.CertificateIdentity("CN=svc,O=Example"); id.Name != "svc" || len(id.Groups) != 1 || id.Method != ByCertificate {
		t.Errorf("listed subject: got %+v, want user svc in backends", id)
	}
	if id := us.CertificateIdentity("CN=other"); id.Name != "CN=other" || len(id.Groups) != 0 {
		t.Errorf("unlisted subject: got %+v, want an identity named by the subject", id)
	}
}
