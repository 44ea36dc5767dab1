package gateway

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"net/http"
	"slices"
	"sort"

	"github.com/wsgw/wsgw/caller"
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
	// FailedAuth bounds the failed authentications of each client address
	// (authlimit.go).
	FailedAuth FailedAuthLimit
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
	// Operations replace Allow for the operations they name. A reliable
	// service's sequence messages obey the rule of the operation they
	// carry, as plain requests do.
	Operations map[string]wssecurity.Rule
	// ReliableOperations replace Allow, on a reliable service, for the
	// reliable messaging requests they name (ReliableOperationNames):
	// who may CreateSequence, say.
	ReliableOperations map[string]wssecurity.Rule
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
	v       *wssecurity.Verifier
	limiter *authLimiter // failed authentications per client address
}

// newSecurity builds the verifier and checks that every operation a
// security section names exists (New).
func (g *Gateway) newSecurity() error {
	var l fielderr.List
	secured := g.cfg.BrokerSecurity != nil
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
	g.sec = &security{v: v, limiter: newAuthLimiter(g.cfg.Security.FailedAuth, g.now)}
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
	validateBrokerSecurity(&l, fielderr.Path{}.Field("BrokerSecurity"), &cfg, sc)
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

// authorize checks d's request against its service's security section,
// names its caller (d.caller: callerOf) and drops the consumed Security
// header from what is forwarded (and from what the reliable driver
// stores). Faults are WS-Security 1.1's (wssecurity), related to the
// request's WS-Addressing properties.
func (g *Gateway) authorize(s *service, r *http.Request, d *decision) error {
	sec := s.cfg.Security
	if sec == nil {
		d.caller = g.callerOf(r, nil)
		return nil
	}
	v := d.msg.Version
	h, ids, err := g.authenticate(r, d.msg, sec)
	if err != nil {
		return relate(err, d.addr)
	}
	d.caller = g.callerOf(r, ids)
	if d.reliable && !carriesPayload(d.msg) {
		// A reliable messaging request the driver answers itself
		// (reliable_security.go).
		name, rule := s.reliableRule(d.msg)
		err = allowedBy(v, "operation "+name+" of service "+s.cfg.Name, rule, ids)
	} else {
		err = allowed(v, s.cfg.Name, s.ruledOperations(r, d), sec, ids)
	}
	if err != nil {
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

// authenticate verifies m's wsse:Security header (a UsernameToken in it
// is always verified, required or not) and the client certificate of r
// against sec, and returns the header (nil without one) and the caller's
// identities: the token's, then the certificate's.
func (g *Gateway) authenticate(r *http.Request, m *soap.Message, sec *ServiceSecurity) (*wssecurity.Header, []wssecurity.Identity, error) {
	v := m.Version
	h, err := wssecurity.Parse(m)
	if err != nil {
		return nil, nil, err
	}
	// A client address over its failed authentications is refused before
	// the password is hashed (authlimit.go).
	var from caller.ID
	if h != nil && h.UsernameToken != nil {
		if ip := clientIP(r, g.trusted); ip.IsValid() {
			from = caller.Address(ip)
		}
		if !g.sec.limiter.allow(from) {
			return nil, nil, soap.NewFault(v, soap.WSSEFailedAuthentication,
				"too many failed authentications from this client address; try again later")
		}
	}
	tokenID, err := g.sec.v.Verify(v, h, policyOf(sec))
	if err != nil {
		if h != nil && h.UsernameToken != nil {
			g.sec.limiter.failed(from)
		}
		return nil, nil, err
	}
	ids := make([]wssecurity.Identity, 0, 2)
	if tokenID != nil {
		ids = append(ids, *tokenID)
	}
	if subject, ok := clientSubject(r); ok {
		ids = append(ids, g.sec.v.Users().CertificateIdentity(subject))
	} else if sec.RequireClientCertificate {
		return nil, nil, soap.NewFault(v, soap.WSSEFailedAuthentication, "this endpoint requires a verified TLS client certificate")
	}
	return h, ids, nil
}

// rule is the rule of operation op: its own, else Allow.
func (sec *ServiceSecurity) rule(op string) wssecurity.Rule {
	if r, ok := sec.Operations[op]; ok {
		return r
	}
	return sec.Allow
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
// none) is answered by the driver, reaches no operation and obeys
// reliableRule instead.
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
		what := "operation " + op + " of service " + service
		if op == "" {
			what = "service " + service
		}
		if err := allowedBy(v, what, sec.rule(op), ids); err != nil {
			return err
		}
	}
	return nil
}

// allowedBy applies rule to the caller's identities: one that the rule
// allows is enough. what names what is asked ("operation X of service
// Y").
func allowedBy(v soap.Version, what string, rule wssecurity.Rule, ids []wssecurity.Identity) error {
	if rule.IsZero() || slices.ContainsFunc(ids, rule.Allows) {
		return nil
	}
	if len(ids) == 0 {
		return soap.NewFault(v, soap.WSSEFailedAuthentication, what+" needs an authenticated caller (a wsse:UsernameToken or a client certificate)")
	}
	return soap.NewFault(v, soap.WSSEFailedAuthentication, fmt.Sprintf("%s may not call %s", identityNames(ids), what))
}

// callerOf is the one notion of who sends a request (package caller): the
// first identity authenticated (the UsernameToken's user, else the
// client certificate's subject), else the client's address (behind
// trusted proxies, the nearest address X-Forwarded-For names that is not
// one of them). Per-caller bounds of reliable sequences and broker
// resources count by it, and it is stored with what the request creates.
func (g *Gateway) callerOf(r *http.Request, ids []wssecurity.Identity) caller.ID {
	if len(ids) > 0 {
		if id := ids[0]; id.Method == wssecurity.ByCertificate {
			return caller.Certificate(id.Subject)
		}
		return caller.User(ids[0].Name)
	}
	if ip := clientIP(r, g.trusted); ip.IsValid() {
		return caller.Address(ip)
	}
	return ""
}

// identityOf is the identity a caller stands for, for rules applied after
// the request (a subscription's deliveries): a user as the users file has
// them now, a certificate subject through the users that list it; none
// for a client address or a user no longer there.
func (g *Gateway) identityOf(who caller.ID) ([]wssecurity.Identity, bool) {
	if g.sec == nil {
		return nil, false
	}
	users := g.sec.v.Users()
	if name, ok := who.UserName(); ok {
		u, found := users.Lookup(name)
		if !found {
			return nil, false
		}
		return []wssecurity.Identity{{Name: u.Name, Groups: u.Groups, Method: wssecurity.ByUsernameToken}}, true
	}
	if subject, ok := who.Subject(); ok {
		return []wssecurity.Identity{users.CertificateIdentity(subject)}, true
	}
	return nil, false
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
	fa := path.Field("FailedAuth")
	if s.FailedAuth.Recovery < 0 {
		l.Add(fa.Field("Recovery"), "negative")
	}
	if s.FailedAuth.MaxAddresses < 0 {
		l.Add(fa.Field("MaxAddresses"), "negative")
	}
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
	for _, name := range sortedKeys(sec.ReliableOperations) {
		at := path.Field("ReliableOperations").Key(name)
		if !validReliableOperation(name) {
			l.Add(at, "%q: want one of %v", name, ReliableOperationNames)
			continue
		}
		validateRule(l, at, sec.ReliableOperations[name], users, pol, sc.clientCAs)
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
