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
		n = n.addChild(name)
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
		if n = n.child(name); n == nil {
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
		trail[i-1].removeChild(names[i-1])
	}
	if root.empty() {
		delete(x.roots, p.ns)
	}
}

func (n *node) empty() bool {
	return len(n.few) == 0 && len(n.many) == 0 && len(n.exact) == 0 && len(n.wild) == 0
}

// maxFew is the number of children kept in node.few before node.many.
const maxFew = 8

func (n *node) child(name string) *node {
	if n.many != nil {
		return n.many[name]
	}
	for _, c := range n.few {
		if c.name == name {
			return c
		}
	}
	return nil
}

// addChild returns the child called name, creating it if needed.
func (n *node) addChild(name string) *node {
	if c := n.child(name); c != nil {
		return c
	}
	c := &node{name: name}
	switch {
	case n.many != nil:
		n.many[name] = c
	case len(n.few) < maxFew:
		n.few = append(n.few, c)
	default:
		n.many = make(map[string]*node, 2*maxFew)
		for _, f := range n.few {
			n.many[f.name] = f
		}
		n.many[name] = c
		n.few = nil
	}
	return c
}

// removeChild drops the child called name. A node that went to a map stays
// with it.
func (n *node) removeChild(name string) {
	if n.many != nil {
		delete(n.many, name)
		return
	}
	n.few = slices.DeleteFunc(n.few, func(c *node) bool { return c.name == name })
}
