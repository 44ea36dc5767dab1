package gateway

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"net/http"
	"slices"
	"sort"

	"github.com/wsgw/wsgw/internal/fielderr"
	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/wsdl"
	"github.com/wsgw/wsgw/wsreliable"
	"github.com/wsgw/wsgw/wsreliable/driver"
	"github.com/wsgw/wsgw/wssecurity"
)

// SecurityConfig is the gateway's WS-Security setup: its users and the
// bounds of the checks (wssecurity.Config: freshness window, clock skew,
// replay cache). Services say what they require in
// ServiceConfig.Security.
type SecurityConfig struct {
	Users []wssecurity.User
	wssecurity.Config
}

// ServiceSecurity is what a service requires of its callers. With a
// security section the gateway checks the request's wsse:Security header
// (a UsernameToken in it is always verified, required or not) and the
// client certificate, after the operation is known and before the request
// is forwarded or taken by the reliable driver.
type ServiceSecurity struct {
	// RequireUsernameToken, RequireTimestamp: the wsse:Security header
	// must carry a wsse:UsernameToken, a wsu:Timestamp.
	RequireUsernameToken, RequireTimestamp bool
	// RequireClientCertificate: the TLS client must have presented a
	// certificate the listener verified (Config.TLS.ClientCAFiles).
	RequireClientCertificate bool
	// PasswordTypes accepted in a UsernameToken: "text", "digest"; empty
	// accepts both.
	PasswordTypes []string
	// Allow names who may call the service; the zero Rule restricts
	// nobody beyond the Require fields (require a token or a certificate
	// to let any authenticated caller in).
	Allow wssecurity.Rule
	// Operations replace Allow for the operations they name.
	Operations map[string]wssecurity.Rule
	// ForwardSecurityHeader passes the wsse:Security header the gateway
	// checked on to the backend; false (the default) removes it, as the
	// gateway consumed it (choice: a backend that trusts the gateway has
	// no use for the caller's password).
	ForwardSecurityHeader bool
}

// Password types of ServiceSecurity.PasswordTypes.
const (
	PasswordTypeText   = "text"
	PasswordTypeDigest = "digest"
)

// security is the gateway's verifier; nil when no service has a security
// section.
type security struct {
	v *wssecurity.Verifier
}

// newSecurity builds the verifier and checks that every operation a
// security section names exists (New).
func (g *Gateway) newSecurity() error {
	var l fielderr.List
	secured := false
	for i, s := range g.services {
		sec := s.cfg.Security
		if sec == nil {
			continue
		}
		secured = true
		names := map[string]bool{}
		for _, op := range s.dispatch.Operations() {
			names[op.Name] = true
		}
		for _, name := range sortedKeys(sec.Operations) {
			if !names[name] {
				l.Add(fielderr.Path{}.Field("Services").Index(i).Field("Security").Field("Operations").Key(name),
					"no such operation in service %s", s.wsdlName)
			}
		}
	}
	if err := validationError(&l); err != nil || !secured {
		return err
	}
	path := fielderr.Path{}.Field("Security")
	users, err := wssecurity.NewUsers(g.cfg.Security.Users)
	if err != nil {
		return fielderr.Under(path.Field("Users"), err) // Validate reported it already
	}
	v, err := wssecurity.NewVerifier(g.cfg.Security.Config, users, nil)
	if err != nil {
		return fielderr.At(path, err)
	}
	g.sec = &security{v: v}
	return nil
}

// SetUsers replaces the users (a reload of the users file). It refuses a
// set the services' security sections cannot work with (see Validate).
func (g *Gateway) SetUsers(users []wssecurity.User) error {
	cfg := g.cfg
	cfg.Security.Users = users
	var l fielderr.List
	sc := newSecurityCheck(&cfg)
	validateSecurity(&l, fielderr.Path{}.Field("Security"), cfg.Security, sc)
	for i, s := range cfg.Services {
		if s.Security != nil {
			s.Security.validate(&l, fielderr.Path{}.Field("Services").Index(i).Field("Security"), sc)
		}
	}
	if err := validationError(&l); err != nil {
		return err
	}
	if g.sec == nil {
		return nil
	}
	us, err := wssecurity.NewUsers(users)
	if err != nil {
		return err
	}
	g.sec.v.SetUsers(us)
	return nil
}

// authorize checks d's request against its service's security section and
// drops the consumed Security header from what is forwarded. Faults are
// WS-Security 1.1's (wssecurity), related to the request's WS-Addressing
// properties.
func (g *Gateway) authorize(s *service, r *http.Request, d *decision) error {
	sec := s.cfg.Security
	if sec == nil {
		return nil
	}
	v := d.msg.Version
	h, err := wssecurity.Parse(d.msg)
	if err != nil {
		return relate(err, d.addr)
	}
	tokenID, err := g.sec.v.Verify(v, h, policyOf(sec))
	if err != nil {
		return relate(err, d.addr)
	}
	ids := make([]wssecurity.Identity, 0, 2)
	if tokenID != nil {
		ids = append(ids, *tokenID)
	}
	if subject, ok := clientSubject(r); ok {
		ids = append(ids, g.sec.v.Users().CertificateIdentity(subject))
	} else if sec.RequireClientCertificate {
		return relate(soap.NewFault(v, soap.WSSEFailedAuthentication, "this service requires a verified TLS client certificate"), d.addr)
	}
	if err := allowed(v, s.cfg.Name, s.ruledOperations(r, d), sec, ids); err != nil {
		s.log.Info("access refused", "operation", d.op.Name, "identities", identityNames(ids))
		return relate(err, d.addr)
	}
	if h != nil && !sec.ForwardSecurityHeader {
		d.consumed = append(d.consumed, h.Block.Element)
		if !d.reliable {
			d.out = forwardedPayload(d.msg, s.understood, d.consumed...)
		}
	}
	return nil
}

// ruledOperations returns the operations whose rules d's request must
// pass. It is the operation the gateway dispatched it to, and every
// operation named by a key (wsa:Action, SOAPAction, body element) that
// does not name that one: the backend may dispatch on any single key, and
// Lookup lets some disagreement through (an unknown wsa:Action under
// Unmatched "forward", a body under an operation whose input body is
// empty), so a caller must not reach, through disagreeing keys, an
// operation whose rule refuses it (choice: refuse rather than guess which
// key the backend reads). A reliable request is dispatched by its driver
// later, with the same keys: the operation they pick together stands for
// it; one whose body is the protocol's own (CreateSequence, MakeConnection,
// none) is answered by the driver, reaches no operation and passes the
// service's rule.
func (s *service) ruledOperations(r *http.Request, d *decision) []string {
	if d.reliable && !carriesPayload(d.msg) {
		return nil
	}
	_, action, _ := soap.ParseContentType(r.Header) // decide checked it
	k := dispatchKey(d.msg, action, d.addr)
	var ops []string
	op := d.op
	if d.reliable {
		if op, _ = s.dispatch.Lookup(k); op == nil && s.cfg.Unmatched == UnmatchedForward {
			op = s.unmatched // delivered under Unmatched "forward"
		}
	}
	if op != nil {
		ops = append(ops, op.Name)
	}
	for _, named := range s.dispatch.Named(k) {
		if op != nil && slices.ContainsFunc(named, func(n *wsdl.Operation) bool { return n.Name == op.Name }) {
			continue
		}
		for _, n := range named {
			if !slices.Contains(ops, n.Name) {
				ops = append(ops, n.Name)
			}
		}
	}
	return ops
}

// carriesPayload reports whether a reliable request carries a body its
// driver delivers: one that is not WS-RM's, WS-MakeConnection's or wsgw's
// reply pickup (wsreliable, driver.NSReplyRequest).
func carriesPayload(m *soap.Message) bool {
	if !m.Payload.Valid() {
		return false
	}
	switch m.Payload.Name().Space {
	case wsreliable.NSRM, wsreliable.NSRM200502, wsreliable.NSMC, driver.NSReplyRequest:
		return false
	}
	return true
}

// allowed applies the rule of each of ops (an operation's own, else the
// service's; the service's when ops is empty) to the caller's identities:
// for each rule, one identity that it allows is enough.
func allowed(v soap.Version, service string, ops []string, sec *ServiceSecurity, ids []wssecurity.Identity) error {
	if len(ops) == 0 {
		ops = []string{""}
	}
	for _, op := range ops {
		rule, ok := sec.Operations[op]
		if !ok {
			rule = sec.Allow
		}
		if rule.IsZero() || slices.ContainsFunc(ids, rule.Allows) {
			continue
		}
		what := "operation " + op + " of service " + service
		if op == "" {
			what = "service " + service
		}
		if len(ids) == 0 {
			return soap.NewFault(v, soap.WSSEFailedAuthentication, fmt.Sprintf(
				"%s needs an authenticated caller (a wsse:UsernameToken or a client certificate)", what))
		}
		return soap.NewFault(v, soap.WSSEFailedAuthentication, fmt.Sprintf(
			"%s may not call %s", identityNames(ids), what))
	}
	return nil
}

// clientSubject returns the subject of the client certificate the TLS
// layer verified (against Config.TLS.ClientCAFiles): every attribute of
// its distinguished name as encoded, in the RFC 4514 string form (last
// RDN first, multi-valued RDNs joined by '+'), which is what openssl
// prints with -nameopt RFC2253. Not x509.Certificate.Subject.String():
// pkix.Name keeps one CommonName (the last) and one SerialNumber, and
// orders the attributes it knows its own way, so that a subject with a
// second CN, a user's, would be taken for that user.
func clientSubject(r *http.Request) (string, bool) {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.VerifiedChains[0]) == 0 {
		return "", false
	}
	var rdns pkix.RDNSequence
	rest, err := asn1.Unmarshal(r.TLS.VerifiedChains[0][0].RawSubject, &rdns)
	if err != nil || len(rest) > 0 {
		return "", false // x509 parsed it; no identity if this cannot
	}
	return rdns.String(), true
}

func identityNames(ids []wssecurity.Identity) string {
	s := ""
	for i, id := range ids {
		if i > 0 {
			s += " and "
		}
		s += fmt.Sprintf("%s (%s)", id.Name, id.Method)
	}
	return s
}

func policyOf(sec *ServiceSecurity) wssecurity.Policy {
	p := wssecurity.Policy{RequireUsernameToken: sec.RequireUsernameToken, RequireTimestamp: sec.RequireTimestamp}
	for _, t := range sec.PasswordTypes {
		p.Text = p.Text || t == PasswordTypeText
		p.Digest = p.Digest || t == PasswordTypeDigest
	}
	return p
}

// securityCheck is what the services' security sections are checked
// against: the users (nil when they are refused) and whether the listener
// verifies client certificates.
type securityCheck struct {
	users     *wssecurity.Users
	usersErr  error // NewUsers' refusal of Config.Security.Users
	clientCAs bool
}

func newSecurityCheck(c *Config) securityCheck {
	users, err := wssecurity.NewUsers(c.Security.Users)
	return securityCheck{users: users, usersErr: err, clientCAs: c.TLS != nil && len(c.TLS.ClientCAFiles) > 0}
}

// validateSecurity reports the problems of the security section at path:
// its bounds (wssecurity.Config, whose fields it promotes) and its users.
func validateSecurity(l *fielderr.List, path fielderr.Path, s SecurityConfig, sc securityCheck) {
	l.Nest(path, s.Config.Validate())
	l.Nest(path.Field("Users"), sc.usersErr)
}

// validate refuses a service security section that cannot work: a rule
// naming a user or group nobody is, digest-only services whose users have
// no digest secret, certificate rules without client CAs, tokens required
// with no users. With users that are refused themselves, it checks
// nothing (their problems are reported at Security.Users).
func (sec *ServiceSecurity) validate(l *fielderr.List, path fielderr.Path, sc securityCheck) {
	if sc.usersErr != nil {
		return
	}
	users := sc.users
	pol := policyOf(sec)
	if sec.RequireUsernameToken && users.Len() == 0 {
		l.Add(path.Field("RequireUsernameToken"), "no users are configured (security.users) to authenticate")
	}
	if sec.RequireClientCertificate && !sc.clientCAs {
		l.Add(path.Field("RequireClientCertificate"), "the listener verifies no client certificates (tls.clientCAFiles)")
	}
	for j, t := range sec.PasswordTypes {
		if t != PasswordTypeText && t != PasswordTypeDigest {
			l.Add(path.Field("PasswordTypes").Index(j), "%q: want %q or %q", t, PasswordTypeText, PasswordTypeDigest)
		}
	}
	if pol.Digest && !pol.Text && !users.Any(func(u wssecurity.User) bool { return u.DigestSecret != "" }) {
		l.Add(path.Field("PasswordTypes"), "only PasswordDigest is accepted, and no user has a digest secret")
	}
	validateRule(l, path.Field("Allow"), sec.Allow, users, pol, sc.clientCAs)
	for _, name := range sortedKeys(sec.Operations) {
		validateRule(l, path.Field("Operations").Key(name), sec.Operations[name], users, pol, sc.clientCAs)
	}
}

func validateRule(l *fielderr.List, path fielderr.Path, r wssecurity.Rule, users *wssecurity.Users, pol wssecurity.Policy, clientCAs bool) {
	for j, name := range r.Users {
		u, ok := users.Lookup(name)
		at := path.Field("Users").Index(j)
		switch {
		case !ok:
			l.Add(at, "no user %q in security.users", name)
		case pol.Digest && !pol.Text && u.DigestSecret == "" && (len(u.Subjects) == 0 || !clientCAs):
			l.Add(at, "user %q has no digest secret, and only PasswordDigest is accepted", name)
		case pol.Text && !pol.Digest && u.PasswordHash == "" && u.DigestSecret == "" && (len(u.Subjects) == 0 || !clientCAs):
			l.Add(at, "user %q has no password, and only PasswordText is accepted", name)
		}
	}
	for j, g := range r.Groups {
		if !users.HasGroup(g) {
			l.Add(path.Field("Groups").Index(j), "no user is in group %q", g)
		}
	}
	if len(r.Subjects) > 0 && !clientCAs {
		l.Add(path.Field("Subjects"), "the listener verifies no client certificates (tls.clientCAFiles)")
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
