package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/wsgw/wsgw/conformance"
)

const conformanceUsage = `Usage: wsgw conformance --target URL [--suite LIST] [--set [SUITE.]NAME=VALUE]... [--junit FILE] [--report FILE]

Runs the conformance kit's cases against any SOAP implementation at URL over
HTTP. Suites: %s.
A suite's cases use parameters (e.g. the URL of the service to test), with
defaults built from --target; --set overrides them (NAME in every suite that
has it, SUITE.NAME in one). --list shows them. When the target has no
endpoint at a default URL (404), the cases that need it are skipped, with the
--set that would run them.
Cases of kind extension (where the standards say nothing) that the target
does otherwise "differ": they are reported apart and are not failures.
Exit status: 0 when no case failed, 1 when one did or none ran, 2 for bad
usage or an output file that cannot be created.

`

type conformanceFlags struct {
	target, suites, junit, report, cases string
	set                                  setFlag
	list                                 bool
	timeout                              time.Duration
}

func cmdConformance(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "testservice" { // the kit's test service: testservice.go
		return runTestService(ctx, args[1:], stdout)
	}
	f, code := parseConformanceFlags(args, stdout, stderr)
	if code >= 0 {
		return code
	}
	suites, err := loadSuites(f)
	if err != nil {
		fmt.Fprintln(stderr, "wsgw conformance:", err)
		return 2
	}
	if f.list {
		listSuites(stdout, suites)
		return 0
	}
	// The output files are created before the run, so that a path that
	// cannot be written is an error now, not after every case ran.
	out, err := createOutputs(f)
	if err != nil {
		fmt.Fprintln(stderr, "wsgw conformance:", err)
		return 2
	}
	defer out.discard()
	runner := &conformance.Runner{Target: strings.TrimRight(f.target, "/"), Set: f.set.values, Files: casesFS(f)}
	runner.Progress = conformance.NewProgress(stdout, isTerminal(stdout))
	if f.timeout > 0 {
		runner.Client = conformanceClient(f.timeout)
	}
	warnUnknownParams(stderr, suites, f.set.values)
	res := runner.Run(ctx, suites)
	fmt.Fprintln(stdout)
	conformance.WriteSummary(stdout, res)
	if err := out.write(f, res); err != nil {
		fmt.Fprintln(stderr, "wsgw conformance:", err)
		return 1
	}
	switch {
	case res.Failed():
		return 1
	case res.Tally().Ran() == 0:
		fmt.Fprintln(stderr, "wsgw conformance: no case ran (every case was skipped, see why above): nothing was tested")
		return 1
	}
	return 0
}

// parseConformanceFlags returns the flags, or an exit code >= 0 to stop.
func parseConformanceFlags(args []string, stdout, stderr io.Writer) (*conformanceFlags, int) {
	f := &conformanceFlags{set: setFlag{values: map[string]string{}}}
	fs := newFlagSet("conformance", fmt.Sprintf(conformanceUsage, suiteNames(stderr)))
	fs.StringVar(&f.target, "target", "", "base URL of the implementation under test, e.g. http://127.0.0.1:8080 (required)")
	fs.StringVar(&f.suites, "suite", "", "comma-separated suites to run (default: all)")
	fs.StringVar(&f.junit, "junit", "", "write JUnit XML to this file")
	fs.StringVar(&f.report, "report", "", "write a report to this file: Markdown, or HTML when it ends in .html")
	fs.StringVar(&f.cases, "cases", "", "directory of cases to run instead of the built-in ones")
	fs.Var(&f.set, "set", "[SUITE.]NAME=VALUE: a suite parameter, e.g. service=http://host/svc or soap11.service=... (repeatable)")
	fs.BoolVar(&f.list, "list", false, "list the suites, their parameters and cases, and exit")
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "timeout of one HTTP exchange")
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return nil, code
	}
	if f.target == "" && !f.list {
		fmt.Fprintln(stderr, "wsgw conformance: --target is required")
		return nil, usageError(fs)
	}
	if f.target != "" {
		if u, err := url.Parse(f.target); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			fmt.Fprintf(stderr, "wsgw conformance: --target %q: want an http(s) URL\n", f.target)
			return nil, 2
		}
	}
	return f, -1
}

// setFlag collects NAME=VALUE pairs.
type setFlag struct{ values map[string]string }

func (s *setFlag) String() string { return "" }

func (s *setFlag) Set(v string) error {
	name, value, ok := strings.Cut(v, "=")
	if !ok || name == "" {
		return fmt.Errorf("%q: want NAME=VALUE", v)
	}
	s.values[name] = value
	return nil
}

func casesFS(f *conformanceFlags) fs.FS {
	if f.cases != "" {
		return os.DirFS(f.cases)
	}
	return conformance.Cases()
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	file, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := file.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func suiteNames(stderr io.Writer) string {
	suites, err := conformance.Load(conformance.Cases())
	if err != nil {
		fmt.Fprintln(stderr, "wsgw conformance: built-in cases:", err)
	}
	names := make([]string, len(suites))
	for i, s := range suites {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}

func warnUnknownParams(stderr io.Writer, suites []*conformance.Suite, set map[string]string) {
	known := map[string]bool{}
	for _, s := range suites {
		for _, p := range s.Params {
			known[p.Name], known[s.Name+"."+p.Name] = true, true
		}
	}
	names := make([]string, 0, len(set))
	for n := range set {
		if !known[n] {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(stderr, "wsgw conformance: warning: --set %s: no selected suite has this parameter\n", n)
	}
}
