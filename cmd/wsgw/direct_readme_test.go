package main

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestDirect_ReadmeDocumentsEveryKey: every key of the `wsgw direct`
// file is in README.md's "Direct paths" table (a section's keys may be
// documented as `section.*`). The usage text sends readers there; before,
// the section did not exist.
func TestDirect_ReadmeDocumentsEveryKey(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	start := strings.Index(readme, "\n## Direct paths\n")
	if start < 0 {
		t.Fatal(`got no "## Direct paths" section in README.md, want one (wsgw direct's usage points there)`)
	}
	section := readme[start+1:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	var walk func(prefix string, typ reflect.Type)
	walk = func(prefix string, typ reflect.Type) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			key := prefix + strings.Split(f.Tag.Get("yaml"), ",")[0]
			if strings.Contains(section, "`"+prefix+"*`") {
				continue
			}
			if ft := f.Type; ft.Kind() == reflect.Struct || ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct {
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				walk(key+".", ft)
				continue
			}
			if !strings.Contains(section, "`"+key+"`") {
				t.Errorf("key %s: got no `%s` in README.md's Direct paths, want it documented", key, key)
			}
		}
	}
	walk("", reflect.TypeFor[fileDirect]())
}
