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
//     tns://c at the namespace root). Paths whose root is an unprefixed '*'
//     (any namespace) are kept in one list.
//
// Match walks the trie of the topic's namespace along the topic's names:
// O(d) map look-ups for a topic of depth d, plus the exact subscriptions at
// the topic's node (all of which match), plus one O(steps x d) bitset
// evaluation for each wildcard path stored at the namespace root or on the
// way down, plus each any-namespace path. Subscriptions to other topics, and
// wildcard paths whose literal prefix is not a prefix of the topic, cost
// nothing. The worst case is many wildcard subscriptions with a short
// literal prefix (tns://x, *): those are evaluated for every topic of their
// namespace (or every topic), i.e. linear in their number.
//
// Memory: one trie node per distinct subscribed topic or literal prefix,
// plus the identifier (shared string) in a slice at that node and one map
// entry per subscription. Remove is O(d + k) where k is the number of
// subscriptions stored at the same node.
//
// An Index is safe for concurrent use: Match takes a read lock, Add and
// Remove the write lock.
type Index struct {
	mu    sync.RWMutex     // guards subs, roots and anyNS
	subs  map[string]*Expr // subscription id -> its expression
	roots map[string]*node // topic namespace URI -> trie root
	anyNS []wildEntry      // paths with an any-namespace root
}

// node is one trie node: a topic (or literal prefix) within a namespace.
// Its children are kept in a slice while there are few (most topics have
// few subtopics, and a one-entry map costs ~200 bytes) and in a map beyond
// maxFew.
type node struct {
	name  string           // key in the parent
	few   []*node          // children, while len(many) == 0
	many  map[string]*node // children, once there were more than maxFew
	exact []string         // ids whose path is exactly this topic
	wild  []wildEntry      // wildcard paths whose literal prefix ends here
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
// the id had. e must not be nil.
func (x *Index) Add(id string, e *Expr) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if old, ok := x.subs[id]; ok {
		x.removeLocked(id, old)
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
	x.mu.RLock()
	defer x.mu.RUnlock()
	start := len(dst)
	for _, w := range x.anyNS {
		if w.path.match(t) {
			dst = append(dst, w.id)
		}
	}
	n := x.roots[t.Namespace]
	for i := 0; n != nil; i++ {
		for _, w := range n.wild {
			if w.path.match(t) {
				dst = append(dst, w.id)
			}
		}
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
