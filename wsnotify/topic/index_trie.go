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

// addPathLocked stores one path of subscription id. x.mu must be held for
// writing.
func (x *Index) addPathLocked(id string, p *pathExpr) {
	if p.anyNS {
		x.anyNS = append(x.anyNS, wildEntry{id: id, path: p})
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
		child := n.children[name]
		if child == nil {
			if n.children == nil {
				n.children = make(map[string]*node)
			}
			child = &node{}
			n.children[name] = child
		}
		n = child
	}
	if exact {
		n.exact = append(n.exact, id)
	} else {
		n.wild = append(n.wild, wildEntry{id: id, path: p})
	}
}

// removeLocked drops every path of subscription id (expression e) and
// prunes trie nodes left empty. x.mu must be held for writing.
func (x *Index) removeLocked(id string, e *Expr) {
	for i := range e.paths {
		p := &e.paths[i]
		if p.anyNS {
			x.anyNS = slices.DeleteFunc(x.anyNS, func(w wildEntry) bool { return w.id == id })
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
		if n = n.children[name]; n == nil {
			return
		}
		trail = append(trail, n)
	}
	if exact {
		n.exact = slices.DeleteFunc(n.exact, func(s string) bool { return s == id })
	} else {
		n.wild = slices.DeleteFunc(n.wild, func(w wildEntry) bool { return w.id == id })
	}
	for i := len(trail) - 1; i > 0 && trail[i].empty(); i-- {
		delete(trail[i-1].children, names[i-1])
	}
	if root.empty() {
		delete(x.roots, p.ns)
	}
}

func (n *node) empty() bool {
	return len(n.children) == 0 && len(n.exact) == 0 && len(n.wild) == 0
}
