package wssecurity

import (
	"testing"
	"time"

	"github.com/wsgw/wsgw/soap"
)

// A wrong PasswordText takes about as long for every user as for an
// unknown one, so that the time of a refusal does not tell which names
// exist: users without a password hash (a digest secret only, or
// certificate subjects only) are checked against the dummy hash too.
func TestVerify_RefusalTakesAsLongForEveryUser(t *testing.T) {
	c := newClock("2026-12-01T10:00:00Z")
	v := newTestVerifier(t, Config{}, c,
		User{Name: "alice", PasswordHash: hashOf(t, "s3cret!")},
		User{Name: "dee", DigestSecret: "shared"},
		User{Name: "crt", Subjects: []string{"CN=crt"}})
	// fastest is the shortest of a few refusals of a wrong password for
	// name: the floor the work sets, whatever the machine's load adds.
	fastest := func(name string) time.Duration {
		m := envelope(t, soap.V11, Token{Username: name, Password: "wrong"}.Header())
		best := time.Duration(1 << 62)
		for range 3 {
			start := time.Now()
			_, err := check(v, m, Policy{})
			d := time.Since(start)
			wantFault(t, name, err, soap.V11, soap.WSSEFailedAuthentication)
			best = min(best, d)
		}
		return best
	}
	unknown := fastest("nobody")
	for _, name := range []string{"alice", "dee", "crt"} {
		if got := fastest(name); got < unknown/4 {
			t.Errorf("a wrong password for %s: refused in %v, an unknown user in %v; want comparable times", name, got, unknown)
		}
	}
}
