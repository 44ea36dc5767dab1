package wsreliable

import (
	"fmt"
	"strings"
)

// Script commands for engines sharing one store (scope.go): several
// nodes, each with an engine, move scopes between them.
//
//	node NAME             make NAME's engine the current one (a New
//	                      engine with LocalPrefix "NAME.", ticked to now,
//	                      when it has none: a node that starts or
//	                      restarts holding nothing); "node" alone is the
//	                      first node
//	adopt scope=S...      the current engine adopts the stored records of
//	                      scopes S (Adopt)
//	release scope=S...    the current engine releases scopes S (Release)
//	records               the stored records with their scopes
//
// The records of no scope are the node's own: the store keeps them apart
// by node ("NAME|key"); crash loses the current node's engine only.

func (r *scriptRunner) nodeCommand(name string, a args) []string {
	switch name {
	case "node":
		return r.switchNode(a.pos(0))
	case "records":
		var out []string
		for _, k := range sortedKeys(r.store) {
			out = append(out, fmt.Sprintf("%s (%s)", strings.ReplaceAll(k, "\n", "#"), r.scopes[k]))
		}
		if len(out) == 0 {
			out = []string{"nothing"}
		}
		return out
	}
	scopes := map[string]bool{}
	for _, s := range strings.Fields(a["scope"]) {
		scopes[s] = true
	}
	if name == "release" {
		rel := r.e.Release(func(scope string) bool { return scopes[scope] })
		return append([]string{fmt.Sprintf("released groups=%v tokens=%v", rel.Groups, rel.Tokens)}, r.process()...)
	}
	var recs []Record
	for _, k := range sortedKeys(r.store) {
		if scopes[r.scopes[k]] {
			recs = append(recs, Record{Key: k, Value: r.store[k], Scope: r.scopes[k]})
		}
	}
	if err := r.e.Adopt(recs); err != nil {
		return []string{"error: " + err.Error()}
	}
	return append([]string{fmt.Sprintf("adopted %d records", len(recs))}, r.process()...)
}

// switchNode makes node's engine the current one, starting it when it
// has none.
func (r *scriptRunner) switchNode(node string) []string {
	if r.e != nil {
		r.nodes[r.node] = r.e
	}
	r.node = node
	r.e = r.nodes[node]
	if r.e != nil {
		r.e.Tick(r.now)
		return []string{"ok"}
	}
	cfg := r.cfg
	if node != "" {
		cfg.LocalPrefix = node + "."
	}
	e, err := New(cfg)
	if err != nil {
		return []string{"error: " + err.Error()}
	}
	r.e, r.nodes[node] = e, e
	e.Tick(r.now)
	return []string{"ok (started)"}
}

// storeKey is where rec is stored: records of no scope under the node's
// name.
func (r *scriptRunner) storeKey(rec Record) string {
	if rec.Scope == "" && r.node != "" {
		return r.node + "|" + rec.Key
	}
	return rec.Key
}

// ownKey maps a stored key back to a record key when the current node
// restores it: every shared record, and its own.
func (r *scriptRunner) ownKey(k string) (string, bool) {
	node, key, ok := strings.Cut(k, "|")
	if !ok {
		return k, r.node == "" || r.scopes[k] != ""
	}
	return key, node == r.node
}
