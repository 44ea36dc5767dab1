package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/wsgw/wsgw/conformance"
)

// loadSuites loads the case tree and keeps the suites --suite names.
func loadSuites(f *conformanceFlags) ([]*conformance.Suite, error) {
	all, err := conformance.Load(casesFS(f))
	if err != nil {
		return nil, err
	}
	if f.suites == "" {
		return all, nil
	}
	byName := map[string]*conformance.Suite{}
	var names []string
	for _, s := range all {
		byName[s.Name] = s
		names = append(names, s.Name)
	}
	var out []*conformance.Suite
	for _, n := range strings.Split(f.suites, ",") {
		n = strings.TrimSpace(n)
		s, ok := byName[n]
		if !ok {
			return nil, fmt.Errorf("--suite: no suite %q (have %s)", n, strings.Join(names, ", "))
		}
		out = append(out, s)
	}
	return out, nil
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

// writeOutputs writes the JUnit file and the report that were asked for.
func writeOutputs(f *conformanceFlags, res *conformance.Results) error {
	if f.junit != "" {
		if err := writeFile(f.junit, func(w io.Writer) error { return conformance.WriteJUnit(w, res) }); err != nil {
			return err
		}
	}
	if f.report != "" {
		return writeFile(f.report, func(w io.Writer) error { return conformance.WriteReport(w, f.report, res) })
	}
	return nil
}

func writeFile(name string, write func(io.Writer) error) error {
	file, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("creating %s: %w", name, err)
	}
	if err := write(file); err != nil {
		file.Close()
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}
