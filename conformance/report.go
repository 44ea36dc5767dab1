package conformance

import (
	"fmt"
	htmltemplate "html/template"
	"io"
	"path/filepath"
	"strings"
	texttemplate "text/template"
	"time"
)

// reportModel is what the report templates render.
type reportModel struct {
	Target     string
	Started    string
	Duration   string
	Suites     []suiteRow
	Failures   []*CaseResult
	Extensions []*CaseResult
	Skipped    []*CaseResult
	All        []*CaseResult
}

type suiteRow struct {
	Name, Title string
	Tally
	Params      map[string]string
	Unavailable map[string]string // of the parameters that kept cases from running
}

func newReportModel(r *Results) *reportModel {
	m := &reportModel{
		Target:     r.Target,
		Started:    r.Started.UTC().Format(time.RFC3339),
		Duration:   r.Duration.Round(time.Millisecond).String(),
		Extensions: r.Extensions(),
	}
	for _, s := range r.Suites {
		un := map[string]string{}
		for _, name := range s.unavailableUsed() {
			un[name] = s.Unavailable[name]
		}
		m.Suites = append(m.Suites, suiteRow{s.Suite.Name, s.Suite.Title, s.Tally(), s.Params, un})
		for _, c := range s.Cases {
			m.All = append(m.All, c)
			switch c.Outcome {
			case Fail:
				m.Failures = append(m.Failures, c)
			case Skip:
				m.Skipped = append(m.Skipped, c)
			}
		}
	}
	return m
}

// WriteReport writes r as Markdown, or as HTML when name ends in .html or
// .htm.
func WriteReport(w io.Writer, name string, r *Results) error {
	m := newReportModel(r)
	var err error
	switch strings.ToLower(filepath.Ext(name)) {
	case ".html", ".htm":
		err = htmlReport.Execute(w, m)
	default:
		err = markdownReport.Execute(w, m)
	}
	if err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return nil
}

var reportFuncs = map[string]any{
	"request": requestText,
	"reply":   replyText,
	"fence":   fence,
	"cell":    mdCell,
	"inc":     func(i int) int { return i + 1 },
}

// fence returns a Markdown code fence longer than any run of backticks in
// s.
func fence(s string) string {
	f := "```"
	for strings.Contains(s, f) {
		f += "`"
	}
	return f
}

// mdCell makes s safe in a Markdown table cell.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

var markdownReport = texttemplate.Must(texttemplate.New("md").Funcs(reportFuncs).Parse(markdownText))

var htmlReport = htmltemplate.Must(htmltemplate.New("html").Funcs(reportFuncs).Parse(htmlText))
