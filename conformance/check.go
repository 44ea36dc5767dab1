package conformance

import (
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"strings"

	"github.com/antchfx/xpath"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// replyLimits bounds the reading of replies: generous, since the kit
// reads what it asked for, but still bounded.
var replyLimits = xmldoc.Limits{MaxBytes: MaxReplyBytes, MaxDepth: 512, MaxElements: 1 << 20, MaxAttrs: 1024}

// checker evaluates the expectations of one exchange on its reply.
type checker struct {
	c   *Case
	v   *vars
	r   *reply
	doc *xmldoc.Doc // parsed on first use
	msg *soap.Message
}

// check returns the first expectation of e the reply does not meet.
func (k *checker) check(e *Expect) error {
	steps := []func(*Expect) error{k.status, k.contentType, k.headers, k.bodyMatches, k.envelope, k.fault, k.xpaths}
	for _, step := range steps {
		if err := step(e); err != nil {
			return err
		}
	}
	return nil
}

func (k *checker) status(e *Expect) error {
	if len(e.Status) > 0 && !e.Status.Contains(k.r.status) {
		return fmt.Errorf("HTTP status: got %d with %s, want %s", k.r.status, k.describe(), joinInts(e.Status))
	}
	return nil
}

func (k *checker) contentType(e *Expect) error {
	if e.ContentType == "" {
		return nil
	}
	got := k.r.header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(got)
	if err != nil || !strings.EqualFold(mt, e.ContentType) {
		return fmt.Errorf("Content-Type: got %q with %s, want %s", got, k.describe(), e.ContentType)
	}
	return nil
}

func (k *checker) headers(e *Expect) error {
	for _, h := range e.Headers {
		vals, ok := k.r.header[http.CanonicalHeaderKey(h.Name)]
		switch {
		case h.Absent && ok:
			return fmt.Errorf("header %s: got %q, want none", h.Name, vals)
		case h.Absent:
		case !ok:
			return fmt.Errorf("header %s: got none, want one", h.Name)
		case h.Matches != "" && !regexp.MustCompile(h.Matches).MatchString(vals[0]):
			return fmt.Errorf("header %s: got %q, want a match of %q", h.Name, vals[0], h.Matches)
		}
	}
	return nil
}

func (k *checker) bodyMatches(e *Expect) error {
	if e.BodyMatches != "" {
		re, err := regexp.Compile(k.v.expand(e.BodyMatches))
		if err != nil {
			return fmt.Errorf("body_matches: %v", err)
		}
		if !re.Match(k.r.body) {
			return fmt.Errorf("body: want a match of %q", re)
		}
	}
	if e.BodyNotMatches != "" {
		re, err := regexp.Compile(k.v.expand(e.BodyNotMatches))
		if err != nil {
			return fmt.Errorf("body_not_matches: %v", err)
		}
		if loc := re.FindIndex(k.r.body); loc != nil {
			return fmt.Errorf("body: got %q at offset %d, want no match of %q", k.r.body[loc[0]:loc[1]], loc[0], re)
		}
	}
	return nil
}

// message reads the reply as a SOAP envelope.
func (k *checker) message() (*soap.Message, error) {
	if k.msg != nil {
		return k.msg, nil
	}
	m, err := soap.ReadMessageBytes(k.r.body, replyLimits)
	if err != nil {
		return nil, fmt.Errorf("reply is not a SOAP envelope: got %s", k.describe())
	}
	k.msg = m
	return m, nil
}

func (k *checker) envelope(e *Expect) error {
	if e.Envelope == "" {
		return nil
	}
	m, err := k.message()
	if err != nil {
		return err
	}
	if m.Version.String() != e.Envelope {
		return fmt.Errorf("envelope: got SOAP %s, want SOAP %s", m.Version, e.Envelope)
	}
	return nil
}

// document parses the reply as XML, for XPath.
func (k *checker) document() (*xmldoc.Doc, error) {
	if k.doc != nil {
		return k.doc, nil
	}
	d, err := xmldoc.ParseBytes(k.r.body, replyLimits)
	if err != nil {
		return nil, fmt.Errorf("reply is not XML: got %s", k.describe())
	}
	k.doc = d
	return d, nil
}

func joinInts(s IntSet) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, " or ")
}

// evaluate runs an XPath expression over the reply.
func (k *checker) evaluate(src string) (any, error) {
	d, err := k.document()
	if err != nil {
		return nil, err
	}
	expr, err := compileXPath(k.v.expand(src), k.c.ns)
	if err != nil {
		return nil, err
	}
	return expr.Evaluate(d.Navigator()), nil
}

// values returns the string values an XPath result stands for: those of
// every node of a node-set, or the one value of a string, number or
// boolean.
func values(res any) []string {
	switch r := res.(type) {
	case *xpath.NodeIterator:
		var out []string
		for r.MoveNext() {
			out = append(out, r.Current().Value())
		}
		return out
	case string:
		return []string{r}
	case float64:
		return []string{xmldoc.NumberString(r)}
	case bool:
		return []string{fmt.Sprint(r)}
	}
	return nil
}
