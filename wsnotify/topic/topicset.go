package topic

import (
	"cmp"
	"slices"
	"sync"
)

// DefaultMaxTopics bounds an open TopicSet made by NewOpenSet(0).
const DefaultMaxTopics = 10000

// TopicSet is the set of topics a broker supports (WS-Topics 1.3, 4; the
// wstop:TopicSet NotificationProducer resource property of
// WS-BaseNotification 1.3, b-2.xsd).
//
// A fixed set holds the topics it was configured with: publishing on any
// other topic, or subscribing with an expression that selects none of its
// topics, is refused with ErrTopicNotSupported. An open set starts empty and
// gains a topic when a message is first published on it, up to the bound
// given to NewOpenSet;
// any well-formed expression may be subscribed, as its topics may appear
// later.
//
// Topics are nodes of per-namespace trees; the ancestors of a topic are
// nodes of the tree but are topics only if added themselves (in the
// wstop:TopicSet document they carry no wstop:topic="true").
//
// A TopicSet is safe for concurrent use.
type TopicSet struct {
	fixed     bool
	maxTopics int

	mu    sync.RWMutex        // guards roots and count
	roots map[string]*setNode // namespace URI -> parent of its root topics
	count int                 // number of topics (nodes with topic set)
}

// setNode is one node of a topic tree.
type setNode struct {
	children map[string]*setNode
	topic    bool
}

// NewFixedSet returns a fixed set holding topics.
func NewFixedSet(topics ...Path) (*TopicSet, error) {
	s := &TopicSet{fixed: true, roots: make(map[string]*setNode)}
	for _, p := range topics {
		if err := s.Add(p); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// NewOpenSet returns an empty open set bounded to maxTopics topics
// (DefaultMaxTopics when maxTopics <= 0).
func NewOpenSet(maxTopics int) *TopicSet {
	if maxTopics <= 0 {
		maxTopics = DefaultMaxTopics
	}
	return &TopicSet{maxTopics: maxTopics, roots: make(map[string]*setNode)}
}

// Fixed reports whether s is a fixed set.
func (s *TopicSet) Fixed() bool { return s.fixed }

// Len returns the number of topics in s.
func (s *TopicSet) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.count
}

// Add adds topic p to s (configuration of a fixed set, or a first publish
// in an open set). Adding a topic already present does nothing. Errors: p
// invalid (ErrInvalidExpression), or an open set at MaxTopics
// (ErrTopicSetFull).
func (s *TopicSet) Add(p Path) error {
	if err := p.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.roots[p.Namespace]
	if n == nil {
		n = &setNode{}
		s.roots[p.Namespace] = n
	}
	for _, name := range p.Names {
		child := n.children[name]
		if child == nil {
			if n.children == nil {
				n.children = make(map[string]*setNode)
			}
			child = &setNode{}
			n.children[name] = child
		}
		n = child
	}
	if n.topic {
		return nil
	}
	if !s.fixed && s.count >= s.maxTopics {
		return &TopicError{Topic: p.String(), Err: ErrTopicSetFull}
	}
	n.topic = true
	s.count++
	return nil
}

// Contains reports whether p is a topic of s.
func (s *TopicSet) Contains(p Path) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.containsLocked(p)
}

// containsLocked: s.mu must be held.
func (s *TopicSet) containsLocked(p Path) bool {
	n := s.roots[p.Namespace]
	for _, name := range p.Names {
		if n == nil {
			return false
		}
		n = n.children[name]
	}
	return n != nil && n.topic && len(p.Names) > 0
}

// Publish admits a message published on topic p: a fixed set requires p to
// be one of its topics (ErrTopicNotSupported otherwise); an open set adds p.
func (s *TopicSet) Publish(p Path) error {
	if !s.fixed {
		return s.Add(p)
	}
	if !s.Contains(p) {
		return &TopicError{Topic: p.String(), Err: ErrTopicNotSupported}
	}
	return nil
}

// Matches reports whether e selects at least one topic of s.
func (s *TopicSet) Matches(e *Expr) bool {
	found := false
	s.walk(e, func(Path) bool { found = true; return false })
	return found
}

// Select returns the topics of s that e selects, sorted by namespace and
// names (GetCurrentMessage, MultipleTopicsSpecifiedFault).
func (s *TopicSet) Select(e *Expr) []Path {
	var out []Path
	s.walk(e, func(p Path) bool {
		out = append(out, Path{Namespace: p.Namespace, Names: slices.Clone(p.Names)})
		return true
	})
	slices.SortFunc(out, comparePaths)
	return out
}

// CheckSubscribe admits a subscription with expression e: in a fixed set e
// must select at least one topic (ErrTopicNotSupported otherwise); an open
// set admits any expression.
func (s *TopicSet) CheckSubscribe(e *Expr) error {
	if s.fixed && !s.Matches(e) {
		return &TopicError{Topic: e.String(), Err: ErrTopicNotSupported}
	}
	return nil
}

// Topics returns every topic of s, sorted.
func (s *TopicSet) Topics() []Path {
	var out []Path
	s.mu.RLock()
	defer s.mu.RUnlock()
	for ns, root := range s.roots {
		walkTree(ns, root, nil, func(p Path) bool {
			out = append(out, Path{Namespace: p.Namespace, Names: slices.Clone(p.Names)})
			return true
		})
	}
	slices.SortFunc(out, comparePaths)
	return out
}

func comparePaths(a, b Path) int {
	if c := cmp.Compare(a.Namespace, b.Namespace); c != 0 {
		return c
	}
	return slices.Compare(a.Names, b.Names)
}
