package conformance

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// NewProgress returns a Progress writing to w: on a terminal one status
// line updated in place, with a permanent line for each failure; otherwise
// one plain line per case.
func NewProgress(w io.Writer, terminal bool) Progress {
	if terminal {
		return &termProgress{w: w}
	}
	return &plainProgress{w: w}
}

// plainProgress writes "PASS suite/id title" lines, for logs and CI.
type plainProgress struct {
	w     io.Writer
	total int
}

func (p *plainProgress) Start(total int)        { p.total = total }
func (p *plainProgress) CaseStarted(int, *Case) {}

func (p *plainProgress) CaseDone(i int, r *CaseResult) {
	fmt.Fprintf(p.w, "%s %s (%d/%d)", strings.ToUpper(string(r.Outcome)), r.Case, i+1, p.total)
	if r.Message != "" {
		fmt.Fprintf(p.w, ": %s", r.Message)
	}
	fmt.Fprintln(p.w)
}

// termProgress keeps one line "[ 12/80] running suite/id" up to date and
// prints failures (and extension cases that differ) above it.
type termProgress struct {
	w     io.Writer
	total int
	tally Tally
}

func (p *termProgress) Start(total int) { p.total = total }

func (p *termProgress) CaseStarted(i int, c *Case) {
	fmt.Fprintf(p.w, "\r\033[K[%*d/%d] %d passed, %d failed, %d skipped; running %s", width(p.total), i+1, p.total, p.tally.Pass, p.tally.Fail, p.tally.Skip, c)
}

func (p *termProgress) CaseDone(i int, r *CaseResult) {
	p.tally.add(r.Outcome)
	if r.Outcome == Fail || r.Outcome == Differs {
		fmt.Fprintf(p.w, "\r\033[K%s %s: %s\n", strings.ToUpper(string(r.Outcome)), r.Case, r.Message)
	}
	if i+1 == p.total {
		fmt.Fprintf(p.w, "\r\033[K")
	}
}

func width(n int) int { return len(fmt.Sprint(n)) }

// WriteSummary writes a table of outcomes per suite, the parameters that
// kept cases from running, and a closing line.
func WriteSummary(w io.Writer, r *Results) {
	fmt.Fprintf(w, "%-10s %5s %5s %5s %7s\n", "suite", "pass", "fail", "skip", "differ")
	for _, s := range r.Suites {
		t := s.Tally()
		fmt.Fprintf(w, "%-10s %5d %5d %5d %7d\n", s.Suite.Name, t.Pass, t.Fail, t.Skip, t.Differs)
	}
	t := r.Tally()
	fmt.Fprintf(w, "%-10s %5d %5d %5d %7d   (%s against %s)\n", "total", t.Pass, t.Fail, t.Skip, t.Differs, r.Duration.Round(1e6), r.Target)
	for _, s := range r.Suites {
		for _, name := range s.unavailableUsed() {
			fmt.Fprintf(w, "%s: {%s}: %s\n", s.Suite.Name, name, s.Unavailable[name])
		}
	}
	if t.Differs > 0 {
		fmt.Fprintf(w, "differ: extension cases (where the standards stop) in which the target does otherwise; not failures\n")
	}
	// The plain closing line CI systems read, whatever their language.
	fmt.Fprintf(w, "conformance: %d passed, %d failed, %d skipped, %d differ\n", t.Pass, t.Fail, t.Skip, t.Differs)
}

// unavailableUsed returns, sorted, the parameters without a value that
// kept some case of the suite from running.
func (s *SuiteResult) unavailableUsed() []string {
	var out []string
	for name := range s.Unavailable {
		for _, c := range s.Cases {
			if c.Outcome == Skip && c.Case.params[name] {
				out = append(out, name)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}
