package wssecurity

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// User is one identity of a users file.
//
// PasswordDigest (UsernameToken Profile 1.1, 3.1) is computed by the client
// from "the password (or shared secret, or password equivalent)": the
// server must hold that secret itself, which a password hash cannot give
// back. So a user who may authenticate with PasswordDigest has a
// DigestSecret, kept in the clear (choice: stored per user, and, in the
// file format of cmd/wsgw, preferably in a file of its own that only the
// gateway can read); a user without one can only use PasswordText, which is
// checked against PasswordHash. The secret is a password equivalent: who
// reads it can authenticate as the user.
type User struct {
	Name   string
	Groups []string
	// PasswordHash checks PasswordText: argon2id (PHC string) or bcrypt.
	PasswordHash string
	// DigestSecret checks PasswordDigest, and PasswordText when the user
	// has no PasswordHash. Empty: no PasswordDigest for this user.
	DigestSecret string
	// Subjects are client certificate subjects (the RFC 2253 form of
	// x509.Certificate.Subject.String(), e.g. "CN=alice,O=Example") that
	// authenticate as this user over mTLS.
	Subjects []string
}

// Users is a validated set of users, safe for concurrent reads.
type Users struct {
	byName    map[string]*user
	bySubject map[string]*user
	groups    map[string]bool
}

type user struct {
	User
	hash *passwordHash // nil without PasswordHash
}

// NewUsers validates list and indexes it. The error lists every problem,
// each with its field path ("users[2].password_hash: ..."): a missing or
// repeated name, a name with control characters or over MaxUsernameLen, a
// hash that does not parse or whose parameters are over the bounds, a
// subject claimed by two users, and a user with no way to authenticate
// (no hash, no digest secret, no subject).
func NewUsers(list []User) (*Users, error) {
	u := &Users{byName: map[string]*user{}, bySubject: map[string]*user{}, groups: map[string]bool{}}
	var errs []error
	add := func(i int, field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("users[%d]%s: %s", i, field, fmt.Sprintf(format, args...)))
	}
	for i, in := range list {
		us := &user{User: in}
		us.Groups = slices.Clone(in.Groups)
		us.Subjects = slices.Clone(in.Subjects)
		switch {
		case in.Name == "":
			add(i, ".name", "required")
		case len(in.Name) > MaxUsernameLen || strings.ContainsFunc(in.Name, isControl) || trimXMLSpace(in.Name) != in.Name:
			add(i, ".name", "%q: at most %d bytes, no control characters or surrounding spaces", in.Name, MaxUsernameLen)
		case u.byName[in.Name] != nil:
			add(i, ".name", "%q is defined twice", in.Name)
		default:
			u.byName[in.Name] = us
		}
		if in.PasswordHash != "" {
			h, err := parsePasswordHash(in.PasswordHash)
			if err != nil {
				add(i, ".password_hash", "%v", err)
			}
			us.hash = h
		}
		if len(in.DigestSecret) > MaxPasswordLen {
			add(i, ".digest_secret", "longer than %d bytes", MaxPasswordLen)
		}
		if in.PasswordHash == "" && in.DigestSecret == "" && len(in.Subjects) == 0 {
			add(i, "", "user %q cannot authenticate: give a password_hash, a digest_secret or subjects", in.Name)
		}
		for j, g := range in.Groups {
			if g == "" || strings.ContainsFunc(g, isControl) {
				add(i, fmt.Sprintf(".groups[%d]", j), "%q is not a group name", g)
			}
			u.groups[g] = true
		}
		for j, s := range in.Subjects {
			switch {
			case s == "":
				add(i, fmt.Sprintf(".subjects[%d]", j), "empty")
			case u.bySubject[s] != nil:
				add(i, fmt.Sprintf(".subjects[%d]", j), "%q is already the subject of user %q", s, u.bySubject[s].Name)
			default:
				u.bySubject[s] = us
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return u, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// Lookup returns the user called name.
func (u *Users) Lookup(name string) (User, bool) {
	if u == nil || u.byName[name] == nil {
		return User{}, false
	}
	return u.byName[name].User, true
}

// HasGroup reports whether some user is in group g.
func (u *Users) HasGroup(g string) bool { return u != nil && u.groups[g] }

// Len returns the number of users.
func (u *Users) Len() int {
	if u == nil {
		return 0
	}
	return len(u.byName)
}

// CertificateIdentity returns the identity of a client whose certificate
// (already verified by TLS against the configured CAs) has subject: the
// user that lists the subject, else an identity named by the subject
// itself, with no groups.
func (u *Users) CertificateIdentity(subject string) Identity {
	if u != nil {
		if us := u.bySubject[subject]; us != nil {
			return Identity{Name: us.Name, Groups: us.Groups, Method: ByCertificate, Subject: subject}
		}
	}
	return Identity{Name: subject, Method: ByCertificate, Subject: subject}
}

// Any reports whether some user satisfies f.
func (u *Users) Any(f func(User) bool) bool {
	if u == nil {
		return false
	}
	for _, us := range u.byName {
		if f(us.User) {
			return true
		}
	}
	return false
}
