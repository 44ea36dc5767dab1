package conformance

import (
	"fmt"
	"io"
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
// prints failures above it.
type termProgress struct {
	w                io.Writer
	total            int
	pass, fail, skip int
}

func (p *termProgress) Start(total int) { p.total = total }

func (p *termProgress) CaseStarted(i int, c *Case) {
	fmt.Fprintf(p.w, "\r\033[K[%*d/%d] %d passed, %d failed, %d skipped; running %s", width(p.total), i+1, p.total, p.pass, p.fail, p.skip, c)
}

func (p *termProgress) CaseDone(i int, r *CaseResult) {
	switch r.Outcome {
	case Pass:
		p.pass++
	case Fail:
		p.fail++
		fmt.Fprintf(p.w, "\r\033[KFAIL %s: %s\n", r.Case, r.Message)
	case Skip:
		p.skip++
	}
	if i+1 == p.total {
		fmt.Fprintf(p.w, "\r\033[K")
	}
}

func width(n int) int { return len(fmt.Sprint(n)) }

// WriteSummary writes a table of pass/fail/skip counts per suite.
func WriteSummary(w io.Writer, r *Results) {
	fmt.Fprintf(w, "%-10s %5s %5s %5s\n", "suite", "pass", "fail", "skip")
	var tp, tf, ts int
	for _, s := range r.Suites {
		p, f, sk := s.Counts()
		tp, tf, ts = tp+p, tf+f, ts+sk
		fmt.Fprintf(w, "%-10s %5d %5d %5d\n", s.Suite.Name, p, f, sk)
	}
	fmt.Fprintf(w, "%-10s %5d %5d %5d   (%s against %s)\n", "total", tp, tf, ts, r.Duration.Round(1e6), r.Target)
	// The plain closing line CI systems read, whatever their language.
	fmt.Fprintf(w, "conformance: %d passed, %d failed, %d skipped\n", tp, tf, ts)
}
