package gateway

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wsgw/wsgw/caller"
	"github.com/wsgw/wsgw/internal/fakeclock"
	"github.com/wsgw/wsgw/wssecurity"
)

// A client address that has used up its failed authentications is
// answered wsse:FailedAuthentication without its password being checked
// (even the right one), until Recovery gives one back; another address is
// not affected, nor are requests without a UsernameToken counted.
func TestSecurity_FailedAuthenticationsLimitedPerAddress(t *testing.T) {
	b := newBackend(t, "r0")
	clock := fakeclock.New(time.Now())
	cfg := Config{Security: SecurityConfig{Users: testUsers(t), FailedAuth: FailedAuthLimit{Burst: 3, Recovery: time.Minute}},
		Services: []ServiceConfig{securedQuotes(b, ServiceSecurity{RequireUsernameToken: true})}}
	addr, stop := serveAt(t, cfg, Options{Now: clock.Now}, "127.0.0.1:0")
	defer stop()
	url := "http://" + addr + "/services/Quotes"
	wrong := string(wssecurity.Token{Username: "alice", Password: "guess"}.Header())
	call := func(ip, hdr string) response {
		t.Helper()
		return doFrom(t, ip, url, soap11Header, envelope(v11, hdr, getQuote("ACME")))
	}
	const stranger, other = "127.0.0.1", "127.0.0.2"
	for i := range 3 {
		r := call(stranger, wrong)
		if !hasSubcode(r.body, "FailedAuthentication") || strings.Contains(r.body, "too many") {
			t.Fatalf("wrong password %d: got %d %s, want FailedAuthentication from the password check", i+1, r.status, r.body)
		}
	}
	if r := call(stranger, ""); !hasSubcode(r.body, "InvalidSecurity") {
		t.Errorf("no token from the stranger: got %d %s, want InvalidSecurity (a request without a token is not limited)", r.status, r.body)
	}
	for _, hdr := range []string{wrong, token("alice", false, "")} {
		if r := call(stranger, hdr); !hasSubcode(r.body, "FailedAuthentication") || !strings.Contains(r.body, "too many failed authentications") {
			t.Errorf("the stranger over its limit: got %d %s, want FailedAuthentication before any password check", r.status, r.body)
		}
	}
	if r := call(other, token("alice", false, "")); r.status != http.StatusOK {
		t.Errorf("alice from another address: got %d %s, want 200", r.status, r.body)
	}
	clock.Advance(time.Minute)
	if r := call(stranger, token("alice", false, "")); r.status != http.StatusOK {
		t.Errorf("alice from the stranger's address a Recovery later: got %d %s, want 200", r.status, r.body)
	}
	if r := call(stranger, wrong); strings.Contains(r.body, "too many") {
		t.Errorf("a wrong password a Recovery later: got %s, want it checked (one failure came back)", r.body)
	}
	if r := call(stranger, wrong); !strings.Contains(r.body, "too many") {
		t.Errorf("the next wrong password: got %s, want refused unchecked", r.body)
	}
}

// The table of addresses is bounded: at MaxAddresses, full buckets are
// dropped to make room, and when none is full new addresses share the
// overflow bucket; the addresses tracked keep their own.
func TestAuthLimiter_BoundedTable(t *testing.T) {
	clock := fakeclock.New(time.Now())
	l := newAuthLimiter(FailedAuthLimit{Burst: 2, Recovery: time.Minute, MaxAddresses: 2}, clock.Now)
	a, b, c, d := caller.ID("addr:192.0.2.1"), caller.ID("addr:192.0.2.2"), caller.ID("addr:192.0.2.3"), caller.ID("addr:192.0.2.4")
	l.failed(a)
	l.failed(a)
	l.failed(b)
	if l.allow(a) || !l.allow(b) {
		t.Fatalf("a after 2 failures, b after 1: got allow %v, %v, want false, true", l.allow(a), l.allow(b))
	}
	// c and d go to the overflow bucket (a and b are not full): two
	// failures between them use it up for both, not for a tracked one.
	l.failed(c)
	l.failed(d)
	if len(l.buckets) != 2 {
		t.Fatalf("tracked addresses: got %d, want at most MaxAddresses (2)", len(l.buckets))
	}
	if l.allow(c) || l.allow(d) || !l.allow(b) {
		t.Errorf("c, d (overflow used up), b: got %v %v %v, want false false true", l.allow(c), l.allow(d), l.allow(b))
	}
	// A minute later b is full again and gives its place up.
	clock.Advance(time.Minute)
	l.failed(c)
	if _, ok := l.buckets[c]; !ok || len(l.buckets) != 2 {
		t.Errorf("after b refilled: got table %v, want c tracked in b's place", l.buckets)
	}
	// No limit at all with a negative Burst.
	n := newAuthLimiter(FailedAuthLimit{Burst: -1}, clock.Now)
	for range 100 {
		n.failed(a)
	}
	if !n.allow(a) {
		t.Errorf("Burst -1: got refused, want no limit")
	}
}
