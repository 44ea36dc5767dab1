package conformance

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
)

// BuiltinNamespaces are the prefixes every case may use without binding
// them; a suite or case may rebind them.
var BuiltinNamespaces = map[string]string{
	"s11":    "http://schemas.xmlsoap.org/soap/envelope/",
	"s12":    "http://www.w3.org/2003/05/soap-envelope",
	"wsa":    "http://www.w3.org/2005/08/addressing",
	"wsdl":   "http://schemas.xmlsoap.org/wsdl/",
	"soap":   "http://schemas.xmlsoap.org/wsdl/soap/",
	"soap12": "http://schemas.xmlsoap.org/wsdl/soap12/",
	"xsd":    "http://www.w3.org/2001/XMLSchema",
	"wsgw":   "urn:wsgw:faults",
}

// placeholderRE matches a {name} placeholder.
var placeholderRE = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_.-]*)\}`)

// paramNameRE matches a suite parameter's name: a placeholder name without
// dots, which --set suite.name reserves.
var paramNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// validate checks c and resolves its namespace bindings; it reports every
// problem with its field path.
func (c *Case) validate(fsys fs.FS, s *Suite) error {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, a...)))
	}
	if c.ID == "" {
		bad("id", "required")
	}
	if c.Suite != s.Name {
		bad("suite", "%q, but the file is in suite %q", c.Suite, s.Name)
	}
	if c.Title == "" {
		bad("title", "required")
	}
	switch c.Kind {
	case KindStandard, KindWsgw:
	case KindExtension:
		if c.Reason == "" {
			bad("reason", "required for kind extension")
		}
	default:
		bad("kind", "%q, want standard, extension or wsgw-specific", c.Kind)
	}
	if c.Kind == KindStandard && len(c.Spec) == 0 {
		bad("spec", "a standard case must cite a clause")
	}
	for i, sp := range c.Spec {
		if sp.Doc == "" || sp.Clause == "" {
			bad(fmt.Sprintf("spec[%d]", i), "doc and clause are required")
		}
	}
	if len(c.Exchanges) == 0 {
		bad("exchanges", "at least one is required")
	}
	if c.Kind == KindWsgw && s.Name != GatewaySuite {
		bad("kind", "wsgw-specific cases belong in the %s suite; in suite %s use standard, or extension for behaviour where the standards say nothing", GatewaySuite, s.Name)
	}
	c.ns = mergeNS(BuiltinNamespaces, s.Namespaces, c.Namespaces)
	known := map[string]bool{"target": true}
	c.params = map[string]bool{}
	for _, p := range s.Params {
		known[p.Name] = true
	}
	for _, name := range s.Requires {
		c.params[name] = true
	}
	for i := range c.Exchanges {
		x := &c.Exchanges[i]
		errs = append(errs, c.validateExchange(fsys, fmt.Sprintf("exchanges[%d]", i), x, known)...)
		c.noteParams(fsys, s, x)
	}
	return errors.Join(errs...)
}

// noteParams records in c.params the suite parameters the request of x
// uses.
func (c *Case) noteParams(fsys fs.FS, s *Suite, x *Exchange) {
	texts := []string{x.Path, x.Base, x.Body}
	if x.Action != nil {
		texts = append(texts, *x.Action)
	}
	for _, v := range x.Headers {
		texts = append(texts, v)
	}
	for _, f := range x.Fill {
		texts = append(texts, f.Text)
	}
	if x.BodyFile != "" {
		if b, err := c.ReadBody(fsys, x); err == nil {
			texts = append(texts, string(b))
		}
	}
	for _, t := range texts {
		for _, m := range placeholderRE.FindAllStringSubmatch(t, -1) {
			if s.hasParam(m[1]) {
				c.params[m[1]] = true
			}
		}
	}
}

func (s *Suite) hasParam(name string) bool {
	for _, p := range s.Params {
		if p.Name == name {
			return true
		}
	}
	return false
}

// validate checks the suite's parameters.
func (s *Suite) validate() error {
	var errs []error
	seen := map[string]bool{"target": true}
	for i, p := range s.Params {
		field := fmt.Sprintf("params[%d]", i)
		switch {
		case !paramNameRE.MatchString(p.Name):
			errs = append(errs, fmt.Errorf("%s.name: %q is not a parameter name (letters, digits, _ and -)", field, p.Name))
		case seen[p.Name]:
			errs = append(errs, fmt.Errorf("%s.name: %q is declared twice (or is target)", field, p.Name))
		}
		if len(p.Default) > 1 && !p.Endpoint {
			errs = append(errs, fmt.Errorf("%s.default: several defaults need endpoint: true (the first endpoint found is used)", field))
		}
		for _, d := range p.Default {
			for _, m := range placeholderRE.FindAllStringSubmatch(d, -1) {
				if !seen[m[1]] {
					errs = append(errs, fmt.Errorf("%s.default: {%s} is not target or a parameter declared before it", field, m[1]))
				}
			}
		}
		seen[p.Name] = true
	}
	for i, name := range s.Requires {
		if !s.hasParam(name) {
			errs = append(errs, fmt.Errorf("requires[%d]: %q is not a parameter of the suite", i, name))
		}
	}
	return errors.Join(errs...)
}

func (c *Case) validateExchange(fsys fs.FS, field string, x *Exchange, known map[string]bool) []error {
	var errs []error
	bad := func(sub, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s%s: %s", field, sub, fmt.Sprintf(format, a...)))
	}
	local := map[string]bool{}
	for k := range known {
		local[k] = true
	}
	for name, f := range x.Fill {
		local[name] = true
		if f.Count < 0 || f.Count > 1<<26 {
			bad(".fill."+name+".count", "%d, want 0 to %d", f.Count, 1<<26)
		}
	}
	if x.ForEach != "" {
		if !known[x.ForEach] {
			bad(".for_each", "%q is not captured by an earlier exchange", x.ForEach)
		}
		local["item"] = true
	}
	for _, f := range [][2]string{{".path", x.Path}, {".base", x.Base}} {
		for _, m := range placeholderRE.FindAllStringSubmatch(f[1], -1) {
			if !local[m[1]] {
				bad(f[0], "unknown placeholder {%s}", m[1])
			}
		}
	}
	switch x.SOAP {
	case "", "1.1", "1.2":
	default:
		bad(".soap", "%q, want 1.1 or 1.2", x.SOAP)
	}
	if x.Body != "" && x.BodyFile != "" {
		bad("", "body and body_file are exclusive")
	}
	if x.BodyFile != "" {
		if _, err := c.ReadBody(fsys, x); err != nil {
			bad(".body_file", "%v", err)
		}
	}
	errs = append(errs, c.validateExpect(field+".expect", &x.Expect)...)
	for name, cp := range x.Capture {
		if (cp.XPath == "") == (cp.Header == "") {
			bad(".capture."+name, "set one of xpath and header")
		}
		if cp.XPath != "" {
			if _, err := compileXPath(cp.XPath, c.ns); err != nil {
				bad(".capture."+name+".xpath", "%v", err)
			}
		}
		known[name] = true // for the exchanges that follow
	}
	return errs
}

func (c *Case) validateExpect(field string, e *Expect) []error {
	var errs []error
	bad := func(sub, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s%s: %s", field, sub, fmt.Sprintf(format, a...)))
	}
	for _, st := range e.Status {
		if st < 100 || st > 599 {
			bad(".status", "%d is not an HTTP status", st)
		}
	}
	switch e.Envelope {
	case "", "1.1", "1.2":
	default:
		bad(".envelope", "%q, want 1.1 or 1.2", e.Envelope)
	}
	if e.Fault != nil && e.NoFault {
		bad("", "fault and no_fault are exclusive")
	}
	if e.Fault != nil {
		for i, q := range append(append(QNames{}, e.Fault.Code...), e.Fault.Subcodes...) {
			if _, err := c.ResolveQName(q); err != nil {
				bad(fmt.Sprintf(".fault[%d]", i), "%v", err)
			}
		}
	}
	for _, re := range append([]string{e.BodyMatches, e.BodyNotMatches}, headerPatterns(e.Headers)...) {
		if _, err := regexp.Compile(re); err != nil {
			bad("", "bad regular expression %q: %v", re, err)
		}
	}
	for i, h := range e.Headers {
		if h.Name == "" {
			bad(fmt.Sprintf(".headers[%d].name", i), "required")
		}
	}
	for i, a := range e.XPath {
		f := fmt.Sprintf(".xpath[%d]", i)
		if _, err := compileXPath(a.Expr, c.ns); err != nil {
			bad(f+".expr", "%v", err)
		}
		if a.Count == nil && a.Equals == nil && a.Exists == nil && a.Matches == "" {
			bad(f, "set count, equals, exists or matches")
		}
		if _, err := regexp.Compile(a.Matches); err != nil {
			bad(f+".matches", "%v", err)
		}
	}
	return errs
}

func headerPatterns(hs []HeaderExpect) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.Matches)
	}
	return out
}

// ResolveQName resolves "prefix:local" with the case's bindings, or
// "{namespace}local".
func (c *Case) ResolveQName(q string) (xml.Name, error) {
	if strings.HasPrefix(q, "{") {
		ns, local, ok := strings.Cut(q[1:], "}")
		if !ok || local == "" {
			return xml.Name{}, fmt.Errorf("bad QName %q", q)
		}
		return xml.Name{Space: ns, Local: local}, nil
	}
	prefix, local, ok := strings.Cut(q, ":")
	if !ok || local == "" {
		return xml.Name{}, fmt.Errorf("QName %q: want prefix:local or {namespace}local", q)
	}
	ns, ok := c.ns[prefix]
	if !ok {
		return xml.Name{}, fmt.Errorf("QName %q: prefix %q is not bound", q, prefix)
	}
	return xml.Name{Space: ns, Local: local}, nil
}

func mergeNS(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}
