package conformance

import (
	"strings"
)

// vars are the placeholder values of one case run: target, the suite's
// parameters, fills, captures and {item}. Lists hold captures with all.
type vars struct {
	values map[string]string
	lists  map[string][]string
}

func newVars(base map[string]string) *vars {
	v := &vars{values: make(map[string]string, len(base)+4), lists: map[string][]string{}}
	for k, s := range base {
		v.values[k] = s
	}
	return v
}

// with returns a copy of v with extra values (fills, item) set.
func (v *vars) with(extra map[string]string) *vars {
	if len(extra) == 0 {
		return v
	}
	w := &vars{values: make(map[string]string, len(v.values)+len(extra)), lists: v.lists}
	for k, s := range v.values {
		w.values[k] = s
	}
	for k, s := range extra {
		w.values[k] = s
	}
	return w
}

// expand replaces every {name} whose name is a value of v; other braces
// are left as written.
func (v *vars) expand(s string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	return placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
		if val, ok := v.values[m[1:len(m)-1]]; ok {
			return val
		}
		return m
	})
}

// expandBytes is expand for a body.
func (v *vars) expandBytes(b []byte) []byte {
	if !strings.Contains(string(b), "{") {
		return b
	}
	return []byte(v.expand(string(b)))
}
