package conformance

import "time"

// Outcome is the result of one case.
type Outcome string

// The outcomes.
const (
	Pass Outcome = "pass"
	Fail Outcome = "fail"
	Skip Outcome = "skip"
	// Differs is the outcome of an extension case whose expectations do
	// not hold: where the standards say nothing, the target does
	// otherwise than the case describes. It is reported apart, under
	// "Where the standards stop", and is not a failure: it never sets the
	// exit status (choice: a foreign implementation is not wrong to differ
	// from wsgw where no standard speaks).
	Differs Outcome = "differs"
)

// CaseResult is the outcome of one case, with the exchanges it made.
type CaseResult struct {
	Case    *Case
	Outcome Outcome
	// Message says why the case failed, differs or was skipped.
	Message string
	// Exchange is the index into Records of the failing exchange (-1 when
	// none failed).
	Failed   int
	Records  []Record
	Duration time.Duration
}

// NotMet reports whether the case ran and its expectations did not hold:
// a failure, or an extension case that differs. Tests of wsgw itself use
// it, since wsgw must do what its own extension cases describe.
func (c *CaseResult) NotMet() bool { return c.Outcome == Fail || c.Outcome == Differs }

// SuiteResult is the outcome of every selected case of a suite.
type SuiteResult struct {
	Suite  *Suite
	Params map[string]string // the parameter values used
	// Unavailable names the parameters that have no value, each with why
	// and the --set that gives one; the cases using them were skipped.
	Unavailable map[string]string
	Cases       []*CaseResult
}

// Tally counts cases by outcome.
type Tally struct {
	Pass, Fail, Skip, Differs int
}

// Ran returns how many cases ran (were not skipped).
func (t Tally) Ran() int { return t.Pass + t.Fail + t.Differs }

func (t *Tally) add(o Outcome) {
	switch o {
	case Pass:
		t.Pass++
	case Fail:
		t.Fail++
	case Skip:
		t.Skip++
	case Differs:
		t.Differs++
	}
}

// Tally counts the suite's cases by outcome.
func (s *SuiteResult) Tally() Tally {
	var t Tally
	for _, c := range s.Cases {
		t.add(c.Outcome)
	}
	return t
}

// Results is the outcome of a run.
type Results struct {
	Target   string
	Started  time.Time
	Duration time.Duration
	Suites   []*SuiteResult
}

// Tally counts every case of the run by outcome.
func (r *Results) Tally() Tally {
	var t Tally
	for _, s := range r.Suites {
		for _, c := range s.Cases {
			t.add(c.Outcome)
		}
	}
	return t
}

// Failed reports whether any case failed. Extension cases that differ are
// not failures.
func (r *Results) Failed() bool { return r.Tally().Fail > 0 }

// Extensions returns the cases of kind extension, in run order.
func (r *Results) Extensions() []*CaseResult {
	var out []*CaseResult
	for _, s := range r.Suites {
		for _, c := range s.Cases {
			if c.Case.Kind == KindExtension {
				out = append(out, c)
			}
		}
	}
	return out
}
