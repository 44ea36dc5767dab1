package conformance

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// JUnit XML, in the shape Jenkins, GitLab and GitHub reporters read:
// testsuites > testsuite > testcase with failure or skipped.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure"`
	Skipped   *junitMessage `xml:"skipped"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes r as JUnit XML. A failure's text holds the exchanges
// of the case, as in the Markdown report.
func WriteJUnit(w io.Writer, r *Results) error {
	out := junitSuites{Name: "wsgw conformance", Time: seconds(r.Duration.Seconds())}
	for _, s := range r.Suites {
		t := s.Tally()
		js := junitSuite{
			Name: s.Suite.Name, Tests: len(s.Cases), Failures: t.Fail, Skipped: t.Skip,
			Timestamp:  r.Started.UTC().Format("2006-01-02T15:04:05"),
			Properties: []junitProperty{{Name: "target", Value: r.Target}},
		}
		var total float64
		for _, c := range s.Cases {
			total += c.Duration.Seconds()
			js.Cases = append(js.Cases, junitCaseOf(s.Suite.Name, c))
		}
		js.Time = seconds(total)
		out.Suites = append(out.Suites, js)
		out.Tests, out.Failures, out.Skipped = out.Tests+js.Tests, out.Failures+t.Fail, out.Skipped+t.Skip
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("writing junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func junitCaseOf(suite string, c *CaseResult) junitCase {
	jc := junitCase{
		Name:      c.Case.ID + ": " + c.Case.Title,
		Classname: "conformance." + suite,
		Time:      seconds(c.Duration.Seconds()),
	}
	switch c.Outcome {
	case Fail:
		var b strings.Builder
		fmt.Fprintf(&b, "%s\nkind: %s; checks: %s\n\n", c.Message, c.Case.Kind, c.Case.Citations())
		writeRecordsText(&b, c)
		jc.Failure = &junitMessage{Message: c.Message, Type: "fail", Text: xmlSafe(b.String())}
	case Skip:
		jc.Skipped = &junitMessage{Message: c.Message}
	case Differs:
		// Not a failure: the exchanges go to the case's output.
		var b strings.Builder
		fmt.Fprintf(&b, "extension case: the target differs (not a failure): %s\nreason: %s\n\n", c.Message, c.Case.Reason)
		writeRecordsText(&b, c)
		jc.SystemOut = xmlSafe(b.String())
	}
	return jc
}

func seconds(s float64) string { return fmt.Sprintf("%.3f", s) }

// xmlSafe drops the characters XML 1.0 cannot carry (replies may hold
// anything), so that the JUnit file stays well-formed.
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF:
			return '\uFFFD'
		}
		return r
	}, s)
}
