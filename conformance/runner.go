package conformance

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Runner runs cases against a target over HTTP, one at a time.
type Runner struct {
	// Target is the base URL of the implementation under test; cases use
	// it as {target} and resolve relative paths against it.
	Target string
	// Set holds parameter values given by the user (--set name=value):
	// "name" sets the parameter of every suite that has one of that name,
	// "suite.name" that of one suite only, and wins over "name".
	Set map[string]string
	// Files is the case tree, for body files (Cases() by default).
	Files fs.FS
	// Client sends the requests; nil uses a client with a 30s timeout
	// that does not follow redirects.
	Client *http.Client
	// Progress, when set, is told about each case as it runs.
	Progress Progress
	// Logger, when set, receives debug lines about each exchange.
	Logger *slog.Logger
}

// Progress is told about each case as it starts and ends.
type Progress interface {
	Start(total int)
	CaseStarted(i int, c *Case)
	CaseDone(i int, r *CaseResult)
}

// Run runs every case of suites in order. The context stops the run: the
// cases not run are skipped.
func (r *Runner) Run(ctx context.Context, suites []*Suite) *Results {
	res := &Results{Target: r.Target, Started: time.Now()}
	total := 0
	for _, s := range suites {
		total += len(s.Cases)
	}
	if r.Progress != nil {
		r.Progress.Start(total)
	}
	i := 0
	for _, s := range suites {
		p := r.resolveParams(ctx, s)
		sr := &SuiteResult{Suite: s, Params: p.values, Unavailable: p.unavailable}
		for _, c := range s.Cases {
			if r.Progress != nil {
				r.Progress.CaseStarted(i, c)
			}
			cr := r.runCase(ctx, c, p)
			sr.Cases = append(sr.Cases, cr)
			if r.Progress != nil {
				r.Progress.CaseDone(i, cr)
			}
			i++
		}
		res.Suites = append(res.Suites, sr)
	}
	res.Duration = time.Since(res.Started)
	return res
}

func (r *Runner) runCase(ctx context.Context, c *Case, p resolved) *CaseResult {
	cr := &CaseResult{Case: c, Failed: -1}
	switch why := c.unavailable(p); {
	case c.Skip != "":
		cr.Outcome, cr.Message = Skip, c.Skip
		return cr
	case why != "":
		cr.Outcome, cr.Message = Skip, why
		return cr
	case ctx.Err() != nil:
		cr.Outcome, cr.Message = Skip, "run stopped: "+ctx.Err().Error()
		return cr
	}
	start := time.Now()
	defer func() { cr.Duration = time.Since(start) }()
	v := newVars(p.values)
	for xi := range c.Exchanges {
		if err := r.runExchange(ctx, c, &c.Exchanges[xi], v, cr); err != nil {
			cr.Outcome, cr.Failed = Fail, len(cr.Records)-1
			if c.Kind == KindExtension {
				cr.Outcome = Differs
			}
			cr.Message = fmt.Sprintf("exchange %d%s: %v", xi+1, labelOf(&c.Exchanges[xi]), err)
			return cr
		}
	}
	cr.Outcome = Pass
	return cr
}

// unavailable says why c cannot run with the parameters p ("" when it
// can): the reasons of the parameters it uses that have no value.
func (c *Case) unavailable(p resolved) string {
	var why []string
	for name, reason := range p.unavailable {
		if c.params[name] {
			why = append(why, reason)
		}
	}
	sort.Strings(why)
	return strings.Join(why, "; ")
}

func labelOf(x *Exchange) string {
	if x.Name == "" {
		return ""
	}
	return " (" + x.Name + ")"
}

// runExchange runs x once, or once per value of its for_each list.
func (r *Runner) runExchange(ctx context.Context, c *Case, x *Exchange, v *vars, cr *CaseResult) error {
	if x.ForEach == "" {
		return r.exchangeOnce(ctx, c, x, v, cr)
	}
	items, ok := v.lists[x.ForEach]
	if !ok {
		if one, ok := v.values[x.ForEach]; ok {
			items = []string{one}
		}
	}
	for _, item := range items {
		if err := r.exchangeOnce(ctx, c, x, v.with(map[string]string{"item": item}), cr); err != nil {
			return fmt.Errorf("item %q: %w", item, err)
		}
	}
	return nil
}

func (r *Runner) exchangeOnce(ctx context.Context, c *Case, x *Exchange, v *vars, cr *CaseResult) error {
	cr.Records = append(cr.Records, Record{Name: x.Name})
	rec := &cr.Records[len(cr.Records)-1]
	req, body, err := buildRequest(ctx, r.files(), c, x, v)
	if err != nil {
		return err
	}
	rp, err := send(r.client(), req, body, rec)
	if r.Logger != nil {
		r.Logger.Debug("exchange", "case", c.ID, "method", rec.Method, "url", rec.URL, "status", rec.Status, "error", rec.Err)
	}
	if err != nil {
		return err
	}
	k := &checker{c: c, v: v, r: rp}
	if err := k.check(&x.Expect); err != nil {
		return err
	}
	return k.capture(x.Capture, v)
}

func (r *Runner) files() fs.FS {
	if r.Files == nil {
		return Cases()
	}
	return r.Files
}

func (r *Runner) client() *http.Client {
	if r.Client != nil {
		return r.Client
	}
	return &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// capture stores the captures of an exchange in v.
func (k *checker) capture(caps map[string]Capture, v *vars) error {
	for name, cp := range caps {
		var vals []string
		if cp.Header != "" {
			vals = k.r.header.Values(cp.Header)
		} else {
			res, err := k.evaluate(cp.XPath)
			if err != nil {
				return fmt.Errorf("capture %s: %v", name, err)
			}
			vals = values(res)
		}
		if cp.All {
			v.lists[name] = vals
			continue
		}
		if len(vals) == 0 {
			return fmt.Errorf("capture %s: got no value", name)
		}
		v.values[name] = vals[0]
	}
	return nil
}
