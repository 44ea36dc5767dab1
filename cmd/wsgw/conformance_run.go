package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wsgw/wsgw/conformance"
)

// loadSuites loads the case tree and keeps the suites --suite names.
func loadSuites(f *conformanceFlags) ([]*conformance.Suite, error) {
	var names []string
	if f.suites != "" {
		for _, n := range strings.Split(f.suites, ",") {
			names = append(names, strings.TrimSpace(n))
		}
	}
	return conformance.LoadSuites(casesFS(f), names...)
}

func listSuites(w io.Writer, suites []*conformance.Suite) {
	for _, s := range suites {
		fmt.Fprintf(w, "%s: %s (%d cases)\n", s.Name, s.Title, len(s.Cases))
		for _, p := range s.Params {
			def := "default " + strings.Join(p.Default, ", or else ")
			switch {
			case len(p.Default) == 0:
				def = "no default: the cases using it are skipped unless it is set"
			case p.Endpoint:
				def += ", where the target has an endpoint"
			}
			fmt.Fprintf(w, "  --set %s=...  %s [%s]\n", p.Name, strings.Join(strings.Fields(p.Description), " "), def)
		}
		for _, c := range s.Cases {
			fmt.Fprintf(w, "  %-45s %-13s %s\n", c.ID, c.Kind, c.Citations())
		}
	}
}

func conformanceClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// outputs are the JUnit file and the report asked for, created before
// the run.
type outputs struct {
	junit, report *os.File
}

// createOutputs creates the files --junit and --report name, and the
// directories they are in.
func createOutputs(f *conformanceFlags) (*outputs, error) {
	out := &outputs{}
	for _, o := range []struct {
		name string
		file **os.File
	}{{f.junit, &out.junit}, {f.report, &out.report}} {
		if o.name == "" {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(o.name), 0o755); err != nil {
			out.discard()
			return nil, fmt.Errorf("creating the directory of %s: %w", o.name, err)
		}
		file, err := os.Create(o.name)
		if err != nil {
			out.discard()
			return nil, fmt.Errorf("creating %s: %w", o.name, err)
		}
		*o.file = file
	}
	return out, nil
}

// write writes the results to the files and closes them.
func (o *outputs) write(f *conformanceFlags, res *conformance.Results) error {
	if o.junit != nil {
		err := writeAndClose(o.junit, func(w io.Writer) error { return conformance.WriteJUnit(w, res) })
		o.junit = nil
		if err != nil {
			return err
		}
	}
	if o.report != nil {
		err := writeAndClose(o.report, func(w io.Writer) error { return conformance.WriteReport(w, f.report, res) })
		o.report = nil
		return err
	}
	return nil
}

// discard closes the files write did not close.
func (o *outputs) discard() {
	for _, file := range []*os.File{o.junit, o.report} {
		if file != nil {
			file.Close()
		}
	}
}

func writeAndClose(file *os.File, write func(io.Writer) error) error {
	if err := write(file); err != nil {
		file.Close()
		return fmt.Errorf("writing %s: %w", file.Name(), err)
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", file.Name(), err)
	}
	return nil
}
