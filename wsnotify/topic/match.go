package topic

// Matching a path expression against a topic (WS-Topics 1.3, 7.3): the
// expression is an XPath-like location path evaluated over the topic tree of
// one namespace, its context the (virtual) parent of the root topics. For a
// given topic t with names n[0..d-1] only the ancestors-or-self of t matter,
// so the evaluation tracks which depths 0..d of t are reachable after each
// step: depth 0 is the namespace, depth k the topic n[0]/.../n[k-1]. t is
// selected when depth d is reachable after the last step. Depths fit one
// uint64 (MaxDepth = 63), so a match is O(steps x d) bit operations with no
// allocation.

// match reports whether topic t is selected by p.
func (p *pathExpr) match(t Path) bool {
	if !p.anyNS && p.ns != t.Namespace {
		return false
	}
	d := len(t.Names)
	if d == 0 || d > MaxDepth || len(p.steps) == 0 {
		return false
	}
	all := uint64(1)<<(d+1) - 1 // depths 0..d (d+1 == 64 wraps to all ones)
	cur := uint64(1)            // depth 0: the namespace
	for _, s := range p.steps {
		cur = s.next(cur, all, t.Names)
		if cur == 0 {
			return false
		}
	}
	return cur&(uint64(1)<<d) != 0
}

// next returns the depths reachable from the depths in cur by step s.
func (s step) next(cur, all uint64, names []string) uint64 {
	low := cur & -cur // shallowest reachable depth
	if s.kind == stepSelf {
		if !s.desc {
			return cur // '.': self
		}
		return ^(low - 1) & all // '//.': descendant-or-self of any
	}
	tested := s.tested(names)
	if !s.desc {
		return cur << 1 & tested // child::test
	}
	return ^(low<<1 - 1) & tested // descendant::test, below the shallowest
}

// tested returns the depths k in 1..len(names) whose topic passes the step's
// node test: any topic for '*', names[k-1] == name otherwise.
func (s step) tested(names []string) uint64 {
	var m uint64
	for i, n := range names {
		if s.kind == stepAny || n == s.name {
			m |= uint64(1) << (i + 1)
		}
	}
	return m
}
