package wssecurity

import "slices"

// Method is how an identity was authenticated.
type Method uint8

const (
	ByUsernameToken Method = iota + 1 // a wsse:UsernameToken with a password
	ByCertificate                     // a TLS client certificate
)

func (m Method) String() string {
	switch m {
	case ByUsernameToken:
		return "UsernameToken"
	case ByCertificate:
		return "client certificate"
	}
	return "none"
}

// Identity is an authenticated caller.
type Identity struct {
	// Name is the user's name; for a certificate no user lists, its
	// subject.
	Name   string
	Groups []string
	Method Method
	// Subject is the certificate subject (ByCertificate only).
	Subject string
	// Unlisted: a certificate no user lists; Name is its subject, no
	// user's name, and rules match it by Subjects only.
	Unlisted bool
}

// Rule allows callers by user name, group or certificate subject. The zero
// Rule allows every authenticated identity.
type Rule struct {
	Users    []string
	Groups   []string
	Subjects []string
}

// IsZero reports whether r names nobody, so allows every identity.
func (r Rule) IsZero() bool { return len(r.Users) == 0 && len(r.Groups) == 0 && len(r.Subjects) == 0 }

// Allows reports whether id is allowed by r: by its user name (not for
// an Unlisted certificate, whose subject could be spelt like a user's
// name), a group or, for a certificate, its subject.
func (r Rule) Allows(id Identity) bool {
	if r.IsZero() {
		return true
	}
	if !id.Unlisted && slices.Contains(r.Users, id.Name) || id.Method == ByCertificate && slices.Contains(r.Subjects, id.Subject) {
		return true
	}
	for _, g := range id.Groups {
		if slices.Contains(r.Groups, g) {
			return true
		}
	}
	return false
}
