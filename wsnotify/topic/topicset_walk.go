package topic

// walk calls visit with each topic of s that e selects, until visit returns
// false. The Path passed to visit is only valid during the call. A Concrete
// expression is answered by look-ups, O(paths x depth); any other by
// visiting every topic of the namespaces it can select, O(topics x steps x
// depth).
func (s *TopicSet) walk(e *Expr, visit func(Path) bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if e.Concrete() {
		for _, p := range e.Topics() {
			if s.containsLocked(p) && !visit(p) {
				return
			}
		}
		return
	}
	match := func(p Path) bool {
		if e.Match(p) {
			return visit(p)
		}
		return true
	}
	for ns, root := range s.roots {
		if !e.mayMatchNamespace(ns) {
			continue
		}
		if !walkTree(ns, root, nil, match) {
			return
		}
	}
}

// walkTree visits the topics under n (names is the path to n) depth first
// until visit returns false, and reports whether it ran to the end.
func walkTree(ns string, n *setNode, names []string, visit func(Path) bool) bool {
	if n.topic && len(names) > 0 && !visit(Path{Namespace: ns, Names: names}) {
		return false
	}
	for name, child := range n.children {
		if !walkTree(ns, child, append(names, name), visit) {
			return false
		}
	}
	return true
}

// mayMatchNamespace reports whether some path of e can select topics of
// namespace ns.
func (e *Expr) mayMatchNamespace(ns string) bool {
	for i := range e.paths {
		if e.paths[i].anyNS || e.paths[i].ns == ns {
			return true
		}
	}
	return false
}
