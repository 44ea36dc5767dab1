package conformance

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoad_ShippedCases(t *testing.T) {
	suites, err := Load(Cases())
	if err != nil {
		t.Fatal(err)
	}
	if len(suites) == 0 {
		t.Fatal("got no suites, want the shipped ones")
	}
	for _, s := range suites {
		for _, c := range s.Cases {
			if c.Suite != s.Name {
				t.Errorf("case %s: suite %q, want %q", c.ID, c.Suite, s.Name)
			}
		}
	}
}

func TestLoad_ReportsEveryError(t *testing.T) {
	fsys := fstest.MapFS{
		"gateway/suite.yaml": {Data: []byte("suite: gateway\ntitle: G\n")},
		"gateway/a.yaml": {Data: []byte(`id: ok
title: OK
kind: wsgw-specific
exchanges: [{path: /}]
---
id: a
title: A
kind: extension
exchanges:
  - path: "{nope}"
    soap: "1.3"
    expect:
      fault: {code: zz:Client}
      xpath: [{expr: "//(", count: 1}]
---
id: ok
title: dup
kind: wsgw-specific
exchanges: [{path: /}]
---
id: b
title: B
kind: standard
exchanges: [{path: /, bogus: 1}]
`)},
		"x/suite.yaml": {Data: []byte(`suite: x
title: X
params:
  - {name: a, default: ["{target}/a", "{target}/b"]}
  - {name: "b c"}
  - {name: d, default: "{e}/x"}
  - {name: a}
requires: [nope]
`)},
		"x/b.yaml": {Data: []byte(`id: wsgw-only
title: W
kind: wsgw-specific
exchanges: [{path: /}]
`)},
	}
	_, err := Load(fsys)
	if err == nil {
		t.Fatal("got no error, want several")
	}
	for _, want := range []string{
		"reason: required for kind extension",
		"spec: a standard case", // not reported: a is an extension
		"exchanges[0].path: unknown placeholder {nope}",
		`exchanges[0].soap: "1.3"`,
		`prefix "zz" is not bound`,
		"exchanges[0].expect.xpath[0].expr",
		`case id "ok" already used`,
		"field bogus not found",
		`case "wsgw-only": kind: wsgw-specific cases belong in the gateway suite`,
		"params[0].default: several defaults need endpoint: true",
		`params[1].name: "b c" is not a parameter name`,
		"params[2].default: {e} is not target or a parameter declared before it",
		`params[3].name: "a" is declared twice`,
		`requires[0]: "nope" is not a parameter of the suite`,
	} {
		if want == "spec: a standard case" {
			if strings.Contains(err.Error(), want) {
				t.Errorf("error %v: want no %q", err, want)
			}
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error:\n%v\nwant it to contain %q", err, want)
		}
	}
}

func TestLoadSuites_ReportsOnlyTheNamedSuites(t *testing.T) {
	fsys := fstest.MapFS{
		"good/suite.yaml": {Data: []byte("suite: good\ntitle: G\n")},
		"good/a.yaml":     {Data: []byte("id: g\ntitle: G\nkind: standard\nspec: [{doc: D, clause: \"1\"}]\nexchanges: [{path: /}]\n")},
		"bad/suite.yaml":  {Data: []byte("suite: bad\ntitle: B\n")},
		"bad/a.yaml":      {Data: []byte("id: b\ntitle: B\nkind: nonsense\nexchanges: [{path: /}]\n")},
	}
	if s, err := LoadSuites(fsys, "good"); err != nil || len(s) != 1 || s[0].Name != "good" {
		t.Errorf("good: got %v, %v; want the good suite and no error", s, err)
	}
	if _, err := LoadSuites(fsys, "bad"); err == nil || !strings.Contains(err.Error(), `kind: "nonsense"`) {
		t.Errorf("bad: got %v, want its error", err)
	}
	if _, err := LoadSuites(fsys); err == nil || !strings.Contains(err.Error(), `kind: "nonsense"`) {
		t.Errorf("all: got %v, want the bad suite's error", err)
	}
	if _, err := LoadSuites(fsys, "good", "nope"); err == nil || !strings.Contains(err.Error(), `no suite "nope" (have bad, good)`) {
		t.Errorf("nope: got %v, want no suite naming the ones there are", err)
	}
}
