package conformance

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// resolved is what a suite's parameters stand for in one run.
type resolved struct {
	values map[string]string
	// unavailable holds, for each parameter without a value, why and the
	// --set that would give it one.
	unavailable map[string]string
}

// resolveParams computes the values of a suite's parameters, in order:
// the value given with --set (setValue), or else the first default that is
// there.
// A default may use target and the parameters before it. An endpoint's
// default is there when the target has an endpoint at that URL (probe); a
// value given with --set is used as given, so that a wrong one fails the
// cases rather than skip them.
func (r *Runner) resolveParams(ctx context.Context, s *Suite) resolved {
	v := newVars(map[string]string{"target": strings.TrimRight(r.Target, "/")})
	res := resolved{values: v.values, unavailable: map[string]string{}}
	for _, p := range s.Params {
		if val := r.setValue(s, p); val != "" {
			v.values[p.Name] = v.expand(val)
			continue
		}
		var absent []string
		for _, d := range p.Default {
			if unresolved(v, d) {
				absent = append(absent, "its default "+d+" builds on a parameter without a value")
				continue
			}
			val := v.expand(d)
			if p.Endpoint {
				if why := r.probe(ctx, val); why != "" {
					absent = append(absent, why)
					continue
				}
			}
			v.values[p.Name] = val
			break
		}
		if _, ok := v.values[p.Name]; !ok {
			res.unavailable[p.Name] = unavailableReason(p, absent)
		}
	}
	return res
}

// setValue returns the value given for p of s: Set["suite.name"], or else
// Set["name"] (which sets the parameter of that name in every suite).
func (r *Runner) setValue(s *Suite, p Param) string {
	if val, ok := r.Set[s.Name+"."+p.Name]; ok {
		return val
	}
	return r.Set[p.Name]
}

// unresolved reports whether d names a parameter that has no value.
func unresolved(v *vars, d string) bool {
	for _, m := range placeholderRE.FindAllStringSubmatch(d, -1) {
		if _, ok := v.values[m[1]]; !ok {
			return true
		}
	}
	return false
}

func unavailableReason(p Param, absent []string) string {
	var b strings.Builder
	if len(absent) > 0 {
		b.WriteString(strings.Join(absent, "; ") + "; ")
	}
	b.WriteString("needs --set " + p.Name + "=...")
	if p.Description != "" {
		b.WriteString(" (" + strings.Join(strings.Fields(p.Description), " ") + ")")
	}
	return b.String()
}

// probe reports why the target has no endpoint at url, or "" when it has
// one. It sends a GET (choice: safe, and answered by any HTTP server):
// only a 404 Not Found or 410 Gone answer means that nothing is there. A
// transport error is not taken for an absent endpoint: the cases run and
// fail with it, so that a target that is down never passes by skipping.
func (r *Runner) probe(ctx context.Context, url string) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Sprintf("%s is not a URL: %v", url, err)
	}
	resp, err := r.client().Do(req)
	if err != nil {
		return ""
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) //nolint:errcheck // only the status matters
	resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone {
		return fmt.Sprintf("no endpoint at %s (GET: %s)", url, resp.Status)
	}
	return ""
}
