package topic

import (
	"slices"
	"sync"
)

// Index maps subscription identifiers to compiled topic expressions and
// finds the subscriptions whose expression selects a topic.
//
// Layout: one trie per topic namespace, keyed by topic names.
//   - A path that names exactly one topic (Simple, Concrete, and Full paths
//     without '*' or '//') is stored at that topic's node ("exact").
//   - Any other path is stored at the node of its literal prefix, the
//     leading name steps before its first '*' or '//' (tns:a/b//c at a/b,
//     tns://c at the namespace root), and there bucketed by the name its last
//     step tests when that step is a name test (tns://c under "c": only a
//     topic whose last name is c can match it), or unbucketed otherwise
//     (tns:a//*, tns:a//.). Paths whose root is an unprefixed '*' (any
//     namespace) are kept in one extra node, bucketed the same way.
//
// Match walks the trie of the topic's namespace along the topic's names:
// O(d) look-ups for a topic of depth d, plus the exact subscriptions at the
// topic's node (all of which match), plus one O(steps x d) bitset evaluation
// for each wildcard path found on the way down (in a node on the topic's
// path, unbucketed or in the bucket of the topic's last name), plus the same
// for any-namespace paths. Subscriptions to other topics, and wildcard paths
// whose literal prefix is not a prefix of the topic or whose last name test
// differs from the topic's last name, cost nothing. The remaining linear
// cost: unbucketed wildcard paths with a short literal prefix (tns:*,
// tns://*, *) are evaluated for every topic they could select.
//
// Memory: one trie node per distinct subscribed topic or literal prefix,
// plus the identifier (shared string) in a slice at that node and one map
// entry per subscription. Remove is O(d + k) where k is the number of
// subscriptions stored at the same node or bucket.
//
// An Index is safe for concurrent use: Match takes a read lock, Add and
// Remove the write lock.
type Index struct {
	mu    sync.RWMutex     // guards subs, roots and any
	subs  map[string]*Expr // subscription id -> its expression
	roots map[string]*node // topic namespace URI -> trie root
	any   node             // paths with an any-namespace root (no children)
}

// node is one trie node: a topic (or literal prefix) within a namespace.
// Its children are kept in a slice while there are few (most topics have
// few subtopics, and a one-entry map costs ~200 bytes) and in a map beyond
// maxFew.
type node struct {
	name  string                 // key in the parent
	few   []*node                // children, while many is nil
	many  map[string]*node       // children, once there were more than maxFew
	exact []string               // ids whose path is exactly this topic
	wild  []wildEntry            // wildcard paths ending in '*' or '.'
	last  map[string][]wildEntry // wildcard paths by the name their last step tests
}

type wildEntry struct {
	id   string
	path *pathExpr
}

// NewIndex returns an empty Index.
func NewIndex() *Index {
	return &Index{subs: make(map[string]*Expr), roots: make(map[string]*node)}
}

// Len returns the number of subscriptions in the index.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.subs)
}

// Add indexes subscription id with expression e, replacing any expression
// the id had. A nil e removes the id.
func (x *Index) Add(id string, e *Expr) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if old, ok := x.subs[id]; ok {
		x.removeLocked(id, old)
		delete(x.subs, id)
	}
	if e == nil {
		return
	}
	x.subs[id] = e
	for i := range e.paths {
		x.addPathLocked(id, &e.paths[i])
	}
}

// Remove drops subscription id and reports whether it was indexed.
func (x *Index) Remove(id string) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	e, ok := x.subs[id]
	if ok {
		x.removeLocked(id, e)
		delete(x.subs, id)
	}
	return ok
}

// Match returns the ids of the subscriptions whose expression selects topic
// t, sorted and without duplicates.
func (x *Index) Match(t Path) []string {
	return x.AppendMatch(nil, t)
}

// AppendMatch appends to dst the ids Match would return and returns the
// extended slice; the appended part is sorted and without duplicates. With
// a dst of enough capacity it does not allocate.
func (x *Index) AppendMatch(dst []string, t Path) []string {
	if len(t.Names) == 0 {
		return dst
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	start := len(dst)
	lastName := t.Names[len(t.Names)-1]
	dst = x.any.appendWild(dst, t, lastName)
	n := x.roots[t.Namespace]
	for i := 0; n != nil; i++ {
		dst = n.appendWild(dst, t, lastName)
		if i == len(t.Names) {
			dst = append(dst, n.exact...)
			break
		}
		n = n.child(t.Names[i])
	}
	if len(dst)-start > 1 {
		found := dst[start:]
		slices.Sort(found)
		dst = dst[:start+len(slices.Compact(found))]
	}
	return dst
}

// appendWild appends the ids of the wildcard paths stored at n that select
// t, whose last name is lastName.
func (n *node) appendWild(dst []string, t Path, lastName string) []string {
	for _, w := range n.wild {
		if w.path.match(t) {
			dst = append(dst, w.id)
		}
	}
	for _, w := range n.last[lastName] {
		if w.path.match(t) {
			dst = append(dst, w.id)
		}
	}
	return dst
}
