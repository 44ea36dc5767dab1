package conformance

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Kind says what a case checks.
type Kind string

// The kinds of case.
const (
	// KindStandard checks a clause of a published specification.
	KindStandard Kind = "standard"
	// KindExtension checks behaviour where the standards say nothing and
	// wsgw (or the target) goes beyond them; Case.Reason says why.
	KindExtension Kind = "extension"
	// KindWsgw checks wsgw's own behaviour that its users rely on.
	KindWsgw Kind = "wsgw-specific"
)

// GatewaySuite is the suite of cases about wsgw alone (kind
// wsgw-specific), which no other implementation is expected to pass.
const GatewaySuite = "gateway"

// Suite is a directory testdata/<name>/: its suite.yaml and its cases.
type Suite struct {
	Name        string `yaml:"suite"`
	Title       string `yaml:"title"`
	Description string `yaml:"description"`
	// Params are the target URLs (or other values) the suite's cases use
	// as {name} placeholders, set with --set name=value.
	Params []Param `yaml:"params"`
	// Requires names parameters every case of the suite needs, whether
	// its requests use them or not: without one of them the whole suite
	// is skipped (e.g. the gateway suite's /healthz case needs a target
	// that is a wsgw gateway, which its service endpoint tells).
	Requires []string `yaml:"requires"`
	// Namespaces binds prefixes for every case of the suite, on top of
	// the built-in ones (see BuiltinNamespaces).
	Namespaces map[string]string `yaml:"namespaces"`

	Cases []*Case `yaml:"-"`
}

// Param is a value a suite needs from whoever runs it.
type Param struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// Default is used when the runner is not given the parameter; it may
	// use target and the parameters declared before it, e.g.
	// "{target}/services/StockQuote". An endpoint may list several
	// defaults: the first one where the target has an endpoint is used.
	// No default makes the parameter required: without it the cases that
	// use it are skipped, with the --set that would run them.
	Default Strings `yaml:"default"`
	// Endpoint marks a URL the cases send requests to. When its value
	// comes from Default, the runner first checks that the target has
	// something there (params.go); when it has not, the cases that use it
	// are skipped rather than failed, with the --set that would run them.
	Endpoint bool `yaml:"endpoint"`
}

// Citation names the clause of a specification a case checks.
type Citation struct {
	Doc    string `yaml:"doc"`    // e.g. "SOAP 1.1", "WS-I Basic Profile 1.1"
	Clause string `yaml:"clause"` // e.g. "4.1.1", "R1011"
	URL    string `yaml:"url"`    // optional link to the clause
}

// String returns "Doc Clause".
func (c Citation) String() string { return strings.TrimSpace(c.Doc + " " + c.Clause) }

// Case is one test case: a sequence of exchanges with the target.
type Case struct {
	ID    string     `yaml:"id"`
	Suite string     `yaml:"suite"` // optional; must match the directory's suite
	Title string     `yaml:"title"`
	Spec  []Citation `yaml:"spec"`
	Kind  Kind       `yaml:"kind"`
	// Reason explains an extension (required for kind extension) or, for
	// the other kinds, anything a reader of the report should know.
	Reason string `yaml:"reason"`
	// Skip, when set, is why the case is not run.
	Skip       string            `yaml:"skip"`
	Namespaces map[string]string `yaml:"namespaces"`
	Exchanges  []Exchange        `yaml:"exchanges"`

	// File is the file the case came from, relative to the case root.
	File string `yaml:"-"`
	// ns is the resolved namespace bindings: built-ins, suite, case.
	ns map[string]string
	// params names the suite parameters the case's requests use (in a
	// path, base, action, header or body): without a value for one of
	// them the case cannot run.
	params map[string]bool
}

// Exchange is one HTTP request and the expectations on its reply.
type Exchange struct {
	Name string `yaml:"name"`
	// Method defaults to POST when there is a body, else GET.
	Method string `yaml:"method"`
	// Path is the request URL: relative to the target URL ("/healthz",
	// "?wsdl") or absolute after substitution ("{service}?wsdl").
	Path string `yaml:"path"`
	// Base, when set, is the URL a relative Path is resolved against
	// (RFC 3986 5.2) instead of the target, e.g. "{service}?wsdl" for the
	// locations a WSDL names.
	Base string `yaml:"base"`
	// SOAP ("1.1" or "1.2") sets the default Content-Type (text/xml or
	// application/soap+xml, charset utf-8) and where Action goes.
	SOAP string `yaml:"soap"`
	// Action, when set, is sent as the SOAPAction header (quoted) for SOAP
	// 1.1 or as the action parameter of the Content-Type for SOAP 1.2.
	Action *string `yaml:"action"`
	// Headers are sent as given and override the ones SOAP and Action set;
	// an empty value removes a header.
	Headers map[string]string `yaml:"headers"`
	// Body is the request body inline; BodyFile names a file relative to
	// the case file. At most one of them.
	Body     string `yaml:"body"`
	BodyFile string `yaml:"body_file"`
	// Fill defines placeholders made of a text repeated Count times, for
	// large or deep messages (e.g. {pad} in Body).
	Fill map[string]Fill `yaml:"fill"`
	// ForEach names a list captured by an earlier exchange: this exchange
	// runs once per value, available as {item}.
	ForEach string `yaml:"for_each"`

	Expect  Expect             `yaml:"expect"`
	Capture map[string]Capture `yaml:"capture"`
}

// Fill is a placeholder value: Text repeated Count times.
type Fill struct {
	Text  string `yaml:"text"`
	Count int    `yaml:"count"`
}

// Expect is what the reply to an exchange must satisfy; every field set is
// checked, and all must hold.
type Expect struct {
	Status IntSet `yaml:"status"` // one status or a list of accepted ones
	// ContentType is the media type (no parameters, case-insensitive).
	ContentType string `yaml:"content_type"`
	// Envelope ("1.1" or "1.2") is the SOAP version the reply must be.
	Envelope string `yaml:"envelope"`
	// Fault, when set, requires a SOAP fault; NoFault forbids one.
	Fault   *FaultExpect `yaml:"fault"`
	NoFault bool         `yaml:"no_fault"`
	// BodyMatches is a regular expression the reply body must match;
	// BodyNotMatches one it must not.
	BodyMatches    string           `yaml:"body_matches"`
	BodyNotMatches string           `yaml:"body_not_matches"`
	Headers        []HeaderExpect   `yaml:"headers"`
	XPath          []XPathAssertion `yaml:"xpath"`
}

// FaultExpect constrains the fault of a reply.
type FaultExpect struct {
	// Code lists the accepted codes as QNames: the SOAP 1.2 Code/Value, or
	// the SOAP 1.1 faultcode (where s11:Client also accepts the dot
	// notation s11:Client.Something). Empty accepts any code.
	Code QNames `yaml:"code"`
	// Subcodes must be the outermost SOAP 1.2 subcodes, in order. A SOAP
	// 1.1 reply matches when its faultcode is the first one, or when its
	// detail lists them as wsgw:Subcode entries.
	Subcodes QNames `yaml:"subcodes"`
}

// HeaderExpect constrains an HTTP header of the reply.
type HeaderExpect struct {
	Name string `yaml:"name"`
	// Absent requires the header not to be there; otherwise it must be.
	Absent bool `yaml:"absent"`
	// Matches is a regular expression its value must match.
	Matches string `yaml:"matches"`
}

// XPathAssertion is an XPath 1.0 expression evaluated over the reply
// body, with the case's namespace bindings, and what its result must be.
// Set one or more of Count, Equals, Exists, Matches.
type XPathAssertion struct {
	Expr    string  `yaml:"expr"`
	Count   *int    `yaml:"count"`   // count(expr) = Count
	Equals  *string `yaml:"equals"`  // string(expr) = Equals (placeholders substituted)
	Exists  *bool   `yaml:"exists"`  // boolean(expr) = Exists
	Matches string  `yaml:"matches"` // string(expr) matches the regular expression
}

// Capture takes a value from a reply for later exchanges: from an XPath
// expression over the body, or from a header.
type Capture struct {
	XPath  string `yaml:"xpath"`
	Header string `yaml:"header"`
	// All captures every node's string value as a list (for for_each);
	// otherwise the first value is captured and there must be one.
	All bool `yaml:"all"`
}

// IntSet is one int or a list of ints.
type IntSet []int

// UnmarshalYAML accepts a scalar or a sequence.
func (s *IntSet) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		var v int
		if err := n.Decode(&v); err != nil {
			return err
		}
		*s = IntSet{v}
		return nil
	}
	var v []int
	if err := n.Decode(&v); err != nil {
		return err
	}
	*s = v
	return nil
}

// Contains reports whether v is in s.
func (s IntSet) Contains(v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Strings is one string or a list.
type Strings []string

// UnmarshalYAML accepts a scalar or a sequence.
func (q *Strings) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*q = Strings{n.Value}
		return nil
	}
	var v []string
	if err := n.Decode(&v); err != nil {
		return err
	}
	*q = v
	return nil
}

// QNames is one QName or a list, written "prefix:local" (the prefix bound
// by the case, its suite or the built-ins) or "{namespace}local".
type QNames = Strings

// Citations returns the case's citations as "Doc Clause; Doc Clause".
func (c *Case) Citations() string {
	parts := make([]string, len(c.Spec))
	for i, s := range c.Spec {
		parts[i] = s.String()
	}
	return strings.Join(parts, "; ")
}

// String returns "suite/id".
func (c *Case) String() string { return fmt.Sprintf("%s/%s", c.Suite, c.ID) }
