package conformance

import "time"

// Outcome is the result of one case.
type Outcome string

// The outcomes.
const (
	Pass Outcome = "pass"
	Fail Outcome = "fail"
	Skip Outcome = "skip"
)

// CaseResult is the outcome of one case, with the exchanges it made.
type CaseResult struct {
	Case    *Case
	Outcome Outcome
	// Message says why the case failed or was skipped.
	Message string
	// Exchange is the index into Records of the failing exchange (-1 when
	// none failed).
	Failed   int
	Records  []Record
	Duration time.Duration
}

// SuiteResult is the outcome of every selected case of a suite.
type SuiteResult struct {
	Suite  *Suite
	Params map[string]string // the parameter values used
	Cases  []*CaseResult
}

// Counts returns how many cases passed, failed and were skipped.
func (s *SuiteResult) Counts() (pass, fail, skip int) {
	for _, c := range s.Cases {
		switch c.Outcome {
		case Pass:
			pass++
		case Fail:
			fail++
		case Skip:
			skip++
		}
	}
	return pass, fail, skip
}

// Results is the outcome of a run.
type Results struct {
	Target   string
	Started  time.Time
	Duration time.Duration
	Suites   []*SuiteResult
}

// Failed reports whether any case failed.
func (r *Results) Failed() bool {
	for _, s := range r.Suites {
		if _, fail, _ := s.Counts(); fail > 0 {
			return true
		}
	}
	return false
}

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
