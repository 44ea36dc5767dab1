package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// SuiteFile is the name of the file that declares a suite in its directory.
const SuiteFile = "suite.yaml"

// Load reads every suite under fsys: each directory holding a suite.yaml,
// with the cases of the *.yaml files beside it (several cases in one file
// are separate YAML documents). Suites are sorted by name and cases by file
// then position. Every problem found is reported, each prefixed with its
// file.
func Load(fsys fs.FS) ([]*Suite, error) { return LoadSuites(fsys) }

// LoadSuites reads the case tree as Load does and returns the suites
// named, in that order (every suite when names is empty). Only the
// problems of the returned suites' files are reported, so that one suite
// can run while another is being written; a name no suite has is an
// error.
func LoadSuites(fsys fs.FS, names ...string) ([]*Suite, error) {
	suites, errs, err := loadTree(fsys)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		var all []error
		for _, n := range slices.Sorted(maps.Keys(errs)) {
			all = append(all, errs[n]...)
		}
		return suites, errors.Join(all...)
	}
	byName := map[string]*Suite{}
	have := make([]string, len(suites))
	for i, s := range suites {
		byName[s.Name], have[i] = s, s.Name
	}
	var out []*Suite
	var selected []error
	for _, n := range names {
		selected = append(selected, errs[n]...)
		s, ok := byName[n]
		if !ok {
			selected = append(selected, fmt.Errorf("no suite %q (have %s)", n, strings.Join(have, ", ")))
			continue
		}
		out = append(out, s)
	}
	return out, errors.Join(selected...)
}

// loadTree reads every suite under fsys, with the problems found by suite
// (the directory's name).
func loadTree(fsys fs.FS) ([]*Suite, map[string][]error, error) {
	var suites []*Suite
	errs := map[string][]error{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || d.Name() != SuiteFile {
			return nil
		}
		s, err := loadSuite(fsys, path.Dir(p))
		if err != nil {
			name := path.Base(path.Dir(p))
			errs[name] = append(errs[name], err)
		}
		if s != nil {
			suites = append(suites, s)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("loading cases: %w", err)
	}
	sort.Slice(suites, func(i, j int) bool { return suites[i].Name < suites[j].Name })
	checkUnique(suites, errs)
	return suites, errs, nil
}

func loadSuite(fsys fs.FS, dir string) (*Suite, error) {
	file := path.Join(dir, SuiteFile)
	var s Suite
	if err := decodeOne(fsys, file, &s); err != nil {
		return nil, err
	}
	var errs []error
	if s.Name == "" {
		s.Name = path.Base(dir)
	}
	if s.Name != path.Base(dir) {
		errs = append(errs, fmt.Errorf("%s: suite: %q, want the directory's name %q", file, s.Name, path.Base(dir)))
	}
	if err := s.validate(); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", file, err))
	}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	for _, e := range entries {
		if e.IsDir() || e.Name() == SuiteFile || !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		cases, err := loadCases(fsys, path.Join(dir, e.Name()), &s)
		if err != nil {
			errs = append(errs, err)
		}
		s.Cases = append(s.Cases, cases...)
	}
	return &s, errors.Join(errs...)
}

// loadCases reads the cases of one file and validates each.
func loadCases(fsys fs.FS, file string, s *Suite) ([]*Case, error) {
	b, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var cases []*Case
	var errs []error
	for i := 0; ; i++ {
		var c Case
		err := dec.Decode(&c)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: document %d: %w", file, i+1, err))
			break // the decoder cannot resynchronise
		}
		c.File = file
		if c.Suite == "" {
			c.Suite = s.Name
		}
		if err := c.validate(fsys, s); err != nil {
			errs = append(errs, fmt.Errorf("%s: case %q: %w", file, c.ID, err))
			continue
		}
		cases = append(cases, &c)
	}
	return cases, errors.Join(errs...)
}

func decodeOne(fsys fs.FS, file string, v any) error {
	b, err := fs.ReadFile(fsys, file)
	if err != nil {
		return fmt.Errorf("reading %s: %w", file, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}

// checkUnique adds to errs, under the suite of the later case, every case
// id used twice.
func checkUnique(suites []*Suite, errs map[string][]error) {
	seen := map[string]string{}
	for _, s := range suites {
		for _, c := range s.Cases {
			if f, ok := seen[c.ID]; ok {
				errs[s.Name] = append(errs[s.Name], fmt.Errorf("%s: case id %q already used in %s", c.File, c.ID, f))
				continue
			}
			seen[c.ID] = c.File
		}
	}
}

// ReadBody returns the request body of x in case c: Body, or the contents
// of BodyFile (relative to the case file).
func (c *Case) ReadBody(fsys fs.FS, x *Exchange) ([]byte, error) {
	if x.BodyFile == "" {
		return []byte(x.Body), nil
	}
	p := path.Join(path.Dir(c.File), x.BodyFile)
	b, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil, fmt.Errorf("reading body: %w", err)
	}
	return b, nil
}
