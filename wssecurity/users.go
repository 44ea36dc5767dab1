package wssecurity

import (
	"maps"
	"slices"
	"strings"

	"github.com/wsgw/wsgw/internal/fielderr"
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
	// Subjects are client certificate subjects that authenticate as this
	// user over mTLS: every attribute of the distinguished name in the
	// RFC 4514 string form, last RDN first, e.g. "CN=alice,O=Example"
	// (pkix.RDNSequence.String of the raw subject; what openssl x509
	// -noout -subject -nameopt RFC2253 prints for the usual attributes).
	Subjects []string
}

// Users is a validated set of users, safe for concurrent reads.
type Users struct {
	byName    map[string]*user
	bySubject map[string]*user
	groups    map[string]bool
	// dummy is checked for a password whose user is unknown or has no
	// hash, so that it takes as long as a known user's (dummyOf).
	dummy *passwordHash
}

type user struct {
	User
	hash *passwordHash // nil without PasswordHash
}

// NewUsers validates list and indexes it. The error lists every problem as
// a *fielderr.Error whose path starts at the list ("[2].PasswordHash"), in
// field order: a missing or
// repeated name, a name with control characters or over MaxUsernameLen, a
// hash that does not parse or whose parameters are over the bounds, a
// subject claimed by two users, and a user with no way to authenticate
// (no hash, no digest secret, no subject).
func NewUsers(list []User) (*Users, error) {
	u := &Users{byName: map[string]*user{}, bySubject: map[string]*user{}, groups: map[string]bool{}}
	var l fielderr.List
	for i, in := range list {
		at := fielderr.Path{}.Index(i)
		us := &user{User: in}
		us.Groups = slices.Clone(in.Groups)
		us.Subjects = slices.Clone(in.Subjects)
		switch {
		case in.Name == "":
			l.Add(at.Field("Name"), "required")
		case len(in.Name) > MaxUsernameLen || strings.ContainsFunc(in.Name, isControl) || trimXMLSpace(in.Name) != in.Name:
			l.Add(at.Field("Name"), "%q: at most %d bytes, no control characters or surrounding spaces", in.Name, MaxUsernameLen)
		case u.byName[in.Name] != nil:
			l.Add(at.Field("Name"), "%q is defined twice", in.Name)
		default:
			u.byName[in.Name] = us
		}
		for j, g := range in.Groups {
			if g == "" || strings.ContainsFunc(g, isControl) {
				l.Add(at.Field("Groups").Index(j), "%q is not a group name", g)
			}
			u.groups[g] = true
		}
		if in.PasswordHash != "" {
			h, err := parsePasswordHash(in.PasswordHash)
			if err != nil {
				l.Add(at.Field("PasswordHash"), "%v", err)
			}
			us.hash = h
		}
		if len(in.DigestSecret) > MaxPasswordLen {
			l.Add(at.Field("DigestSecret"), "longer than %d bytes", MaxPasswordLen)
		}
		for j, s := range in.Subjects {
			switch {
			case s == "":
				l.Add(at.Field("Subjects").Index(j), "empty")
			case u.bySubject[s] != nil:
				l.Add(at.Field("Subjects").Index(j), "%q is already the subject of user %q", s, u.bySubject[s].Name)
			default:
				u.bySubject[s] = us
			}
		}
		if in.PasswordHash == "" && in.DigestSecret == "" && len(in.Subjects) == 0 {
			l.Add(at, "user %q cannot authenticate: give a password_hash, a digest_secret or subjects", in.Name)
		}
	}
	if err := l.Err(); err != nil {
		return nil, err
	}
	u.dummy = u.dummyOf()
	return u, nil
}

// dummyOf returns the hash checked for a password whose user is unknown
// or has no hash: the hash of the first user (by name) who has one, so
// that such a refusal costs what checking that user's password costs and
// its time does not tell the name is unknown (choice: the users' own
// cost, not HashPassword's; a users file of cheap hashes gets a cheap
// dummy, and making the dummy costs nothing). Its result is discarded.
// Without any hashed user, an argon2id of HashPassword's parameters
// (every password check then takes its time).
func (u *Users) dummyOf() *passwordHash {
	for _, name := range slices.Sorted(maps.Keys(u.byName)) {
		if h := u.byName[name].hash; h != nil {
			return h
		}
	}
	return &passwordHash{salt: make([]byte, argonSaltLen), key: make([]byte, argonKeyLen),
		memory: argonMemory, time: argonTime, lanes: argonThreads}
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
	return Identity{Name: subject, Method: ByCertificate, Subject: subject, Unlisted: true}
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
