package wssecurity

import "testing"

// TestUsers_DummyIsTheUsersOwnHash: a password of an unknown user (or of
// a user without a hash) is checked against the first hashed user's own
// hash, so that its refusal costs what a known user's check costs (a
// users file of cheap bcrypt hashes, as the tests' are, makes no argon2id
// work); without any hashed user, against argon2id of HashPassword's
// parameters.
func TestUsers_DummyIsTheUsersOwnHash(t *testing.T) {
	h, err := HashPasswordBcrypt("s3cret!", 4)
	if err != nil {
		t.Fatal(err)
	}
	us, err := NewUsers([]User{{Name: "zed", DigestSecret: "x"}, {Name: "bob", PasswordHash: h}, {Name: "alice", DigestSecret: "y"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := us.dummy, us.byName["bob"].hash; got != want {
		t.Errorf("dummy: got %+v, want bob's hash %+v", got, want)
	}
	us, err = NewUsers([]User{{Name: "carol", DigestSecret: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if d := us.dummy; d == nil || d.bcrypt != nil || d.memory != argonMemory || d.time != argonTime || d.lanes != argonThreads {
		t.Errorf("dummy without hashed users: got %+v, want argon2id m=%d t=%d p=%d", d, argonMemory, argonTime, argonThreads)
	}
}
