package topic

import "slices"

// literalPrefix returns the names of p's leading name steps before its first
// '*' or '//' (plain '.' steps are skipped), and whether p is exact (has no
// such step at all).
func (p *pathExpr) literalPrefix() (names []string, exact bool) {
	for _, s := range p.steps {
		switch {
		case s.desc || s.kind == stepAny:
			return names, false
		case s.kind == stepName:
			names = append(names, s.name)
		}
	}
	return names, true
}

// lastName returns the name tested by p's last step, ignoring trailing plain
// '.' steps, when that step is a name test: every topic p selects then ends
// with that name. ok is false for a last step '*' or '//.'.
func (p *pathExpr) lastName() (name string, ok bool) {
	for i := len(p.steps) - 1; i >= 0; i-- {
		s := p.steps[i]
		if s.kind == stepSelf && !s.desc {
			continue
		}
		return s.name, s.kind == stepName
	}
	return "", false
}

// addPathLocked stores one path of subscription id. x.mu must be held for
// writing.
func (x *Index) addPathLocked(id string, p *pathExpr) {
	if p.anyNS {
		x.any.addWild(id, p)
		return
	}
	root := x.roots[p.ns]
	if root == nil {
		root = &node{}
		x.roots[p.ns] = root
	}
	names, exact := p.literalPrefix()
	n := root
	for _, name := range names {
		n = n.addChild(name)
	}
	if exact {
		n.exact = append(n.exact, id)
		return
	}
	n.addWild(id, p)
}

func (n *node) addWild(id string, p *pathExpr) {
	w := wildEntry{id: id, path: p}
	name, ok := p.lastName()
	if !ok {
		n.wild = append(n.wild, w)
		return
	}
	if n.last == nil {
		n.last = make(map[string][]wildEntry)
	}
	n.last[name] = append(n.last[name], w)
}

func (n *node) removeWild(id string, p *pathExpr) {
	isID := func(w wildEntry) bool { return w.id == id }
	name, ok := p.lastName()
	if !ok {
		n.wild = slices.DeleteFunc(n.wild, isID)
		return
	}
	if ws := slices.DeleteFunc(n.last[name], isID); len(ws) > 0 {
		n.last[name] = ws
	} else {
		delete(n.last, name)
	}
}

// removeLocked drops every path of subscription id (expression e) and
// prunes trie nodes left empty. x.mu must be held for writing.
func (x *Index) removeLocked(id string, e *Expr) {
	for i := range e.paths {
		p := &e.paths[i]
		if p.anyNS {
			x.any.removeWild(id, p)
			continue
		}
		x.removePathLocked(id, p)
	}
}

func (x *Index) removePathLocked(id string, p *pathExpr) {
	root := x.roots[p.ns]
	if root == nil {
		return
	}
	names, exact := p.literalPrefix()
	trail := make([]*node, 0, len(names)+1) // trail[i] is the node at depth i
	n := root
	trail = append(trail, n)
	for _, name := range names {
		if n = n.child(name); n == nil {
			return
		}
		trail = append(trail, n)
	}
	if exact {
		n.exact = slices.DeleteFunc(n.exact, func(s string) bool { return s == id })
	} else {
		n.removeWild(id, p)
	}
	for i := len(trail) - 1; i > 0 && trail[i].empty(); i-- {
		trail[i-1].removeChild(names[i-1])
	}
	if root.empty() {
		delete(x.roots, p.ns)
	}
}

func (n *node) empty() bool {
	return len(n.few) == 0 && len(n.many) == 0 && len(n.exact) == 0 &&
		len(n.wild) == 0 && len(n.last) == 0
}
