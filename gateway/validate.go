package gateway

import (
	"net"
	"net/netip"
	"net/url"
	"sort"
	"strings"

	"github.com/wsgw/wsgw/internal/fielderr"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// FieldError is one configuration problem at a field path, kept as data:
// Path holds the steps (Go field names, indexes, map keys) and Field()
// renders them ("Services[1].Cluster.Partitions[0].Replicas[2]").
type FieldError = fielderr.Error

// ValidationError lists every problem Validate found, in field order.
type ValidationError struct {
	Problems []*FieldError
}

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Error()
	}
	return "invalid configuration:\n  " + strings.Join(msgs, "\n  ")
}

// Unwrap returns the problems, for errors.As and fielderr.All.
func (e *ValidationError) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

// validationError returns nil or a *ValidationError of l's problems.
func validationError(l *fielderr.List) error {
	if l.Len() == 0 {
		return nil
	}
	return &ValidationError{Problems: l.Errors()}
}

// Validate reports every error in c, each at its field path
// ("Services[1].Cluster.Partitions[0].Replicas[2]: ..."), in the order of
// the fields. The error is a *ValidationError; the library parts
// (cluster, stages, egress, broker) report their own fields, composed
// under their place in c.
func (c *Config) Validate() error {
	var l fielderr.List
	var root fielderr.Path
	if c.Listen != "" {
		host, _, err := net.SplitHostPort(c.Listen)
		if err != nil {
			l.Add(root.Field("Listen"), "not a host:port address: %v", err)
		} else if c.PublicURL == "" && unspecifiedHost(host) {
			// The default public URL is http://listen: it would be
			// written into published WSDLs, where clients cannot use it.
			l.Add(root.Field("PublicURL"), "required when listen (%q) names no host clients can reach", c.Listen)
		}
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || !isHTTPURL(u) || u.RawQuery != "" || u.Fragment != "" {
			l.Add(root.Field("PublicURL"), "not an absolute http(s) URL without query or fragment")
		}
	}
	for i, s := range c.TrustedProxies {
		if _, err := parsePrefix(s); err != nil {
			l.Add(root.Field("TrustedProxies").Index(i), "not a CIDR or IP address: %q", s)
		}
	}
	if c.ShutdownTimeout < 0 {
		l.Add(root.Field("ShutdownTimeout"), "negative")
	}
	validateLimits(&l, root.Field("Limits"), c.Limits)
	l.Nest(root.Field("ReadStage"), c.ReadStage.Validate())
	sc := newSecurityCheck(c) // security.go
	names := make(map[string]int)
	for i := range c.Services {
		path := root.Field("Services").Index(i)
		s := &c.Services[i]
		if j, dup := names[s.Name]; dup && s.Name != "" {
			l.Add(path.Field("Name"), "%q is also the name of services[%d]", s.Name, j)
		}
		names[s.Name] = i
		s.validate(&l, path, sc)
	}
	validateBroker(&l, root.Field("Broker"), c)
	validateBrokerSecurity(&l, root.Field("BrokerSecurity"), c, sc) // broker.go
	c.BrokerReliable.validate(&l, root.Field("BrokerReliable"))
	c.ClusterReliable.validate(&l, root.Field("ClusterReliable")) // cluster.go
	l.Nest(root.Field("BrokerStage"), c.BrokerStage.Validate())
	c.Clients.validate(&l, root.Field("Clients"))
	validateTLS(&l, root.Field("TLS"), c.TLS)                    // tls.go
	validateSecurity(&l, root.Field("Security"), c.Security, sc) // security.go
	validateClientTLS(&l, root.Field("BackendTLS"), c.BackendTLS)
	validateClientTLS(&l, root.Field("EgressTLS"), c.EgressTLS)
	validateEgressIdentity(&l, root.Field("EgressTLS").Field("CertFile"), c.BackendTLS, c.EgressTLS)
	validateAdmin(&l, root.Field("Admin"), c) // admin_config.go
	return validationError(&l)
}

func validateLimits(l *fielderr.List, path fielderr.Path, lim xmldoc.Limits) {
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"MaxBytes", lim.MaxBytes}, {"MaxDepth", int64(lim.MaxDepth)},
		{"MaxElements", int64(lim.MaxElements)}, {"MaxAttrs", int64(lim.MaxAttrs)},
		{"MaxNameLen", int64(lim.MaxNameLen)}, {"MaxTextLen", int64(lim.MaxTextLen)},
	} {
		if f.v < 0 {
			l.Add(path.Field(f.name), "negative")
		}
	}
}

func (s *ServiceConfig) validate(l *fielderr.List, path fielderr.Path, sc securityCheck) {
	switch {
	case s.Name == "":
		l.Add(path.Field("Name"), "required")
	case !validServiceName(s.Name):
		l.Add(path.Field("Name"), "%q: only letters, digits, '-', '_' and '.' are allowed", s.Name)
	}
	if s.WSDL == "" {
		l.Add(path.Field("WSDL"), "required")
	}
	l.Nest(path.Field("Cluster"), s.Cluster.Validate())
	s.Key.validate(l, path.Field("Key"))
	opNames := make([]string, 0, len(s.Operations))
	for name := range s.Operations {
		opNames = append(opNames, name)
	}
	sort.Strings(opNames)
	for _, name := range opNames {
		if s.Operations[name].Timeout < 0 {
			l.Add(path.Field("Operations").Key(name).Field("Timeout"), "negative")
		}
	}
	switch s.Unmatched {
	case "", UnmatchedReject, UnmatchedForward:
	default:
		l.Add(path.Field("Unmatched"), "%q: want %q or %q", s.Unmatched, UnmatchedReject, UnmatchedForward)
	}
	l.Nest(path.Field("Stage"), s.Stage.Validate())
	if s.Stage.QueueLen < 0 {
		l.Add(path.Field("Stage").Field("QueueLen"), "negative")
	}
	l.Nest(path.Field("ReliableStage"), s.ReliableStage.Validate())
	if s.Timeout < 0 {
		l.Add(path.Field("Timeout"), "negative")
	}
	for i, h := range s.UnderstoodHeaders {
		if _, ok := parseClark(h); !ok {
			l.Add(path.Field("UnderstoodHeaders").Index(i), "%q: not a {namespace}local name", h)
		}
	}
	if s.Reliable != nil {
		s.Reliable.validate(l, path.Field("Reliable"), s)
	}
	if s.Security != nil {
		s.Security.validate(l, path.Field("Security"), sc)
		if len(s.Security.ReliableOperations) > 0 && s.Reliable == nil {
			l.Add(path.Field("Security").Field("ReliableOperations"), "the service is not reliable (no reliable section)")
		}
	}
}

func (k *KeyConfig) validate(l *fielderr.List, path fielderr.Path) {
	if k.XPath != "" {
		// The same compilation New does: it also refuses prefixes the
		// namespaces do not bind, which would match only documents that
		// happen to use the same prefix.
		if _, err := xmldoc.CompileXPath(k.XPath, k.Namespaces); err != nil {
			l.Add(path.Field("XPath"), "%q does not compile: %v", k.XPath, err)
		}
	}
	prefixes := make([]string, 0, len(k.Namespaces))
	for prefix := range k.Namespaces {
		prefixes = append(prefixes, prefix)
	}
	sort.Strings(prefixes)
	for _, prefix := range prefixes {
		if prefix == "" {
			l.Add(path.Field("Namespaces").Key(prefix), "empty prefix (XPath 1.0 has no default namespace)")
		} else if k.Namespaces[prefix] == "" {
			l.Add(path.Field("Namespaces").Key(prefix), "empty namespace URI")
		}
	}
	switch k.Missing {
	case "", MissingReject, MissingAny:
	default:
		l.Add(path.Field("Missing"), "%q: want %q or %q", k.Missing, MissingReject, MissingAny)
	}
}

// unspecifiedHost reports a listen host that is no address to publish:
// empty, 0.0.0.0 or ::.
func unspecifiedHost(host string) bool {
	if host == "" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsUnspecified()
}

func isHTTPURL(u *url.URL) bool {
	return (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil
}

func validServiceName(s string) bool {
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '-' || r == '_' || r == '.'
		if !ok {
			return false
		}
	}
	return s != "." && s != ".."
}

// parsePrefix accepts a CIDR or a single IP address.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}
