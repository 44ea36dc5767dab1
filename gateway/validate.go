package gateway

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"sort"
	"strings"

	"github.com/wsgw/wsgw/gateway/cluster"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// FieldError is one configuration problem at a field path such as
// "services[1].cluster.partitions[0].replicas[2]".
type FieldError struct {
	Path string
	Msg  string
}

func (e FieldError) Error() string { return e.Path + ": " + e.Msg }

// ValidationError lists every problem Validate found, in field order.
type ValidationError struct {
	Problems []FieldError
}

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Error()
	}
	return "invalid configuration:\n  " + strings.Join(msgs, "\n  ")
}

// problems collects FieldErrors.
type problems struct{ list []FieldError }

func (p *problems) add(path, format string, args ...any) {
	p.list = append(p.list, FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
}

// nested adds the problems of a sub-configuration whose Validate returns
// errors (joined or not) reading "relative.path: message".
func (p *problems) nested(path string, err error) {
	if err == nil {
		return
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		if sub, msg, ok := strings.Cut(e.Error(), ": "); ok && !strings.ContainsAny(sub, " \t") {
			p.add(path+"."+sub, "%s", msg)
		} else {
			p.add(path, "%s", e.Error())
		}
	}
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &ValidationError{Problems: p.list}
}

// Validate reports every error in c, each with its field path
// ("services[1].cluster.partitions[0].replicas[2]: ..."). The error is a
// *ValidationError.
func (c *Config) Validate() error {
	var p problems
	p.nested("readStage", c.ReadStage.Validate())
	if c.Listen != "" {
		host, _, err := net.SplitHostPort(c.Listen)
		if err != nil {
			p.add("listen", "not a host:port address: %v", err)
		} else if c.PublicURL == "" && unspecifiedHost(host) {
			// The default public URL is http://listen: it would be
			// written into published WSDLs, where clients cannot use it.
			p.add("publicURL", "required when listen (%q) names no host clients can reach", c.Listen)
		}
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || !isHTTPURL(u) || u.RawQuery != "" || u.Fragment != "" {
			p.add("publicURL", "not an absolute http(s) URL without query or fragment")
		}
	}
	for i, s := range c.TrustedProxies {
		if _, err := parsePrefix(s); err != nil {
			p.add(fmt.Sprintf("trustedProxies[%d]", i), "not a CIDR or IP address: %q", s)
		}
	}
	if c.ShutdownTimeout < 0 {
		p.add("shutdownTimeout", "negative")
	}
	validateLimits(&p, c)
	names := make(map[string]int)
	for i := range c.Services {
		path := fmt.Sprintf("services[%d]", i)
		s := &c.Services[i]
		if j, dup := names[s.Name]; dup && s.Name != "" {
			p.add(path+".name", "duplicate of services[%d].name %q", j, s.Name)
		}
		names[s.Name] = i
		s.validate(&p, path)
	}
	validateBroker(&p, c)
	validateTLS(&p, c)      // tls.go
	validateSecurity(&p, c) // security.go
	return p.err()
}

func validateLimits(p *problems, c *Config) {
	l := c.Limits
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"maxBytes", l.MaxBytes}, {"maxDepth", int64(l.MaxDepth)},
		{"maxElements", int64(l.MaxElements)}, {"maxAttrs", int64(l.MaxAttrs)},
		{"maxNameLen", int64(l.MaxNameLen)}, {"maxTextLen", int64(l.MaxTextLen)},
	} {
		if f.v < 0 {
			p.add("limits."+f.name, "negative")
		}
	}
}

func (s *ServiceConfig) validate(p *problems, path string) {
	switch {
	case s.Name == "":
		p.add(path+".name", "required")
	case !validServiceName(s.Name):
		p.add(path+".name", "%q: only letters, digits, '-', '_' and '.' are allowed", s.Name)
	}
	if s.WSDL == "" {
		p.add(path+".wsdl", "required")
	}
	validateCluster(p, path+".cluster", &s.Cluster)
	s.Key.validate(p, path+".key")
	switch s.Unmatched {
	case "", UnmatchedReject, UnmatchedForward:
	default:
		p.add(path+".unmatched", "%q: want %q or %q", s.Unmatched, UnmatchedReject, UnmatchedForward)
	}
	opNames := make([]string, 0, len(s.Operations))
	for name := range s.Operations {
		opNames = append(opNames, name)
	}
	sort.Strings(opNames)
	for _, name := range opNames {
		if s.Operations[name].Timeout < 0 {
			p.add(fmt.Sprintf("%s.operations[%s].timeout", path, name), "negative")
		}
	}
	p.nested(path+".stage", s.Stage.Validate())
	if s.Stage.QueueLen < 0 {
		p.add(path+".stage.queueLen", "negative")
	}
	if s.Timeout < 0 {
		p.add(path+".timeout", "negative")
	}
	for i, h := range s.UnderstoodHeaders {
		if _, ok := parseClark(h); !ok {
			p.add(fmt.Sprintf("%s.understoodHeaders[%d]", path, i), "%q: not a {namespace}local name", h)
		}
	}
	if s.Reliable != nil {
		s.Reliable.validate(p, path+".reliable")
	}
}

func (k *KeyConfig) validate(p *problems, path string) {
	switch k.Missing {
	case "", MissingReject, MissingAny:
	default:
		p.add(path+".missing", "%q: want %q or %q", k.Missing, MissingReject, MissingAny)
	}
	prefixes := make([]string, 0, len(k.Namespaces))
	for prefix := range k.Namespaces {
		prefixes = append(prefixes, prefix)
	}
	sort.Strings(prefixes)
	for _, prefix := range prefixes {
		if prefix == "" {
			p.add(path+".namespaces", "empty prefix (XPath 1.0 has no default namespace)")
		} else if k.Namespaces[prefix] == "" {
			p.add(fmt.Sprintf("%s.namespaces[%s]", path, prefix), "empty namespace URI")
		}
	}
	if k.XPath == "" {
		return
	}
	// The same compilation New does: it also refuses prefixes the
	// namespaces do not bind, which would match only documents that
	// happen to use the same prefix.
	if _, err := xmldoc.CompileXPath(k.XPath, k.Namespaces); err != nil {
		p.add(path+".xpath", "%q: %v", k.XPath, err)
	}
}

// validateCluster reports the cluster's own validation (gateway/cluster
// owns those rules) under path.
func validateCluster(p *problems, path string, c *cluster.Config) {
	p.nested(path, c.Validate())
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
