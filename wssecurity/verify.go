package wssecurity

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/wsgw/wsgw/internal/fielderr"
	"github.com/wsgw/wsgw/soap"
)

// Config bounds what a Verifier accepts. Zero fields take the defaults in
// their comments.
type Config struct {
	// MaxAge is how old a wsu:Created (of a UsernameToken or a Timestamp)
	// may be; default 5m (WSS4J's default time-to-live). It is also how
	// long a nonce is remembered.
	MaxAge time.Duration
	// MaxSkew is how far the clocks of client and gateway may differ: a
	// Created up to MaxSkew in the future is accepted, an Expires up to
	// MaxSkew in the past too; default 1m.
	MaxSkew time.Duration
	// MaxNonces bounds the replay cache; default 200000 (some 30 MB).
	MaxNonces int
	// MaxNoncesPerIdentity bounds one identity's share of it; default
	// 20000. An identity over it is refused (wsgw:NonceCacheFull, 503)
	// until its oldest nonces expire; others are not affected.
	MaxNoncesPerIdentity int
}

// Defaults of Config.
const (
	DefaultMaxAge               = 5 * time.Minute
	DefaultMaxSkew              = time.Minute
	DefaultMaxNonces            = 200000
	DefaultMaxNoncesPerIdentity = 20000
)

// Verified passwords are cached (passCache) this long, this many.
const (
	passCacheTTL = 5 * time.Minute
	passCacheMax = 10000
)

// Validate reports every negative field as *fielderr.Error values (paths
// such as "MaxAge"), in field order.
func (c Config) Validate() error {
	var l fielderr.List
	for _, f := range []struct {
		name string
		neg  bool
	}{
		{"MaxAge", c.MaxAge < 0}, {"MaxSkew", c.MaxSkew < 0},
		{"MaxNonces", c.MaxNonces < 0}, {"MaxNoncesPerIdentity", c.MaxNoncesPerIdentity < 0},
	} {
		if f.neg {
			l.Add(fielderr.Path{}.Field(f.name), "negative")
		}
	}
	return l.Err()
}

func (c Config) withDefaults() Config {
	if c.MaxAge == 0 {
		c.MaxAge = DefaultMaxAge
	}
	if c.MaxSkew == 0 {
		c.MaxSkew = DefaultMaxSkew
	}
	if c.MaxNonces == 0 {
		c.MaxNonces = DefaultMaxNonces
	}
	if c.MaxNoncesPerIdentity == 0 {
		c.MaxNoncesPerIdentity = DefaultMaxNoncesPerIdentity
	}
	return c
}

// Policy is what one service (or operation) requires of the Security
// header.
type Policy struct {
	RequireUsernameToken bool
	RequireTimestamp     bool
	// Text and Digest are the password types accepted; both false accepts
	// both.
	Text, Digest bool
}

func (p Policy) accepts(t PasswordType) bool {
	if !p.Text && !p.Digest {
		return true
	}
	return t == Text && p.Text || t == Digest && p.Digest
}

// Verifier checks Security headers against the users. It is safe for
// concurrent use.
type Verifier struct {
	cfg       Config
	now       func() time.Time
	users     atomic.Pointer[Users]
	nonces    *nonceCache
	passwords *passCache
}

// NewVerifier returns a verifier over users (nil: nobody). now is the clock
// (time.Now when nil).
func NewVerifier(cfg Config, users *Users, now func() time.Time) (*Verifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if now == nil {
		now = time.Now
	}
	v := &Verifier{cfg: cfg, now: now, nonces: newNonceCache(cfg.MaxNonces, cfg.MaxNoncesPerIdentity),
		passwords: newPassCache(passCacheMax, passCacheTTL)}
	v.SetUsers(users)
	return v, nil
}

// SetUsers replaces the users (a reload); requests being verified finish
// with the users they started with.
func (v *Verifier) SetUsers(u *Users) {
	if u == nil {
		u, _ = NewUsers(nil)
	}
	v.users.Store(u)
}

// Users returns the current users.
func (v *Verifier) Users() *Users { return v.users.Load() }

// Verify checks the Security header h (nil when the message has none) of a
// message of version ver against p, at the verifier's clock, and returns
// the identity its UsernameToken proves (nil when it has none). A
// UsernameToken is checked whenever present, required or not. Every error
// is a *soap.Fault of version ver (see doc.go for which check gives which
// fault); a failed authentication says no more than the spec's fault
// string, so that it does not tell whether the user exists.
func (v *Verifier) Verify(ver soap.Version, h *Header, p Policy) (*Identity, error) {
	now := v.now()
	var ut *UsernameToken
	var ts *Timestamp
	if h != nil {
		ut, ts = h.UsernameToken, h.Timestamp
	}
	switch {
	case p.RequireTimestamp && ts == nil:
		return nil, invalidSecurity(ver, "this service requires a wsu:Timestamp in the wsse:Security header")
	case p.RequireUsernameToken && ut == nil:
		return nil, invalidSecurity(ver, "this service requires a wsse:UsernameToken in the wsse:Security header")
	}
	if ts != nil {
		if err := v.checkTimestamp(ver, ts, now); err != nil {
			return nil, err
		}
	}
	if ut == nil {
		return nil, nil
	}
	return v.checkToken(ver, ut, p, now)
}

// checkTimestamp: SOAP Message Security 1.1, 10: a receiver may refuse a
// message whose Timestamp has expired; a Created in the future (beyond
// the skew) or older than MaxAge is refused too.
func (v *Verifier) checkTimestamp(ver soap.Version, ts *Timestamp, now time.Time) error {
	if err := v.fresh(ver, "wsu:Timestamp/wsu:Created", ts.Created, now); err != nil {
		return err
	}
	if !ts.Expires.IsZero() && now.After(ts.Expires.Add(v.cfg.MaxSkew)) {
		return soap.NewFault(ver, soap.WSSEMessageExpired, fmt.Sprintf(
			"wsu:Timestamp expired at %s", ts.Expires.Format(time.RFC3339)))
	}
	return nil
}

// fresh checks that a Created time is within [now-MaxAge-MaxSkew,
// now+MaxSkew].
func (v *Verifier) fresh(ver soap.Version, what string, created, now time.Time) error {
	switch {
	case created.After(now.Add(v.cfg.MaxSkew)):
		return soap.NewFault(ver, soap.WSSEMessageExpired, fmt.Sprintf(
			"%s %s is in the future (more than %v ahead of the gateway's clock)", what, created.Format(time.RFC3339), v.cfg.MaxSkew))
	case now.Sub(created) > v.cfg.MaxAge+v.cfg.MaxSkew:
		return soap.NewFault(ver, soap.WSSEMessageExpired, fmt.Sprintf(
			"%s %s is older than %v", what, created.Format(time.RFC3339), v.cfg.MaxAge))
	}
	return nil
}

// checkToken authenticates ut: the password type the policy accepts;
// for PasswordDigest a Nonce and a Created (choice: without them a digest
// is a replayable password equivalent); the Created's freshness; the
// password; then the nonce, recorded once the token authenticated.
func (v *Verifier) checkToken(ver soap.Version, ut *UsernameToken, p Policy, now time.Time) (*Identity, error) {
	if ut.PasswordType == NoPassword {
		return nil, failedAuthentication(ver)
	}
	if !p.accepts(ut.PasswordType) {
		return nil, soap.NewFault(ver, soap.WSSEUnsupportedSecurityToken, "this service does not accept a UsernameToken with "+ut.PasswordType.String())
	}
	if ut.PasswordType == Digest && (ut.Nonce == nil || !ut.HasCreated()) {
		return nil, invalidToken(ver, "a PasswordDigest needs a wsse:Nonce and a wsu:Created (choice: without them it can be replayed)")
	}
	if ut.HasCreated() {
		if err := v.fresh(ver, "wsse:UsernameToken/wsu:Created", ut.Created, now); err != nil {
			return nil, err
		}
	}
	users := v.users.Load()
	us := users.byName[ut.Username]
	if !v.authenticate(users, us, ut, now) {
		return nil, failedAuthentication(ver)
	}
	if ut.Nonce != nil {
		expires := now.Add(v.cfg.MaxAge + v.cfg.MaxSkew)
		if ut.HasCreated() {
			expires = ut.Created.Add(v.cfg.MaxAge + v.cfg.MaxSkew)
		}
		switch res, retry := v.nonces.add(us.Name, ut.Nonce, expires, now); res {
		case nonceReplay:
			return nil, soap.NewFault(ver, soap.WSSEFailedAuthentication, "this wsse:Nonce was used before (a replayed message)")
		case nonceFullID:
			return nil, nonceCacheFull(ver, "for this identity", v.cfg.MaxAge+v.cfg.MaxSkew)
		case nonceFullAll:
			return nil, nonceCacheFull(ver, "", retry)
		}
	}
	return &Identity{Name: us.Name, Groups: us.Groups, Method: ByUsernameToken}, nil
}

// authenticate checks ut's password against us (nil for an unknown user,
// which is checked against users' dummy so that it takes as long).
func (v *Verifier) authenticate(users *Users, us *user, ut *UsernameToken, now time.Time) bool {
	if ut.PasswordType == Digest {
		secret := "wsgw: no such user"
		if us != nil {
			secret = us.DigestSecret
		}
		ok := checkDigest(ut, secret)
		return ok && us != nil && us.DigestSecret != ""
	}
	if us == nil {
		users.dummy.check(ut.Password)
		return false
	}
	credential := us.PasswordHash
	if us.hash == nil {
		credential = "digest secret\x00" + us.DigestSecret // a changed secret no longer hits the cache
	}
	k := v.passwords.sum(us.Name, ut.Password, credential)
	if v.passwords.hit(k, now) {
		return true
	}
	var ok bool
	if us.hash != nil {
		ok = us.hash.check(ut.Password)
	} else {
		// A user without a hash (a digest secret, or subjects only) takes
		// the dummy hash's time too, as an unknown user and a user with
		// a hash do, so that a refusal's time does not tell the name
		// exists. The secret is compared as SHA-256 sums, so that the
		// time does not tell its length either.
		users.dummy.check(ut.Password)
		got, want := sha256.Sum256([]byte(ut.Password)), sha256.Sum256([]byte(us.DigestSecret))
		ok = us.DigestSecret != "" && subtle.ConstantTimeCompare(got[:], want[:]) == 1
	}
	if ok {
		v.passwords.put(k, now)
	}
	return ok
}

// checkDigest compares ut's digest with Base64(SHA-1(nonce + created +
// secret)) (UsernameToken Profile 1.1, 3.1: the nonce's decoded octets,
// created's text as sent; WS-I BSP 1.1 R4212) in constant time.
func checkDigest(ut *UsernameToken, secret string) bool {
	return subtle.ConstantTimeCompare(PasswordDigestOf(ut.Nonce, ut.created, secret), ut.digest) == 1
}

// PasswordDigestOf returns SHA-1(nonce + created + secret), the digest a
// PasswordDigest carries in Base64 (UsernameToken Profile 1.1, 3.1).
func PasswordDigestOf(nonce []byte, created, secret string) []byte {
	h := sha1.New()
	h.Write(nonce)
	h.Write([]byte(created))
	h.Write([]byte(secret))
	return h.Sum(nil)
}

func failedAuthentication(ver soap.Version) *soap.Fault {
	return soap.NewFault(ver, soap.WSSEFailedAuthentication, "")
}

func nonceCacheFull(ver soap.Version, whose string, retry time.Duration) *soap.Fault {
	reason := "the replay cache is full; retry later"
	if whose != "" {
		reason = "the replay cache is full " + whose + "; retry later"
	}
	return soap.NewFault(ver, soap.FaultNonceCacheFull, reason).WithCause(&RetryAfterError{After: retry})
}

// RetryAfterError is the cause of a fault that says when to retry (the
// HTTP Retry-After of a wsgw:NonceCacheFull).
type RetryAfterError struct{ After time.Duration }

func (e *RetryAfterError) Error() string { return fmt.Sprintf("retry after %v", e.After) }
