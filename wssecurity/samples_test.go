package wssecurity

import (
	"crypto/sha1"
	"encoding/base64"
	"testing"
	"time"

	"github.com/wsgw/wsgw/soap"
)

// The Spring-WS samples are for user Bert, password Ernie (testdata/SOURCES.md).
func bert(t testing.TB) User {
	return User{Name: "Bert", PasswordHash: hashOf(t, "Ernie"), DigestSecret: "Ernie"}
}

func TestSamples_SpringWSDigest(t *testing.T) {
	m := readSample(t, "springws-usernameTokenDigest-soap.xml")
	c := newClock("2006-06-01T23:49:00Z") // 18s after its Created
	v := newTestVerifier(t, Config{}, c, bert(t))
	id, err := check(v, m, Policy{RequireUsernameToken: true})
	wantIdentity(t, "digest sample", id, err, "Bert")
	if id.Method != ByUsernameToken {
		t.Errorf("method: got %v, want UsernameToken", id.Method)
	}

	// The same message again: its nonce was seen.
	_, err = check(v, m, Policy{})
	wantFault(t, "replayed digest sample", err, soap.V11, soap.WSSEFailedAuthentication)
}

func TestSamples_SpringWSDigest_Stale(t *testing.T) {
	m := readSample(t, "springws-usernameTokenDigest-soap.xml")
	c := newClock("2006-06-01T23:55:00Z") // 6m18s after its Created: over 5m + 1m
	v := newTestVerifier(t, Config{}, c, bert(t))
	_, err := check(v, m, Policy{})
	wantFault(t, "stale Created", err, soap.V11, soap.WSSEMessageExpired)

	// Within a longer window it passes.
	v = newTestVerifier(t, Config{MaxAge: 10 * time.Minute}, c, bert(t))
	id, err := check(v, m, Policy{})
	wantIdentity(t, "10m window", id, err, "Bert")
}

func TestSamples_SpringWSDigest_BadDigest(t *testing.T) {
	m := readSample(t, "springws-usernameTokenDigest-soap.xml")
	c := newClock("2006-06-01T23:49:00Z")
	wrong := User{Name: "Bert", DigestSecret: "Bigbird"}
	v := newTestVerifier(t, Config{}, c, wrong)
	_, err := check(v, m, Policy{})
	wantFault(t, "digest of another secret", err, soap.V11, soap.WSSEFailedAuthentication)

	// Bert without a digest secret cannot use PasswordDigest at all.
	v = newTestVerifier(t, Config{}, c, User{Name: "Bert", PasswordHash: hashOf(t, "Ernie")})
	_, err = check(v, m, Policy{})
	wantFault(t, "user without digest secret", err, soap.V11, soap.WSSEFailedAuthentication)
}

func TestSamples_UnknownUser(t *testing.T) {
	c := newClock("2006-06-01T23:49:00Z")
	v := newTestVerifier(t, Config{}, c, User{Name: "Ernie", PasswordHash: hashOf(t, "Ernie"), DigestSecret: "Ernie"})
	for _, name := range []string{"springws-usernameTokenDigest-soap.xml", "springws-usernameTokenPlainText-soap.xml"} {
		_, err := check(v, readSample(t, name), Policy{})
		wantFault(t, name, err, soap.V11, soap.WSSEFailedAuthentication)
		if f := err.(*soap.Fault); f.Reason != "The security token could not be authenticated or authorized" {
			t.Errorf("%s: reason %q says more than the spec's fault string", name, f.Reason)
		}
	}
}

func TestSamples_SpringWSPlainText(t *testing.T) {
	c := newClock("2026-12-01T10:00:00Z")
	v := newTestVerifier(t, Config{}, c, bert(t))
	for _, tc := range []struct {
		file string
		ver  soap.Version
	}{
		{"springws-usernameTokenPlainText-soap.xml", soap.V11},
		{"springws-usernameTokenPlainText-soap12.xml", soap.V12},
	} {
		id, err := check(v, readSample(t, tc.file), Policy{RequireUsernameToken: true})
		wantIdentity(t, tc.file, id, err, "Bert")
		// A service that takes digests only refuses it, in the message's version.
		_, err = check(v, readSample(t, tc.file), Policy{Digest: true})
		wantFault(t, tc.file+" digest only", err, tc.ver, soap.WSSEUnsupportedSecurityToken)
		// And it carries no Timestamp.
		_, err = check(v, readSample(t, tc.file), Policy{RequireTimestamp: true})
		wantFault(t, tc.file+" timestamp required", err, tc.ver, soap.WSSEInvalidSecurity)
	}
	other := newTestVerifier(t, Config{}, c, User{Name: "Bert", PasswordHash: hashOf(t, "secret")})
	_, err := check(other, readSample(t, "springws-usernameTokenPlainText-soap12.xml"), Policy{})
	wantFault(t, "wrong password, SOAP 1.2", err, soap.V12, soap.WSSEFailedAuthentication)
}

func TestSamples_SpringWSPlainTextAndTimestamp(t *testing.T) {
	m := readSample(t, "springws-usernameTokenPlainTextAndTimestamp-soap.xml") // Created 2006-06-01T22:14:15Z, Expires 2036
	c := newClock("2006-06-01T22:15:00Z")
	v := newTestVerifier(t, Config{}, c, bert(t))
	id, err := check(v, m, Policy{RequireTimestamp: true, RequireUsernameToken: true})
	wantIdentity(t, "fresh timestamp", id, err, "Bert")

	c.Add(time.Hour) // the Timestamp's Created is now an hour old
	_, err = check(v, m, Policy{})
	wantFault(t, "old timestamp", err, soap.V11, soap.WSSEMessageExpired)
}

func TestSamples_SpringWSExpiredTimestamp(t *testing.T) {
	m := readSample(t, "springws-expiredTimestamp-soap.xml") // 15:43:22.687Z to 15:48:22.687Z
	c := newClock("2009-12-25T15:44:00Z")
	v := newTestVerifier(t, Config{MaxAge: time.Hour}, c)
	if _, err := check(v, m, Policy{RequireTimestamp: true}); err != nil {
		t.Fatalf("within its lifetime: got %v, want no fault", err)
	}
	c.Add(5 * time.Minute) // 15:49:00, 38s past Expires: within the skew
	if _, err := check(v, m, Policy{RequireTimestamp: true}); err != nil {
		t.Fatalf("expired by less than the skew: got %v, want no fault", err)
	}
	c.Add(time.Minute)
	_, err := check(v, m, Policy{RequireTimestamp: true})
	wantFault(t, "expired", err, soap.V11, soap.WSSEMessageExpired)
}

// Spring-WS's sample with a namespace-qualified wsse:Type: BSP R4201 wants
// the unqualified Type attribute, so for this receiver it has none.
func TestSamples_SpringWSQualifiedType(t *testing.T) {
	_, err := Parse(readSample(t, "springws-usernameTokenPlainTextQualifiedType-soap.xml"))
	wantFault(t, "wsse:Type", err, soap.V11, soap.WSSEInvalidSecurityToken)
}

// WSS4J's samples, read as WSS4J does with its BSP checks on.
func TestSamples_WSS4J(t *testing.T) {
	c := newClock("2026-12-01T10:00:00Z")
	v := newTestVerifier(t, Config{}, c, User{Name: "wernerd", PasswordHash: hashOf(t, "secret")},
		User{Name: "emptyuser", PasswordHash: hashOf(t, "secret")})

	// A Password without Type: WSS4J says InvalidSecurity (BSP R4201).
	_, err := Parse(readSample(t, "wss4j-SOAPUTMSG.xml"))
	wantFault(t, "SOAPUTMSG", err, soap.V11, soap.WSSEInvalidSecurityToken)

	// An empty Username and Password: WSS4J says FailedAuthentication.
	_, err = check(v, readSample(t, "wss4j-SOAPUTNOUSERMSG.xml"), Policy{})
	wantFault(t, "SOAPUTNOUSERMSG", err, soap.V11, soap.WSSEFailedAuthentication)

	// An empty password for a user who has one.
	_, err = check(v, readSample(t, "wss4j-EMPTY_PASSWORD_MSG.xml"), Policy{})
	wantFault(t, "EMPTY_PASSWORD_MSG", err, soap.V11, soap.WSSEFailedAuthentication)
}

// WSS4J's known answer (testUsernameTokenWithEncodedPasswordBaseline): the
// digest over a password equivalent, SHA-1("password").
func TestPasswordDigestOf_WSS4JVector(t *testing.T) {
	nonce, err := base64.StdEncoding.DecodeString("0x7bXAPZVn40AdCD0Xbt0g==")
	if err != nil {
		t.Fatal(err)
	}
	equiv := sha1.Sum([]byte("password"))
	got := base64.StdEncoding.EncodeToString(PasswordDigestOf(nonce, "2010-06-28T15:16:37Z", string(equiv[:])))
	if want := "C0rena/6gKpRZ9ATj+e6ss5sAbQ="; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
